// The agents whose MCP files `conn import` reads, without loading the file parsers of sources.ts.
export const SOURCES = ['claude-code', 'claude-desktop', 'cursor', 'vscode', 'gemini', 'codex', 'opencode'] as const;
export type Source = (typeof SOURCES)[number];
