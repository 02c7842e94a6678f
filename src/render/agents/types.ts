import type { Agent } from '../../catalog/model.js';
import type { LaunchSpec } from '../../launch/types.js';

/** One MCP server entry to write: a resolved (or reference-mode) launch spec plus the tools to deny. */
export interface RenderedEntry {
  /** The entry's key in the agent's file (the connection name). */
  name: string;
  /** A `stdio` or `remote` spec; `http-api` specs must be turned into their `conn serve` bridge first. */
  spec: LaunchSpec;
  /** Tool names (as the server lists them) the agent should not be able to call. */
  deniedTools: string[];
}

/**
 * Where an agent's own config can deny tools:
 * - `entry`: inside the server entry (Gemini `excludeTools`, Codex `disabled_tools`);
 * - `top-level`: a top-level map in the same file (opencode `tools: {"<server>_<tool>": false}`);
 * - `side-file`: another file (Claude Code `permissions.deny` in `.claude/settings.local.json`);
 * - `none`: no way to deny a tool (Cursor, VS Code).
 */
export type ToolFilter = 'entry' | 'top-level' | 'side-file' | 'none';

/** One writer per agent: pure text in, text out. All I/O is the caller's (see render.ts, write-safely.ts). */
export interface AgentWriter {
  agent: Agent;
  /** Project file, relative to the repo root, with `/` separators. */
  file: string;
  toolFilter: ToolFilter;
  /** Names of the MCP server entries in `text`; throws MalformedFileError when it does not parse. */
  serverNames(text: string): string[];
  /**
   * New file text: `existing` (null = no file) with the entries in `set` written (replacing same-named
   * ones in place) and the names in `remove` deleted. Every other byte is kept where the format allows.
   * Returns `existing` itself when nothing changes (no churn). Throws MalformedFileError when
   * `existing` does not parse (nothing is written), UnsupportedEntryError when an entry cannot be
   * expressed in this agent's format.
   *
   * `staleDenyRules`: `top-level` writers only: the rules (from `denyRules`) written by the previous
   * render; those no longer wanted are removed. Rules the user wrote are never touched.
   */
  merge(existing: string | null, set: RenderedEntry[], remove: string[], staleDenyRules?: string[]): string;
  /**
   * The deny rules this writer puts outside the entry for `entry` (`top-level`: keys of opencode's
   * `tools` map; `side-file`: Claude Code permission rules; otherwise none). The caller remembers them
   * so the next render can remove exactly these and nothing of the user's.
   */
  denyRules(entry: RenderedEntry): string[];
}
