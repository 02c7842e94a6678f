import type { Connection, Permission } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import type { Preset } from '../presets/schema.js';
import { secretAccount, type SecretStore } from '../secrets/store.js';
import { resolveSecretRef } from '../secrets/refs.js';
import { secretEnvVar, secretPlaceholder, type LaunchSpec, type SecretUse } from './types.js';

export interface BuildOptions {
  permission: Permission;
  /** `resolve`: secret values read from the store (or their references); `reference`: placeholders. */
  secrets: 'resolve' | 'reference';
  store?: SecretStore;
  /** Already-read secret values by account, for bulk callers (render of many connections). */
  values?: Map<string, string | null>;
  env?: NodeJS.ProcessEnv;
}

/** Accounts whose values `buildLaunchSpec` will read for this connection (references excluded). */
export function secretAccountsOf(conn: Connection): string[] {
  return conn.secrets.filter((f) => !conn.secretRefs?.[f]).map((f) => secretAccount(conn.name, f));
}

/**
 * The one place a connection becomes runnable: preset templates expanded with the connection's
 * fields, secrets resolved (or referenced), and the permission level's switches applied.
 */
export async function buildLaunchSpec(conn: Connection, preset: Preset, opts: BuildOptions): Promise<LaunchSpec> {
  const secrets = await secretValues(conn, opts);
  const values: Record<string, string> = {};
  for (const field of preset.fields) if (field.default !== undefined) values[field.key] = field.default;
  Object.assign(values, conn.fields);
  for (const [field, value] of Object.entries(secrets.values)) values[field] = value;
  const expand = (template: string) => expandTemplate(template, values);
  const mapping = preset.permissions?.[opts.permission] ?? {};

  if (preset.id === 'custom' || conn.command) {
    const [command, ...args] = conn.command ?? [];
    if (!command) throw new OperationError(`connection ${conn.name} has no command`, `conn edit ${conn.name}`);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(conn.fields)) if (key.startsWith('env.')) env[key.slice(4)] = value;
    for (const [field, value] of Object.entries(secrets.values)) env[field] = value;
    return { kind: 'stdio', name: conn.name, command, args, env, secrets: secrets.uses, permission: opts.permission };
  }

  if (preset.kind === 'stdio') {
    const launch = preset.launch!;
    const command = expand(launch.command);
    if (!command) throw new OperationError(`connection ${conn.name}: preset ${preset.id} has no command`);
    const args = [...launch.args, ...(mapping.args ?? [])].map(expand).filter((a): a is string => a !== undefined);
    const env = expandMap({ ...launch.env, ...mapping.env }, expand);
    for (const [key, value] of Object.entries(conn.fields)) if (key.startsWith('env.')) env[key.slice(4)] = value;
    return { kind: 'stdio', name: conn.name, command, args, env, secrets: secrets.uses, permission: opts.permission };
  }

  const remote = preset.remote!;
  const url = withQuery(expand(mapping.url ?? remote.url), expandMap(mapping.query ?? {}, expand));
  if (!url) throw new OperationError(`connection ${conn.name} has no url`, `conn edit ${conn.name} --set url=https://…`);
  const headers = expandMap({ ...remote.headers, ...mapping.headers }, expand);
  // Headers the connection carries that hold no secret (an imported `X-MCP-Toolsets`); the preset's win.
  for (const [name, value] of Object.entries(conn.settings?.headers ?? {})) if (!hasHeader(headers, name)) headers[name] = value;
  const token = values.token;
  if (token) {
    if (preset.kind === 'http-api') {
      const auth = values.auth ?? 'none';
      if (auth === 'bearer') headers.Authorization = withScheme(token);
      else if (auth === 'api-key') headers[values.header || 'X-API-Key'] = token;
    } else if (remote.auth !== 'oauth') {
      const header = values.header || 'Authorization';
      const scheme = conn.settings?.authScheme;
      headers[header] = header.toLowerCase() === 'authorization' ? (scheme ? `${scheme} ${token}` : withScheme(token)) : token;
    }
  }
  // --- OAuth (src/oauth/): a remote connection signed in with `conn connect` (conn.oauth is set, whatever
  // its preset's auth says) sends the bearer token from the secret store, refreshed first when it expires
  // within 60 s (under the catalog lock); a disconnected one fails with "run conn connect NAME".
  // Reference mode: a placeholder for the pseudo-field oauth_access_token.
  if (preset.kind === 'remote' && conn.oauth) {
    if (opts.secrets === 'reference') {
      const envVar = secretEnvVar(conn.name, 'oauth_access_token');
      secrets.uses.push({ field: 'oauth_access_token', envVar });
      headers.Authorization = `Bearer ${secretPlaceholder(envVar)}`;
    } else {
      const { freshAccessToken } = await import('../oauth/token.js');
      headers.Authorization = `Bearer ${await freshAccessToken(conn, { store: opts.store, env: opts.env ?? process.env })}`;
    }
  }
  // --- end OAuth ---
  if (preset.kind === 'http-api') {
    return { kind: 'http-api', name: conn.name, url, headers, secrets: secrets.uses, permission: opts.permission };
  }
  const lastSeen = conn.health.transport;
  const transport = conn.transport ?? remote.transport ?? (lastSeen === 'sse' ? 'sse' : 'auto');
  return { kind: 'remote', name: conn.name, url, headers, transport, secrets: secrets.uses, permission: opts.permission };
}

/**
 * The variables `conn env` exports for a connection: CONN_<NAME>_<FIELD> → the resolved secret value,
 * exactly what a `--secrets env` render references.
 */
export async function resolveSecretEnv(conn: Connection, opts: Omit<BuildOptions, 'secrets' | 'permission'>): Promise<Record<string, string>> {
  const { values, uses } = await secretValues(conn, { ...opts, permission: 'full', secrets: 'resolve' });
  const env = Object.fromEntries(uses.map((u) => [u.envVar, values[u.field]!]));
  // An OAuth connection's env-mode entry references its access token (fresh, refreshed if need be).
  if (conn.kind === 'remote' && conn.oauth) {
    const { freshAccessToken } = await import('../oauth/token.js');
    env[secretEnvVar(conn.name, 'oauth_access_token')] = await freshAccessToken(conn, { store: opts.store, env: opts.env ?? process.env });
  }
  return env;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name.toLowerCase());
}

/** `env:VAR` (with or without a default) → VAR; anything else → undefined. */
function refVar(ref: string | undefined): string | undefined {
  return ref ? /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-|$)/.exec(ref)?.[1] : undefined;
}

/** `Bearer ` is prefixed unless the token already carries a scheme (`Basic x`, `Sentry-Bearer x`). */
function withScheme(token: string): string {
  return /^[A-Za-z][A-Za-z0-9-]*\s+\S/.test(token) ? token : `Bearer ${token}`;
}

/** `{{FIELD}}` → value; undefined when any referenced field has no value (the caller drops it). */
export function expandTemplate(template: string, values: Record<string, string>): string | undefined {
  let missing = false;
  const out = template.replace(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_m, key: string) => {
    const value = values[key];
    if (value === undefined || value === '') missing = true;
    return value ?? '';
  });
  return missing ? undefined : out;
}

function expandMap(map: Record<string, string>, expand: (t: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(map)) {
    const value = expand(template);
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

async function secretValues(conn: Connection, opts: BuildOptions): Promise<{ values: Record<string, string>; uses: SecretUse[] }> {
  const values: Record<string, string> = {};
  const uses: SecretUse[] = [];
  const accounts = secretAccountsOf(conn);
  let stored = opts.values;
  if (opts.secrets === 'resolve' && accounts.length > 0 && !stored) {
    if (!opts.store) throw new Error('buildLaunchSpec: a secret store is needed to resolve secrets');
    stored = await opts.store.getMany(accounts);
  }
  for (const field of conn.secrets) {
    // A reference to the user's own variable keeps its name in reference mode (`${GITHUB_TOKEN}` stays so).
    const envVar = refVar(conn.secretRefs?.[field]) ?? secretEnvVar(conn.name, field);
    uses.push({ field, envVar });
    if (opts.secrets === 'reference') {
      values[field] = secretPlaceholder(envVar);
      continue;
    }
    const ref = conn.secretRefs?.[field];
    if (ref) {
      values[field] = await resolveSecretRef(ref, { env: opts.env ?? process.env, what: `${conn.name}/${field}` });
      continue;
    }
    const value = stored?.get(secretAccount(conn.name, field));
    if (value === null || value === undefined) {
      throw new OperationError(
        `secret ${field} of ${conn.name} is missing from the ${opts.store?.describe ?? 'secret store'}`,
        `set it with: conn edit ${conn.name} --secret ${field}`,
      );
    }
    values[field] = value;
  }
  return { values, uses };
}

/** The URL with these query parameters set (others kept); the URL as it is when it does not parse. */
function withQuery(url: string | undefined, query: Record<string, string>): string | undefined {
  if (!url || Object.keys(query).length === 0) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  for (const [key, value] of Object.entries(query)) parsed.searchParams.set(key, value);
  return parsed.href;
}
