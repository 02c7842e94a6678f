import { z } from 'zod';
import { KINDS, ToolClassSchema } from '../catalog/model.js';
import { templateFields } from './template.js';

/**
 * The single source of the preset format. `presets/schema.json` is the same contract as JSON Schema
 * for editors; a test keeps the two in step by validating every built-in preset with both.
 *
 * Templates: any string in `launch`, `remote` and `permissions` may contain `{{FIELD}}`, replaced by
 * the field's value. An arg whose template names a field with no value is dropped; so is an env var
 * or header whose value would be empty.
 */
export const FieldSchema = z
  .object({
    key: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field keys are identifiers (letters, digits, _)'),
    label: z.string().min(1),
    secret: z.boolean().default(false),
    required: z.boolean().default(false),
    default: z.string().optional(),
    /** Regular expression the value should match (a warning, or an error with --strict). */
    pattern: z.string().optional(),
    /** Allowed values, for choice fields such as http-api `auth`. */
    choices: z.array(z.string()).optional(),
    /** What the value looks like: "starts with ntn_". */
    hint: z.string().optional(),
    help: z.string().optional(),
    /** A filesystem path: a relative value is resolved against the directory `conn add`/`edit` runs in. */
    path: z.boolean().optional(),
  })
  .strict();
export type Field = z.infer<typeof FieldSchema>;

const StringMap = z.record(z.string(), z.string());

export const PermissionMappingSchema = z
  .object({
    /** Extra args appended to the launch args. */
    args: z.array(z.string()).optional(),
    env: StringMap.optional(),
    headers: StringMap.optional(),
    /** Replaces the remote URL (e.g. Linear's `/mcp/readonly`). */
    url: z.string().optional(),
    /** Query parameters set on the remote URL, keeping the others (e.g. Supabase's `read_only=true` next to `project_ref`). */
    query: StringMap.optional(),
  })
  .strict();
export type PermissionMapping = z.infer<typeof PermissionMappingSchema>;

export const PresetSchema = z
  .object({
    $schema: z.string().optional(),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    name: z.string().min(1),
    category: z.string().min(1),
    description: z.string().min(1),
    kind: z.enum(KINDS),
    launch: z
      .object({
        command: z.string().min(1),
        args: z.array(z.string()).default([]),
        env: StringMap.default({}),
      })
      .strict()
      .optional(),
    remote: z
      .object({
        url: z.string().min(1),
        transport: z.enum(['http', 'sse']).optional(),
        headers: StringMap.default({}),
        auth: z.enum(['none', 'header', 'oauth']).default('none'),
        oauth: z
          .object({
            clientId: z.string().optional(),
            clientSecret: z.string().optional(),
            scopes: z.array(z.string()).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    /**
     * The vendor-hosted MCP endpoint of a service whose preset launches a local server: `conn add remote
     * --set url=...` matching it takes this preset's name, description, auth and permission switches.
     */
    endpoint: z
      .object({
        url: z.string().url(),
        auth: z.enum(['none', 'header', 'oauth']),
        /** Header the token goes in when auth is `header` (default Authorization, `Bearer ` prefixed). */
        header: z.string().optional(),
        permissions: z
          .object({ read: PermissionMappingSchema.optional(), readwrite: PermissionMappingSchema.optional(), full: PermissionMappingSchema.optional() })
          .strict()
          .optional(),
        oauth: z.object({ clientId: z.string().optional(), clientSecret: z.string().optional(), scopes: z.array(z.string()).optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    fields: z.array(FieldSchema).default([]),
    permissions: z
      .object({
        read: PermissionMappingSchema.optional(),
        readwrite: PermissionMappingSchema.optional(),
        full: PermissionMappingSchema.optional(),
      })
      .strict()
      .optional(),
    /** Tool classes known for this server; overrides the server's own annotations. */
    tools: z.record(z.string(), ToolClassSchema).optional(),
    docs: z.string().url().optional(),
    /** Notes shown by `conn presets show` (e.g. "OAuth only: use conn connect"). */
    notes: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((preset, ctx) => {
    if (preset.kind === 'stdio' && !preset.launch) {
      ctx.addIssue({ code: 'custom', path: ['launch'], message: 'a stdio preset needs launch' });
    }
    if (preset.kind !== 'stdio' && !preset.remote) {
      ctx.addIssue({ code: 'custom', path: ['remote'], message: `a ${preset.kind} preset needs remote` });
    }
    const keys = new Set(preset.fields.map((f) => f.key));
    const templates = JSON.stringify([preset.launch, preset.remote, preset.permissions]);
    for (const field of templateFields(templates)) {
      if (!keys.has(field)) {
        ctx.addIssue({ code: 'custom', path: ['fields'], message: `template references unknown field {{${field}}}` });
      }
    }
  });
export type Preset = z.infer<typeof PresetSchema>;
export type PresetInput = z.input<typeof PresetSchema>;
