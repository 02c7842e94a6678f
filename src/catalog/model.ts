import { z } from 'zod';

import { AGENTS, CATALOG_VERSION, KINDS, NAME_PATTERN, PERMISSIONS } from './constants.js';

export * from './constants.js';

export const ToolClassSchema = z.enum(['read', 'write', 'destructive']);
export type ToolClass = z.infer<typeof ToolClassSchema>;

export const ToolSchema = z.object({
  name: z.string(),
  title: z.string().optional(),
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
  latencyMs: z.number().optional(),
  tools: z.array(ToolSchema).optional(),
});
export type Health = z.infer<typeof HealthSchema>;

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
  createdAt: z.string(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

export const CatalogSchema = z.object({
  version: z.literal(CATALOG_VERSION),
  connections: z.record(z.string(), ConnectionSchema),
  assignments: z.array(AssignmentSchema),
});
export type Catalog = z.infer<typeof CatalogSchema>;
