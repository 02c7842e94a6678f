// The one place a connection becomes runnable, as a pure function of values: no keychain, no
// network, no file. The values come from the credentials port (src/credentials/), or, for a render
// that writes references, from `referenceValues` below.
import { isAbsolute } from 'node:path';
import type { Connection, Permission } from '../catalog/model.js';
import { isHeaderValue } from '../catalog/fields.js';
import { OperationError } from '../errors.js';
import type { Preset } from '../presets/schema.js';
import { expandTemplate } from '../presets/template.js';
import { secretAccount, storedSecretFields } from '../secrets/store.js';
import { hasPlaceholder, secretEnvVar, secretPlaceholder, type LaunchSpec, type SecretUse, type StdioSpec } from './types.js';

export { expandTemplate } from '../presets/template.js';

/**
 * What a launch spec needs besides the connection and its preset: each secret field's value (or its
 * placeholder), and for a signed-in OAuth connection its access token (or placeholder).
 */
export interface LaunchValues {
  /** Secret field → value (resolved) or `secretPlaceholder(envVar)` (reference). */
  secrets: Record<string, string>;
  /** Bearer token of a connection signed in with `conn connect`. */
  oauthToken?: string;
}

/** The pseudo-field an OAuth access token is exported as in env mode (CONN_<NAME>_OAUTH_ACCESS_TOKEN). */
export const OAUTH_TOKEN_FIELD = 'oauth_access_token';

/** Whether this connection sends an OAuth bearer token (signed in with `conn connect`). */
export function usesOAuth(conn: Connection): boolean {
  return conn.kind === 'remote' && conn.oauth !== undefined;
}

export { storedSecretFields } from '../secrets/store.js';

/** Accounts of the secret store that hold this connection's stored secret fields. */
export function secretAccountsOf(conn: Connection): string[] {
  return storedSecretFields(conn).map((f) => secretAccount(conn.name, f));
}

/**
 * The variable a secret field is known by in env mode: CONN_<NAME>_<FIELD>, or, for a reference to the
 * user's own variable (`env:GITHUB_TOKEN`, an imported `${GITHUB_TOKEN}`), that variable: it stays so.
 */
export function secretVarOf(conn: Connection, field: string): string {
  return refVar(conn.secretRefs?.[field]) ?? secretEnvVar(conn.name, field);
}

/** `env:VAR` (with or without a default) → VAR; anything else → undefined. */
function refVar(ref: string | undefined): string | undefined {
  return ref ? /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-|$)/.exec(ref)?.[1] : undefined;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name.toLowerCase());
}

/** Placeholders for every secret (and the OAuth token): what a `--secrets env`/`prompt` render writes. */
export function referenceValues(conn: Connection): LaunchValues {
  const secrets = Object.fromEntries(conn.secrets.map((f) => [f, secretPlaceholder(secretVarOf(conn, f))]));
  return { secrets, ...(usesOAuth(conn) ? { oauthToken: secretPlaceholder(secretEnvVar(conn.name, OAUTH_TOKEN_FIELD)) } : {}) };
}

/** The variables `conn env` exports for a connection: CONN_<NAME>_<FIELD> → value, as an env-mode render references them. */
export function secretEnv(conn: Connection, values: LaunchValues): Record<string, string> {
  const env: Record<string, string> = {};
  for (const field of conn.secrets) if (values.secrets[field] !== undefined) env[secretVarOf(conn, field)] = values.secrets[field]!;
  if (usesOAuth(conn) && values.oauthToken !== undefined) env[secretEnvVar(conn.name, OAUTH_TOKEN_FIELD)] = values.oauthToken;
  return env;
}

/**
 * Connection + preset + permission + values → launch spec: preset templates expanded with the
 * connection's fields and secret values, and the permission level's switches applied.
 */
export function launchSpec(conn: Connection, preset: Preset, permission: Permission, given: LaunchValues): LaunchSpec {
  const uses: SecretUse[] = conn.secrets.map((field) => ({ field, envVar: secretVarOf(conn, field) }));
  const secrets: Record<string, string> = {};
  for (const field of conn.secrets) {
    const value = given.secrets[field];
    if (value === undefined) throw new OperationError(`secret ${field} of ${conn.name} has no value`, `set it with: conn edit ${conn.name} --secret ${field}`);
    secrets[field] = value;
  }
  const values: Record<string, string> = {};
  for (const field of preset.fields) if (field.default !== undefined) values[field.key] = field.default;
  Object.assign(values, conn.fields, secrets);
  const expand = (template: string) => expandTemplate(template, values);
  const mapping = preset.permissions?.[permission] ?? {};

  if (preset.id === 'custom' || conn.command) {
    const [command, ...args] = conn.command ?? [];
    if (!command) throw new OperationError(`connection ${conn.name} has no command`, `conn edit ${conn.name}`);
    const env = fieldEnv(conn);
    Object.assign(env, secrets);
    return { kind: 'stdio', name: conn.name, command, args, env, ...workDir(conn), secrets: uses, permission };
  }

  if (preset.kind === 'stdio') {
    const launch = preset.launch!;
    const command = expand(launch.command);
    if (!command) throw new OperationError(`connection ${conn.name}: preset ${preset.id} has no command`);
    const args = [...launch.args, ...(mapping.args ?? [])].map(expand).filter((a): a is string => a !== undefined);
    const env = expandMap({ ...launch.env, ...mapping.env }, expand);
    Object.assign(env, fieldEnv(conn));
    return { kind: 'stdio', name: conn.name, command, args, env, ...workDir(conn), secrets: uses, permission };
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
  // A value fetch cannot send (a line break from a reference, say) fails here, naming the header but never
  // quoting the value: fetch's own error quotes it, and it would land in config.json and on screen.
  // (Placeholders of a reference render carry NULs by design; their values are checked where resolved.)
  for (const [header, value] of Object.entries(headers)) {
    if (!hasPlaceholder(value) && !isHeaderValue(value)) {
      throw new OperationError(`connection ${conn.name}: the value for header ${header} contains a line break or control character (value not shown)`, `set it again: conn edit ${conn.name} --secret token`);
    }
  }
  // A remote connection signed in with `conn connect` (conn.oauth is set, whatever its preset's auth
  // says) sends its bearer token; the credentials port refreshed it before it got here.
  if (preset.kind === 'remote' && conn.oauth) {
    if (given.oauthToken === undefined) throw new OperationError(`${conn.name} needs an OAuth sign-in — run conn connect ${conn.name}`);
    uses.push({ field: OAUTH_TOKEN_FIELD, envVar: secretEnvVar(conn.name, OAUTH_TOKEN_FIELD) });
    headers.Authorization = `Bearer ${given.oauthToken}`;
  }
  if (preset.kind === 'http-api') {
    return { kind: 'http-api', name: conn.name, url, headers, secrets: uses, permission };
  }
  const lastSeen = conn.health.transport;
  const transport = conn.transport ?? remote.transport ?? (lastSeen === 'sse' ? 'sse' : 'auto');
  return { kind: 'remote', name: conn.name, url, headers, transport, secrets: uses, permission };
}

/** Where `conn serve` runs: this conn, its catalog and keychain (none of it secret). */
export interface ProxyPlace {
  /** The repo the agent works in (`conn serve --repo`). */
  root: string;
  agent: string;
  /** The node binary and conn's entry script. */
  node: string;
  entry: string;
  /** The caller's environment and conn home: only what differs from the defaults is passed on. */
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  /** `render --scope user`: the agent's one user-level file, read in every repo. */
  userScope?: boolean;
}

/** The launch spec of a connection served by `conn serve` (proxy mode, and every http-api connection). */
export function proxySpec(conn: Connection, permission: Permission, place: ProxyPlace): StdioSpec {
  return {
    kind: 'stdio',
    name: conn.name,
    command: place.node,
    // A user-level file serves every repo: it names the permission (all repos') instead of one repo.
    args: [place.entry, 'serve', conn.name, ...(place.userScope ? ['--permission', permission] : ['--repo', place.root, '--agent', place.agent])],
    // Agents may start servers with a minimal environment: name the catalog and keychain explicitly.
    env: connLocation(place.env, place.home),
    // The keychain (Secret Service) is on the session bus: serve needs the agent's bus address.
    ...(place.platform === 'linux' ? { passEnv: ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'] } : {}),
    secrets: [],
    permission,
  };
}

function connLocation(env: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const out: Record<string, string> = env.CONN_HOME ? { CONN_HOME: home } : {};
  for (const key of ['CONN_KEYCHAIN_SERVICE', 'CONN_SECRET_STORE'] as const) if (env[key]) out[key] = env[key]!;
  return out;
}

/**
 * The working directory a stdio connection names on purpose (its `cwd` setting), if conn can start a
 * server there itself: an absolute path (`--cwd` stores one). An imported relative one (`./server`) or
 * one holding an agent's variable (`${workspaceFolder}/tools`) means something only to that agent: it is
 * written back for it, and conn's own spawns keep to conn's own directory.
 */
function workDir(conn: Connection): { cwd?: string } {
  const cwd = conn.settings?.cwd;
  return cwd && isAbsolute(cwd) && !cwd.includes('${') ? { cwd } : {};
}

/** `env.X` fields of a connection: extra variables for its server. */
function fieldEnv(conn: Connection): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(conn.fields)) if (key.startsWith('env.')) env[key.slice(4)] = value;
  return env;
}

/** `Bearer ` is prefixed unless the token already carries a scheme (`Basic x`, `Sentry-Bearer x`). */
function withScheme(token: string): string {
  return /^[A-Za-z][A-Za-z0-9-]*\s+\S/.test(token) ? token : `Bearer ${token}`;
}

function expandMap(map: Record<string, string>, expand: (t: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(map)) {
    const value = expand(template);
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
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

/**
 * The values a preset's templates expand with for this connection: field defaults, the connection's
 * fields, and its secret values (from the credentials port). For templates outside the launch spec,
 * such as a preset's OAuth client (`remote.oauth`).
 */
export function templateValues(conn: Connection, preset: Preset, values: LaunchValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of preset.fields) if (field.default !== undefined) out[field.key] = field.default;
  Object.assign(out, conn.fields, values.secrets);
  return out;
}
