import type { Command } from 'commander';
import { requireConnection } from '../catalog/connections.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import { challengedScope } from '../oauth/challenge.js';
import type { DepsFactory } from './types.js';

export interface ConnectOptions {
  name: string;
  device: boolean;
  browser: boolean;
  /** The loopback redirect port; default: the one registered before, else derived from the name. */
  port?: number;
  timeoutMs: number;
  /** Scopes to ask for on top of the configured ones (a step-up's challenge). */
  scope?: string;
  /** No result output (a step-up inside another command). */
  quiet?: boolean;
}

export const DEFAULT_CONNECT_TIMEOUT_S = 300;

interface ConnectFlags {
  device?: boolean;
  scope?: string;
  browser?: boolean;
  port?: string;
  timeout?: string;
  json?: boolean;
}

export function parseConnect(name: string, flags: ConnectFlags): ConnectOptions {
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535) throw new UsageError(`--port must be a port number (1–65535), got ${flags.port}`);
  }
  const seconds = flags.timeout === undefined ? DEFAULT_CONNECT_TIMEOUT_S : Number(flags.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(`--timeout must be a number of seconds between 0 and 3600, got ${flags.timeout}`);
  }
  const scope = flags.scope?.trim();
  if (flags.scope !== undefined && (!scope || /[\u0000-\u001f"\\]/.test(scope))) {
    throw new UsageError(`--scope must be OAuth scopes separated by spaces, got ${JSON.stringify(flags.scope)}`);
  }
  return { name, device: Boolean(flags.device), browser: flags.browser !== false, port, timeoutMs: Math.round(seconds * 1000), ...(scope ? { scope } : {}) };
}

/** The JSON shape of `conn connect --json` (stable; never a token). */
export interface ConnectView {
  name: string;
  state: 'connected';
  flow: 'browser' | 'device' | 'client_credentials';
  authorizationServer: string;
  scope: string | null;
  expiresAt: string | null;
}

export async function run(opts: ConnectOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  const conn = requireConnection(catalog, opts.name);
  if (conn.kind !== 'remote') {
    throw new UsageError(`${opts.name} is a ${conn.kind} connection: conn connect signs in to remote MCP servers only`);
  }
  const registry = await deps.presets();
  const [{ presetFor }, { expandTemplate, templateValues }] = await Promise.all([import('../presets/effective.js'), import('../launch/build.js')]);
  const preset = presetFor(conn, registry);
  const remote = preset.remote!;
  if (remote.auth !== 'oauth' && conn.secrets.includes('token')) {
    throw new UsageError(`${opts.name} already sends a static token; OAuth would replace it`, `remove it first: conn edit ${opts.name} --unset token`);
  }
  const store = await deps.secrets();
  // The preset's OAuth client (Box: `{{client_id}}`, `{{client_secret}}`) expands like every other
  // template, with the connection's own secret fields (never the OAuth token this sign-in replaces).
  const own = await deps.credentials.resolve([{ ...conn, oauth: undefined }], 'check');
  const values = templateValues(conn, preset, own.values(conn.name));
  const serverUrl = expandTemplate(remote.url, values);
  if (!serverUrl) throw new UsageError(`${opts.name} has no url`, `conn edit ${opts.name} --set url=https://…`);
  const presetClient = withOwnClient(remote.oauth ? expandClient(opts.name, remote.oauth, values, expandTemplate) : {}, values);
  if (opts.scope) {
    // More scope (a server's insufficient_scope challenge): asked for with those granted so far, so
    // the new token can do all the old one could.
    const { readTokens } = await import('../oauth/storage.js');
    const granted = (await readTokens(store, opts.name).catch(() => undefined))?.scope ?? '';
    presetClient.scopes = [...new Set([...(presetClient.scopes ?? []), ...`${granted} ${opts.scope}`.split(/\s+/).filter(Boolean)])];
  }
  if (presetClient.grant === 'client_credentials' && !presetClient.clientId) {
    throw new UsageError(`${opts.name} uses grant=client_credentials but has no client_id`, `conn edit ${opts.name} --set client_id=…`);
  }
  if (presetClient.grant === 'client_credentials' && !presetClient.clientSecret && !presetClient.privateKey) {
    throw new UsageError(
      `${opts.name} uses grant=client_credentials but has neither client_secret nor private_key`,
      `conn edit ${opts.name} --secret-stdin client_secret < secret.txt`,
    );
  }

  const { runConnectFlow } = await import('../oauth/flow.js');
  const result = await runConnectFlow({
    name: opts.name,
    serverUrl,
    presetClient,
    store,
    device: opts.device,
    browser: opts.browser,
    port: opts.port,
    timeoutMs: opts.timeoutMs,
    say: (text) => deps.io.err(text),
    now: () => deps.clock().getTime(),
  });

  const { writeTokens } = await import('../oauth/storage.js');
  const expiresAt = result.tokens.expires_at !== undefined ? new Date(result.tokens.expires_at).toISOString() : undefined;
  // Under the catalog lock, like a refresh: a refresh running elsewhere cannot overwrite these tokens.
  await deps.catalog.update(async (c) => {
    const current = requireConnection(c, opts.name);
    await writeTokens(store, opts.name, result.tokens);
    current.oauth = { state: 'connected', ...(expiresAt ? { expiresAt } : {}) };
  });

  const { appendAudit } = await import('../audit/log.js');
  try {
    appendAudit(deps.home, { time: deps.clock().toISOString(), command: 'connect', connection: opts.name });
  } catch (err) {
    deps.io.warn(`cannot write the audit log: ${(err as Error).message}`);
  }

  const view: ConnectView = {
    name: opts.name,
    state: 'connected',
    flow: result.flow,
    authorizationServer: result.client.authorizationServerUrl,
    scope: result.tokens.scope ?? null,
    expiresAt: expiresAt ?? null,
  };
  if (opts.quiet) {
    deps.io.err(`Signed in to ${opts.name} again with scope ${view.scope ?? opts.scope ?? ''}`);
    return;
  }
  deps.io.result(view, (v) => `Connected ${v.name} (signed in at ${v.authorizationServer}; tokens in the ${store.describe})`);
}

/**
 * Step-up: a 403 insufficient_scope from the server → a new sign-in asking for the scopes granted so
 * far plus the challenged ones (the browser flow of conn connect).
 */
export async function stepUp(name: string, challenged: string, deps: Deps): Promise<void> {
  deps.io.err(`${name} asks for more OAuth scope (${challenged}): signing in again`);
  await run({ name, device: false, browser: true, timeoutMs: DEFAULT_CONNECT_TIMEOUT_S * 1000, scope: challenged, quiet: true }, deps);
}

type StepUpConnection = { name: string; kind: string; oauth?: { state?: string } };

/** A step-up is a new sign-in: only for a remote connection signed in with OAuth. */
export function canStepUp(conn: StepUpConnection): boolean {
  return conn.kind === 'remote' && conn.oauth?.state === 'connected';
}

/**
 * Runs `attempt` (a session with the connection, opened anew each time); on a 403 insufficient_scope
 * from a remote connection signed in with OAuth, signs in again asking for the challenged scope too
 * (stepUp), once, and runs it again. A second challenge is an error naming the scope.
 */
export async function withStepUp<T>(conn: StepUpConnection, deps: Deps, attempt: () => Promise<T>): Promise<T> {
  const { InsufficientScopeError } = await import('@modelcontextprotocol/client');
  const challenged = (err: unknown): string | undefined =>
    err instanceof InsufficientScopeError && canStepUp(conn) ? challengedScope(err.requiredScope ?? '') : undefined;
  try {
    return await attempt();
  } catch (err) {
    const scope = challenged(err);
    if (scope === undefined) throw err;
    if (!scope) throw new OperationError(`${conn.name} asks for more OAuth scope without naming it`, `conn connect ${conn.name}`);
    await stepUp(conn.name, scope, deps);
  }
  try {
    return await attempt();
  } catch (err) {
    const scope = challenged(err);
    if (scope === undefined) throw err;
    throw new OperationError(`${conn.name} still asks for OAuth scope ${scope || '(unnamed)'} after signing in again with it`, `conn connect ${conn.name}${scope ? ` --scope "${scope}"` : ''}`);
  }
}

type Expand = (template: string, values: Record<string, string>) => string | undefined;

function expandClient(
  name: string,
  client: { clientId?: string; clientSecret?: string; scopes?: string[] },
  values: Record<string, string>,
  expand: Expand,
): { clientId?: string; clientSecret?: string; scopes?: string[] } {
  const one = (template: string | undefined, what: string): string | undefined => {
    if (template === undefined) return undefined;
    const value = expand(template, values);
    if (value === undefined) {
      const fields = [...template.matchAll(/\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g)].map((m) => m[1]).join(', ');
      throw new UsageError(`${name} has no value for its OAuth ${what} (${fields})`, `conn edit ${name} --set ${fields.split(', ')[0]}=…`);
    }
    return value;
  };
  return { clientId: one(client.clientId, 'client id'), clientSecret: one(client.clientSecret, 'client secret'), ...(client.scopes ? { scopes: client.scopes } : {}) };
}

/**
 * The connection's own OAuth client fields (remote preset: client_id, client_secret, client_metadata_url,
 * grant, private_key, signing_alg, scope) win over the preset's client: a configured client id is the
 * pre-registered client; else the metadata document URL; else dynamic registration.
 */
function withOwnClient(preset: { clientId?: string; clientSecret?: string; scopes?: string[] }, values: Record<string, string>): PresetClient {
  const own = (key: string): string | undefined => (values[key]?.trim() ? values[key].trim() : undefined);
  const clientId = own('client_id') ?? preset.clientId;
  const scope = own('scope');
  const grant = own('grant');
  if (grant !== undefined && grant !== 'authorization_code' && grant !== 'client_credentials') {
    throw new UsageError(`grant must be authorization_code or client_credentials, got ${grant}`);
  }
  return {
    ...(clientId ? { clientId } : {}),
    ...((own('client_id') ? own('client_secret') : (own('client_secret') ?? preset.clientSecret)) ? { clientSecret: own('client_secret') ?? preset.clientSecret } : {}),
    ...(scope ? { scopes: scope.split(/\s+/) } : preset.scopes ? { scopes: preset.scopes } : {}),
    ...(own('client_metadata_url') ? { clientMetadataUrl: own('client_metadata_url') } : {}),
    ...(grant ? { grant } : {}),
    ...(own('private_key') ? { privateKey: own('private_key'), signingAlg: own('signing_alg') ?? 'RS256' } : {}),
  };
}

type PresetClient = import('../oauth/flow.js').PresetClient;

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('connect <name>')
    .description('Sign in to a remote MCP server with OAuth; tokens go to the keychain')
    .option('--device', 'use the device authorization grant: print a code and URL instead of a browser redirect (headless machines)')
    .option('--no-browser', 'do not open a browser; the sign-in URL is printed (always, on stderr) to open elsewhere')
    .option('--port <port>', 'loopback port for the sign-in redirect (default: derived from the connection name, stable across runs)')
    .option('--timeout <seconds>', `give up waiting for the sign-in after this long (default ${DEFAULT_CONNECT_TIMEOUT_S})`)
    .option('--scope <scopes>', 'ask for these OAuth scopes as well as those granted so far (space-separated; what a server\'s insufficient_scope error names)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ conn add remote --set url=https://mcp.linear.app/mcp    # named linear-app (from the host)
  $ conn connect linear-app                   # opens the browser; redirect to 127.0.0.1
  $ conn connect linear-app --no-browser      # print the URL only (open it on this machine)
  $ conn connect linear-app --device          # headless: enter a code on another device
  $ conn connect linear-app --port 51234 --timeout 600
  $ conn add remote --name ci-api --set url=https://mcp.example.com/mcp --set grant=client_credentials --set client_id=conn-ci --secret-stdin client_secret < secret.txt
  $ conn connect ci-api                       # machine-to-machine: no browser

The client identity (conn show NAME says which): client_id (pre-registered; client_secret in the
keychain) wins over client_metadata_url (a client ID metadata document, where the authorization server
supports them), which wins over dynamic registration. grant=client_credentials authenticates with
client_secret (basic or post, as the server advertises) or private_key (PEM, secret) with signing_alg
(private_key_jwt). scope adds scopes to what the server's challenge asks for; --scope adds some for
one sign-in, on top of those granted so far (conn call does that by itself on a 403 insufficient_scope;
conn serve answers the agent with an error naming the scope and this command).
Discovery (RFC 9728, RFC 8414; the 2025-03-26 default endpoints when a server publishes none), PKCE
S256 and the resource parameter follow the MCP authorization spec. Tokens and the client registration
are stored in the keychain, never in the config file; conn test, render and serve refresh the
access token when it expires within a minute (at most a quarter of its lifetime).`)
    .action(async (name: string, flags: ConnectFlags) => run(parseConnect(name, flags), await deps({ json: flags.json })));
}
