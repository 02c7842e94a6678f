import { z } from 'zod';

import { AGENTS, CATALOG_VERSION, emptyCatalog as emptyShape, KINDS, NAME_PATTERN, PERMISSIONS } from './constants.js';

export * from './constants.js';

export const ToolClassSchema = z.enum(['read', 'write', 'destructive']);
export type ToolClass = z.infer<typeof ToolClassSchema>;

export const ToolSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  /** As the server sent them: what an agent receives, so what its tool budget counts. */
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z
    .object({
      readOnlyHint: z.boolean().optional(),
      destructiveHint: z.boolean().optional(),
      idempotentHint: z.boolean().optional(),
      openWorldHint: z.boolean().optional(),
    })
    .partial()
    .optional(),
  /** sha256 of description + input schema: how tool drift is noticed. */
  hash: z.string().optional(),
});
export type Tool = z.infer<typeof ToolSchema>;

export const HealthSchema = z.object({
  status: z.enum(['healthy', 'error', 'unknown']),
  checkedAt: z.string().optional(),
  error: z.string().optional(),
  stderr: z.array(z.string()).optional(),
  transport: z.enum(['stdio', 'http', 'sse']).optional(),
  server: z.object({ name: z.string(), version: z.string().optional() }).optional(),
  protocolVersion: z.string().optional(),
  /** The server's declared capabilities and instructions: how `conn serve` answers before starting it (lazy start). */
  capabilities: z.record(z.string(), z.unknown()).optional(),
  instructions: z.string().optional(),
  /** `conn serve` started lazily found the live tools differ from `tools` (cleared by the next conn test). */
  drift: z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()), seenAt: z.string() }).optional(),
  /** `modern`: 2026-07-28+ (server/discover); `legacy`: the 2025 initialize handshake. */
  era: z.enum(['modern', 'legacy']).optional(),
  /** The tool list's freshness as the server gave it (2026-07-28+). */
  ttlMs: z.number().optional(),
  cacheScope: z.string().optional(),
  latencyMs: z.number().optional(),
  tools: z.array(ToolSchema).optional(),
});
export type Health = z.infer<typeof HealthSchema>;

/**
 * Settings of the agent's own server entry that are not part of the launch (kept from an imported
 * entry, or set with `conn edit`), written back by each agent that has the setting.
 */
export const EntrySettingsSchema = z.object({
  /** Working directory of a stdio server (Gemini, Codex, Roo, Kiro `cwd`). */
  cwd: z.string().optional(),
  /** A dotenv file the agent loads into the server's environment (VS Code, Cursor `envFile`). */
  envFile: z.string().optional(),
  /** Request timeout in milliseconds (Gemini, opencode `timeout`; Codex `tool_timeout_sec`). */
  timeout: z.number().int().positive().optional(),
  /** Tools the agent runs without asking (Kiro, Amazon Q `autoApprove`, Roo `alwaysAllow`). */
  autoApprove: z.array(z.string()).optional(),
  /** Tools the user turned off (Kiro `disabledTools`, Codex `disabled_tools`, Gemini `excludeTools`): denied on every agent. */
  disabledTools: z.array(z.string()).optional(),
  /** Remote headers that carry no secret (`X-MCP-Toolsets`), sent as they are. */
  headers: z.record(z.string(), z.string()).optional(),
  /** opencode's `oauth` of a remote entry (`false`, or its client settings), written back for opencode. */
  oauth: z.union([z.literal(false), z.record(z.string(), z.unknown())]).optional(),
  /**
   * The Authorization scheme of a remote token stored without it (an imported `Basic ...`): written
   * before the token, also in reference mode, where conn cannot look at the value.
   */
  authScheme: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/).optional(),
  /** Secret field -> the VS Code input id it was imported from (`${input:github_token}`): `--secrets prompt` keeps that id. */
  inputs: z.record(z.string(), z.string()).optional(),
  /**
   * The entry was switched off in the agent's own file (Kiro/Roo/Crush `disabled: true`, opencode and
   * Goose `enabled: false`, Codex `enabled = false`): written back switched off by the agents that have
   * such a switch, left out (with a warning) by the others. Not `conn disable`, which renders the
   * connection for no agent and makes `conn serve` refuse it.
   */
  disabled: z.literal(true).optional(),
});
export type EntrySettings = z.infer<typeof EntrySettingsSchema>;

/** An entry key as agents take it: 1–100 characters, no control characters. */
export const ENTRY_KEY = /^[^\u0000-\u001f\u007f]{1,100}$/;

export const ConnectionSchema = z.object({
  name: z.string().regex(NAME_PATTERN),
  preset: z.string(),
  kind: z.enum(KINDS),
  enabled: z.boolean(),
  /** Non-secret field values only. Secret values live in the secret store. */
  fields: z.record(z.string(), z.string()),
  /** Names of secret fields that have a value in the secret store (or a reference, see secrets/). */
  secrets: z.array(z.string()),
  /** Secret fields that hold a reference (env:VAR, file:/p, op://, vault:) instead of a stored value. */
  secretRefs: z.record(z.string(), z.string()).optional(),
  /** `remote` connections whose URL matched a preset's vendor endpoint: that preset's id. */
  matchedPreset: z.string().optional(),
  /** `custom` connections: the command and its args as given after `--`. */
  command: z.array(z.string()).optional(),
  /** The entry's key in agents' files when it is not the connection name (an imported `github`, `XcodeBuildMCP`). */
  key: z.string().regex(ENTRY_KEY).optional(),
  /** A remote connection's declared transport (an imported `"type": "sse"`); absent: Streamable HTTP first. */
  transport: z.enum(['http', 'sse']).optional(),
  settings: EntrySettingsSchema.optional(),
  /** Added from the MCP Registry (src/registry/): where it came from, and the user's consent to run it. */
  registry: z
    .object({
      name: z.string(),
      version: z.string(),
      /** The registry URL or local server.json path it was read from. */
      source: z.string(),
      /** Which package or remote was chosen, e.g. `npm @scope/pkg` or `remote streamable-http`. */
      choice: z.string().optional(),
      /** Non-secret values given at add time (--set), so `conn update` can rebuild the command. */
      inputs: z.record(z.string(), z.string()).optional(),
      /** sha256 of the command or URL the user agreed to run (SEP-1024); absent = not yet agreed. */
      consent: z.string().optional(),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  health: HealthSchema,
  /** OAuth state for remote connections (tokens themselves are in the secret store). */
  oauth: z
    .object({
      state: z.enum(['connected', 'disconnected']),
      reason: z.string().optional(),
      expiresAt: z.string().optional(),
    })
    .optional(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

export const AssignmentSchema = z.object({
  id: z.string(),
  connection: z.string(),
  /** Repo matchers: absolute paths or `host/owner/name` remotes, `*` globs allowed. Empty = all repos. */
  repos: z.array(z.string()),
  /** Agent types. Empty = all agents. */
  agents: z.array(z.enum(AGENTS)),
  permission: z.enum(PERMISSIONS),
  /** Globs over tool names: the agent gets only matching tools (within the permission). Absent = all. */
  tools: z.array(z.string()).optional(),
  /** Globs over tool names the agent never gets. */
  denyTools: z.array(z.string()).optional(),
  createdAt: z.string(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

export const CatalogSchema = z.object({
  version: z.literal(CATALOG_VERSION),
  connections: z.record(z.string(), ConnectionSchema),
  assignments: z.array(AssignmentSchema),
});
export type Catalog = z.infer<typeof CatalogSchema>;

/** The catalog before anything was added (what a missing or empty file reads as). */
export function emptyCatalog(): Catalog {
  return emptyShape();
}
