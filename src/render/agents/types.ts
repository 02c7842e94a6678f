import type { Agent, EntrySettings } from '../../catalog/model.js';
import type { LaunchSpec } from '../../launch/types.js';

/**
 * A secret the agent asks the user for itself (`--secrets prompt`, VS Code `inputs`): the entry
 * references it as `${input:<id>}` where its spec holds the placeholder for `envVar`.
 */
export interface PromptInput {
  /** The input's id: stable per connection and field, letters, digits and `_` only. */
  id: string;
  /** The variable the spec's placeholder names (`SecretUse.envVar`). */
  envVar: string;
  /** Shown by the agent when it asks: names the connection and the field. */
  description: string;
}

/** One MCP server entry to write: a resolved (or reference-mode) launch spec plus the tools to deny. */
export interface RenderedEntry {
  /** The entry's key in the agent's file (the connection's `key`, else its name). */
  name: string;
  /** A `stdio` or `remote` spec; `http-api` specs must be turned into their `conn serve` bridge first. */
  spec: LaunchSpec;
  /** Tool names (as the server lists them) the agent should not be able to call. */
  deniedTools: string[];
  /**
   * The assignment narrowed the tools (`conn assign --tools`): the names the agent may call. Writers
   * whose agent has an allow list (Gemini `includeTools`, Codex `enabled_tools`) write this instead of
   * `deniedTools`, so a tool the server adds later stays hidden; the others deny `deniedTools`.
   */
  allowedTools?: string[];
  /**
   * `--secrets prompt`: the placeholders the agent asks the user for (only writers with `inputIds`
   * take them). A placeholder not listed here stays an env reference (an OAuth access token).
   */
  prompts?: PromptInput[];
  /** The entry's own settings (cwd, timeout, autoApprove, opencode oauth…): each writer writes those its agent has. */
  settings?: EntrySettings;
  /**
   * Reference mode: defaults of the user's own variables (`env:VAR:-default` → VAR → default), for
   * agents whose reference syntax takes one (Claude Code `${VAR:-default}`).
   */
  defaults?: Record<string, string>;
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
  /** Project file, relative to the repo root, with `/` separators (block writers: the folder of blocks). */
  file: string;
  /**
   * Agents that load one file per server (Continue's blocks): the file of the entry named `name`,
   * relative to the repo root, inside `file`. `merge` then gets one such file and its one entry.
   */
  blockFile?(name: string): string;
  /** Block writers: a block with nothing left in it but conn's header, which the render deletes. */
  isEmpty?(text: string): boolean;
  /** A file an older conn wrote this agent's entries into; a render moves conn's entries out of it. */
  legacyFile?: string;
  toolFilter: ToolFilter;
  /** JSON-file agents: the top-level key holding the server entries (`mcpServers`, `servers`, `mcp`…). */
  serversKey?: string;
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
   *
   * `staleInputs`: writers with `inputIds` only: the ids of the prompt inputs written by the previous
   * render; those no set entry prompts for any more are removed. The user's own inputs are never touched.
   */
  merge(existing: string | null, set: RenderedEntry[], remove: string[], staleDenyRules?: string[], staleInputs?: string[]): string;
  /**
   * Agents that can ask the user for a secret themselves (VS Code `inputs`): the ids of the prompt
   * inputs in `text`. Absent: the agent cannot, and entries must not carry `prompts`.
   */
  inputIds?(text: string): string[];
  /**
   * The deny rules this writer puts outside the entry for `entry` (`top-level`: keys of opencode's
   * `tools` map; `side-file`: Claude Code permission rules; otherwise none). The caller remembers them
   * so the next render can remove exactly these and nothing of the user's.
   */
  denyRules(entry: RenderedEntry): string[];
  /**
   * Whether the agent expands environment references in its project file. `false`: it expands none
   * (Kilo, Zed…), so `--secrets env` cannot work there and render refuses it (exit 2). Absent: it does.
   */
  expandsEnv?: boolean;
  /** A step the user must take before the agent reads the project file (trust, approval); printed by render. */
  trustNote?: string;
  /**
   * `user`: the agent has no project file; `file` is relative to the user's home directory and only
   * `conn render --scope user` writes it (see USER_LEVEL_AGENTS). Absent: a project file.
   */
  scope?: 'user';
  /** Writers whose format library loads on demand (YAML): resolve this before serverNames/merge. */
  load?(): Promise<void>;
}
