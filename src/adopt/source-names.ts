// The agents whose files conn reads (a leaf module: the CLI's option parsing needs the names only).
/**
 * The agents whose files conn reads. To add one: its name here, its project file(s) in PROJECT_FILES,
 * its user file(s) in defaultSources, its file name in inferSource, and (when its entries are not
 * the common `mcpServers` shape) a case in parseSourceText.
 */
export const SOURCES = [
  'claude-code', 'claude-desktop', 'cursor', 'vscode', 'gemini', 'codex', 'opencode', 'kiro', 'roo', 'amazonq', 'mcp-json',
  'qwen-code', 'amp', 'kilo', 'zed', 'crush', 'augment', 'junie', 'continue', 'cline', 'windsurf', 'goose',
] as const;
export type Source = (typeof SOURCES)[number];
