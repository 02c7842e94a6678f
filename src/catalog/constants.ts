// Plain constants with no zod import, so the CLI's hot paths (help, render's unchanged path) stay light.
/** Connection names are slugs; the name is also the key an agent sees (`mcp__<name>__<tool>`). */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const PERMISSIONS = ['read', 'readwrite', 'full'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const AGENTS = [
  'claude-code',
  'cursor',
  'vscode',
  'gemini',
  'codex',
  'opencode',
  'kiro',
  'copilot',
  'qwen-code',
  'amp',
  'kilo',
  'roo',
  'zed',
  'crush',
  'augment',
  'junie',
  'continue',
  'claude-desktop',
  'cline',
  'windsurf',
  'goose',
] as const;
export type Agent = (typeof AGENTS)[number];

/**
 * Agents with no project file: their one MCP config is the user's, read in every repo. Only
 * `conn render --scope user` writes it (with the connections assigned to all repos), never the hook.
 */
export const USER_LEVEL_AGENTS: readonly Agent[] = ['claude-desktop', 'cline', 'windsurf', 'goose'];

export const KINDS = ['stdio', 'remote', 'http-api'] as const;
export type Kind = (typeof KINDS)[number];

export const CATALOG_VERSION = 1;

/** The catalog before anything was added (what a missing or empty file reads as). */
export function emptyCatalog(): { version: typeof CATALOG_VERSION; connections: Record<string, never>; assignments: never[] } {
  return { version: CATALOG_VERSION, connections: {}, assignments: [] };
}
