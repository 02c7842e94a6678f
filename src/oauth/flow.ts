// `conn connect`'s engine: the MCP authorization flow for one remote connection. The browser flow runs
// the SDK's own `auth()` on an OAuthClientProvider of conn's (SignInProvider: the keychain for the
// client registration, conn's loopback listener and browser for the redirect), so the SDK does client
// selection (a pre-registered client, a client ID metadata document, else dynamic registration), the
// issuer binding of stored registrations (SEP-2352), PKCE and the code exchange. conn's discovery runs
// first and is handed to the SDK as its discovery state: it adds the 2025-03-26 rules (default endpoints,
// a same-origin issuer) and the scope choice. The RFC 8628 device grant, which the SDK does not
// implement, stays conn's. Loads the SDK: import lazily.
import { randomBytes } from 'node:crypto';
import {
  auth,
  discoverOAuthProtectedResourceMetadata,
  discoverOAuthServerInfo,
  IssuerMismatchError,
  extractWWWAuthenticateParams,
  registerClient,
  selectResourceURL,
  type OAuthClientProvider,
  type AuthorizationServerMetadata,
  type OAuthClientInformationFull,
  type OAuthClientInformationMixed,
  type OAuthClientMetadata,
  type OAuthDiscoveryState,
  type OAuthProtectedResourceMetadata,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import { OperationError, UsageError } from '../errors.js';
import { CONN_VERSION } from '../version.js';
import type { SecretStore } from '../secrets/store.js';
import { openBrowser } from './browser.js';
import { DEVICE_GRANT, deviceAuthorization, deviceEndpoint, requireDeviceEndpoint } from './device.js';
import { errorText, timedFetch } from './http.js';
import { listenForCallback } from './loopback.js';
import { loopbackPort, portOfRedirect, redirectUriFor } from './port.js';
import { readClient, toClientInformation, toStoredTokens, writeClient, type StoredClient, type StoredTokens } from './storage.js';

export interface ConnectFlowOptions {
  name: string;
  /** The MCP endpoint (the protected resource). */
  serverUrl: string;
  /** The pre-registered client (the connection's own fields, else the preset's), if any. */
  presetClient?: PresetClient;
  store: SecretStore;
  device: boolean;
  browser: boolean;
  port?: number;
  timeoutMs: number;
  /** Progress and instructions for the user (stderr). */
  say(text: string): void;
  now(): number;
}

export interface PresetClient {
  clientId?: string;
  clientSecret?: string;
  scopes?: string[];
  /** CIMD: used as the client id where the authorization server supports client ID metadata documents. */
  clientMetadataUrl?: string;
  grant?: 'authorization_code' | 'client_credentials';
  /** PEM, for private_key_jwt with the client_credentials grant. */
  privateKey?: string;
  signingAlg?: string;
}

export interface ConnectFlowResult {
  tokens: StoredTokens;
  client: StoredClient;
  flow: 'browser' | 'device' | 'client_credentials';
}

const HTTP_TIMEOUT_MS = 15_000;

export async function runConnectFlow(opts: ConnectFlowOptions): Promise<ConnectFlowResult> {
  const fetchFn = timedFetch(HTTP_TIMEOUT_MS);
  const server = await discover(opts, fetchFn);
  if (opts.presetClient?.grant === 'client_credentials') {
    const { clientCredentials } = await import('./machine.js');
    const result = await clientCredentials(opts.name, opts.serverUrl, server, opts.presetClient, opts.now());
    // Kept with the tokens: an expired token is fetched again with these credentials (token.ts).
    await writeClient(opts.store, opts.name, result.client);
    return result;
  }
  requireGrant(opts.name, server, opts.device ? DEVICE_GRANT : 'authorization_code', opts.device ? 'the device authorization grant' : 'the authorization_code grant (a browser sign-in)');
  if (opts.device) requireDeviceEndpoint(server.metadata, opts.name); // before any client is registered
  const stored = await readClient(opts.store, opts.name).catch(() => undefined);
  const port = opts.port ?? (stored && sameServer(stored, server.authorizationServerUrl) ? portOfRedirect(stored.redirect_uris[0]) : undefined) ?? loopbackPort(opts.name);
  const redirectUri = redirectUriFor(port);
  if (opts.device) {
    const client = await ensureClient(opts, server, stored, redirectUri, fetchFn);
    const tokens = await deviceAuthorization({
      name: opts.name,
      metadata: server.metadata,
      client,
      scope: server.scope,
      resource: server.resource,
      timeoutMs: opts.timeoutMs,
      say: opts.say,
      fetchFn,
    });
    return { tokens: toStoredTokens(tokens, opts.now()), client, flow: 'device' };
  }

  return browserFlow(opts, server, stored, port, redirectUri, fetchFn);
}

/** Before a flow: an authorization server that lists its grants must list this one (RFC 8414 grant_types_supported). */
function requireGrant(name: string, server: ServerInfo, grant: string, what: string): void {
  const supported = server.metadata.grant_types_supported;
  if (!supported || supported.includes(grant)) return;
  throw new OperationError(
    `the authorization server of ${name} (${server.authorizationServerUrl}) does not support ${what}: it lists ${supported.join(', ')}`,
    supported.includes('client_credentials') ? `for machine credentials: conn edit ${name} --set grant=client_credentials --set client_id=…` : undefined,
  );
}

/**
 * The authorization code flow with PKCE, driven by the SDK's `auth()`: its first leg picks or registers
 * the client and sends the user to the authorization URL; the second, with the code conn's listener
 * received, checks the issuer (RFC 9207, and that the same authorization server answers) and exchanges it.
 */
async function browserFlow(
  opts: ConnectFlowOptions,
  server: ServerInfo,
  stored: StoredClient | undefined,
  port: number,
  redirectUri: string,
  fetchFn: typeof fetch,
): Promise<ConnectFlowResult> {
  const provider = new SignInProvider(opts, server, stored, redirectUri);
  if (!provider.hasClient() && !usesMetadataDocument(opts, server) && !server.metadata.registration_endpoint) throw noRegistration(opts, server);
  // Listen before the URL is shown: the redirect can never arrive before conn is ready for it.
  const listener = await listenForCallback({
    name: opts.name,
    port,
    state: provider.stateValue,
    timeoutMs: opts.timeoutMs,
    ...(server.metadata.issuer ? { issuer: server.metadata.issuer } : {}),
    requireIss: (server.metadata as Record<string, unknown>).authorization_response_iss_parameter_supported === true,
  });
  try {
    const serverUrl = new URL(opts.serverUrl);
    const scope = server.scope;
    const first = await auth(provider, { serverUrl, ...(scope ? { scope } : {}), fetchFn }).catch((err: unknown) => {
      throw provider.registering
        ? new OperationError(`client registration with ${server.authorizationServerUrl} failed: ${message(err)}`)
        : new OperationError(`cannot start the sign-in for ${opts.name}: ${message(err)}`);
    });
    if (first !== 'REDIRECT') throw new OperationError(`cannot start the sign-in for ${opts.name}: the SDK did not ask for a browser sign-in`);
    const code = await listener.code;
    const iss = listener.iss();
    await auth(provider, { serverUrl, authorizationCode: code, ...(iss ? { iss } : {}), ...(scope ? { scope } : {}), fetchFn }).catch((err: unknown) => {
      throw new OperationError(`the authorization server refused the code exchange for ${opts.name}: ${message(err)} — run conn connect ${opts.name} again`);
    });
    if (!provider.tokens_ || !provider.client) throw new OperationError(`the sign-in for ${opts.name} ended without tokens — run conn connect ${opts.name} again`);
    return { tokens: toStoredTokens(provider.tokens_, opts.now()), client: provider.client, flow: 'browser' };
  } finally {
    await listener.close();
  }
}

/** What every stored client carries: the authorization server as discovered at this sign-in. */
function clientBase(server: ServerInfo): Pick<StoredClient, 'authorizationServerUrl' | 'metadata' | 'resource' | 'scope'> {
  return {
    authorizationServerUrl: server.authorizationServerUrl,
    metadata: server.metadata as Record<string, unknown>,
    ...(server.resource ? { resource: server.resource } : {}),
    ...(server.scope ? { scope: server.scope } : {}),
  };
}

/** The connection names a client ID metadata document, and the authorization server takes them. */
function usesMetadataDocument(opts: ConnectFlowOptions, server: ServerInfo): boolean {
  return Boolean(opts.presetClient?.clientMetadataUrl) && server.metadata.client_id_metadata_document_supported === true;
}

/**
 * conn's stored registration, if it is its own (dynamic), for this authorization server and redirect
 * URI, not expired, and (for the device grant) registered for that grant.
 */
function reusableClient(stored: StoredClient | undefined, server: ServerInfo, redirectUri: string, now: number, device = false): StoredClient | undefined {
  if (!stored?.dynamic || !sameServer(stored, server.authorizationServerUrl) || !stored.redirect_uris.includes(redirectUri)) return undefined;
  if (device && !stored.grant_types?.includes(DEVICE_GRANT)) return undefined;
  if (stored.client_secret_expires_at && stored.client_secret_expires_at * 1000 < now) return undefined;
  return stored;
}

function noRegistration(opts: ConnectFlowOptions, server: ServerInfo): OperationError {
  return new OperationError(
    `the authorization server of ${opts.name} (${server.authorizationServerUrl}) does not offer dynamic client registration, and the preset names no client id`,
    'register an OAuth client with the provider and put its id in a user preset (remote.oauth.clientId)',
  );
}

/**
 * conn's side of the SDK's OAuthClientProvider for one sign-in: the client comes from the connection's
 * own fields or the preset (pre-registered), else the registration conn stored for this authorization
 * server (same redirect URI, not expired), else the SDK registers one (or uses the client ID metadata
 * document); whatever the SDK settles on is stored in the keychain at once. Tokens are handed back to
 * the caller, which stores them under the catalog lock.
 */
class SignInProvider implements OAuthClientProvider {
  readonly stateValue = randomBytes(24).toString('base64url');
  client?: StoredClient;
  tokens_?: OAuthTokens;
  /** The SDK is registering a client (no client information given): its errors are registration errors. */
  registering = false;
  private verifier?: string;
  private discovery: OAuthDiscoveryState;

  constructor(
    private readonly opts: ConnectFlowOptions,
    private readonly server: ServerInfo,
    private readonly stored: StoredClient | undefined,
    readonly redirectUrl: string,
  ) {
    this.discovery = {
      authorizationServerUrl: server.authorizationServerUrl,
      authorizationServerMetadata: server.metadata,
      ...(server.resourceMetadata ? { resourceMetadata: server.resourceMetadata } : {}),
    };
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'conn',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token', ...(deviceEndpoint(this.server.metadata) !== undefined ? [DEVICE_GRANT] : [])],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      ...(this.server.scope ? { scope: this.server.scope } : {}),
    };
  }

  get clientMetadataUrl(): string | undefined {
    return this.opts.presetClient?.clientMetadataUrl;
  }

  state(): string {
    return this.stateValue;
  }

  /** A client conn already has: pre-registered (connection or preset), or its own reusable registration. */
  hasClient(): boolean {
    return Boolean(this.opts.presetClient?.clientId) || this.reusable() !== undefined;
  }

  private get cimd(): boolean {
    return usesMetadataDocument(this.opts, this.server);
  }

  private reusable(): StoredClient | undefined {
    return reusableClient(this.stored, this.server, this.redirectUrl, this.opts.now());
  }

  /** The issuer a client is bound to (the SDK's own rule: the metadata's issuer, else the server URL). */
  private get issuer(): string {
    return this.server.metadata.issuer ?? this.server.authorizationServerUrl;
  }

  private get base() {
    return clientBase(this.server);
  }

  private info(client: StoredClient): OAuthClientInformationMixed {
    return { ...toClientInformation(client), issuer: client.issuer ?? this.issuer } as OAuthClientInformationMixed;
  }

  /**
   * The client, by conn's precedence: the connection's or preset's client id, else (unless a client ID
   * metadata document is to be used) conn's own stored registration; none, and the SDK uses the
   * document or registers. The one chosen is stored at once with the server as discovered now. A
   * stored registration bound to another issuer is dropped by the SDK, which then registers anew.
   */
  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    if (this.client) return this.info(this.client);
    const preset = this.opts.presetClient;
    let chosen: StoredClient | undefined;
    if (preset?.clientId) {
      chosen = { client_id: preset.clientId, ...(preset.clientSecret ? { client_secret: preset.clientSecret } : {}), redirect_uris: [this.redirectUrl], dynamic: false, ...this.base, issuer: this.issuer };
    } else if (!this.cimd) {
      const reuse = this.reusable();
      if (reuse) chosen = { ...reuse, ...this.base, issuer: reuse.issuer ?? this.issuer };
    }
    if (!chosen) {
      this.registering = !this.cimd;
      return undefined;
    }
    this.client = chosen;
    await writeClient(this.opts.store, this.opts.name, chosen);
    return this.info(chosen);
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    this.registering = false;
    const full = info as OAuthClientInformationFull & { issuer?: string };
    const preset = this.opts.presetClient;
    const dynamic = full.client_id !== preset?.clientId && full.client_id !== preset?.clientMetadataUrl;
    this.client = {
      client_id: full.client_id,
      ...(full.client_secret ? { client_secret: full.client_secret } : {}),
      ...(full.client_secret_expires_at ? { client_secret_expires_at: full.client_secret_expires_at } : {}),
      ...(full.token_endpoint_auth_method ? { token_endpoint_auth_method: full.token_endpoint_auth_method } : {}),
      redirect_uris: full.redirect_uris?.length ? full.redirect_uris.map(String) : [this.redirectUrl],
      ...(dynamic ? { grant_types: full.grant_types ?? this.clientMetadata.grant_types } : {}),
      dynamic,
      ...this.base,
      issuer: full.issuer ?? this.issuer,
    };
    // At once: an abandoned sign-in does not register another client next time.
    await writeClient(this.opts.store, this.opts.name, this.client);
  }

  tokens(): undefined {
    return undefined; // a sign-in: never a refresh of what was there
  }

  saveTokens(tokens: OAuthTokens): void {
    this.tokens_ = tokens;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.opts.say(`Sign in to ${this.opts.name} in a browser; open this URL if none opens:\n  ${authorizationUrl.href}`);
    if (this.opts.browser && !(await openBrowser(authorizationUrl.href))) this.opts.say('(could not start a browser: open the URL above yourself)');
    this.opts.say(`Waiting for the sign-in (up to ${Math.round(this.opts.timeoutMs / 1000)} s)…`);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no PKCE code verifier: the sign-in was not started');
    return this.verifier;
  }

  discoveryState(): OAuthDiscoveryState {
    return this.discovery;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
}

// ---------------------------------------------------------------------------------------------

export interface ServerInfo {
  authorizationServerUrl: string;
  metadata: AuthorizationServerMetadata;
  resource?: string;
  scope?: string;
  /** RFC 9728 protected-resource metadata, where the server publishes it. */
  resourceMetadata?: OAuthProtectedResourceMetadata;
}

/** RFC 9728 protected-resource metadata (hinted by the server's 401) → RFC 8414 authorization server metadata. */
async function discover(opts: ConnectFlowOptions, fetchFn: typeof fetch): Promise<ServerInfo> {
  let url: URL;
  try {
    url = new URL(opts.serverUrl);
  } catch {
    throw new UsageError(`${opts.name} has an invalid url: ${opts.serverUrl}`, `conn edit ${opts.name} --set url=https://…`);
  }
  const hint = await unauthenticatedHint(url, fetchFn);
  let info: Awaited<ReturnType<typeof discoverOAuthServerInfo>>;
  try {
    try {
      info = await discoverOAuthServerInfo(url, { resourceMetadataUrl: hint.resourceMetadataUrl, fetchFn });
    } catch (err) {
      // The 2025-03-26 rule: with no protected-resource metadata, the server's origin is its own
      // authorization server, and its metadata's issuer may name another path of that origin. Only
      // then (same origin, no resource metadata) is the RFC 8414 issuer echo not required.
      if (!(err instanceof IssuerMismatchError) || err.kind !== 'metadata' || !sameOrigin(err.received, url)) throw err;
      if (await discoverOAuthProtectedResourceMetadata(url, { resourceMetadataUrl: hint.resourceMetadataUrl }, fetchFn).then(() => true, () => false)) throw err;
      info = await discoverOAuthServerInfo(url, { resourceMetadataUrl: hint.resourceMetadataUrl, fetchFn, skipIssuerMetadataValidation: true });
    }
  } catch (err) {
    throw new OperationError(`OAuth discovery for ${opts.name} (${url.origin}) failed: ${message(err)}`);
  }
  if (!info.authorizationServerMetadata && hint.unauthorized && !info.resourceMetadata) {
    // The 2025-03-26 rule: a server that asks for OAuth but publishes no metadata has its endpoints at
    // default paths of its origin.
    info = { ...info, authorizationServerUrl: url.origin, authorizationServerMetadata: legacyDefaultMetadata(url.origin) };
  }
  if (!info.authorizationServerMetadata) {
    throw new OperationError(
      `${url.origin} does not advertise an OAuth authorization server (no protected-resource or authorization-server metadata)`,
      `if it takes a token instead: conn edit ${opts.name} --secret token`,
    );
  }
  // The resource indicator (RFC 8707) is the one the server names in its metadata, checked against its URL.
  let resource: string | undefined;
  try {
    const selected = await selectResourceURL(url, {} as OAuthClientProvider, info.resourceMetadata);
    if (selected) resource = info.resourceMetadata?.resource ?? selected.href;
  } catch (err) {
    throw new OperationError(`${opts.name}: ${message(err)}`);
  }
  const scope =
    opts.presetClient?.scopes?.join(' ') || hint.scope || info.resourceMetadata?.scopes_supported?.join(' ') || undefined;
  return {
    authorizationServerUrl: info.authorizationServerUrl,
    metadata: info.authorizationServerMetadata,
    resource,
    scope,
    ...(info.resourceMetadata ? { resourceMetadata: info.resourceMetadata } : {}),
  };
}

/** An unauthenticated `initialize`: a server that wants OAuth answers 401 naming its metadata and scope. */
async function unauthenticatedHint(url: URL, fetchFn: typeof fetch): Promise<{ resourceMetadataUrl?: URL; scope?: string; unauthorized?: boolean }> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'conn', version: CONN_VERSION } },
      }),
    });
  } catch (err) {
    throw new OperationError(`cannot reach ${url.origin}${url.pathname}: ${message(err)}`);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status !== 401 && res.status !== 403) return {};
  const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(res);
  return { resourceMetadataUrl, scope, unauthorized: res.status === 401 };
}

/** The endpoints the 2025-03-26 authorization spec assumes when a server publishes no metadata. */
function legacyDefaultMetadata(origin: string): AuthorizationServerMetadata {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
  };
}

function sameServer(client: StoredClient, authorizationServerUrl: string): boolean {
  const trim = (s: string) => s.replace(/\/+$/, '');
  return trim(client.authorizationServerUrl) === trim(authorizationServerUrl);
}

/**
 * The preset's client id, else the client conn registered earlier with this authorization server (same
 * redirect URI, not expired, able to do the grant asked for), else a new dynamic registration.
 * A registration is stored at once, so an abandoned sign-in does not register another client next time.
 */
async function ensureClient(
  opts: ConnectFlowOptions,
  server: ServerInfo,
  stored: StoredClient | undefined,
  redirectUri: string,
  fetchFn: typeof fetch,
): Promise<StoredClient> {
  const base = clientBase(server);
  if (opts.presetClient?.clientId) {
    const client: StoredClient = {
      client_id: opts.presetClient.clientId,
      ...(opts.presetClient.clientSecret ? { client_secret: opts.presetClient.clientSecret } : {}),
      redirect_uris: [redirectUri],
      dynamic: false,
      ...base,
    };
    await writeClient(opts.store, opts.name, client);
    return client;
  }
  if (usesMetadataDocument(opts, server)) {
    // CIMD: the metadata document's URL is the client id; nothing to register.
    const client: StoredClient = { client_id: opts.presetClient!.clientMetadataUrl!, redirect_uris: [redirectUri], dynamic: false, ...base };
    await writeClient(opts.store, opts.name, client);
    return client;
  }
  const reusable = reusableClient(stored, server, redirectUri, opts.now(), Boolean(opts.device));
  if (reusable) {
    const client = { ...reusable, ...base };
    await writeClient(opts.store, opts.name, client);
    return client;
  }
  if (!server.metadata.registration_endpoint) throw noRegistration(opts, server);
  const supportsDevice = deviceEndpoint(server.metadata) !== undefined;
  let registered: OAuthClientInformationFull;
  try {
    registered = await registerClient(server.authorizationServerUrl, {
      metadata: server.metadata,
      clientMetadata: {
        client_name: 'conn',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token', ...(supportsDevice ? [DEVICE_GRANT] : [])],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        ...(server.scope ? { scope: server.scope } : {}),
      },
      fetchFn,
    });
  } catch (err) {
    throw new OperationError(`client registration with ${server.authorizationServerUrl} failed: ${message(err)}`);
  }
  const client: StoredClient = {
    client_id: registered.client_id,
    ...(registered.client_secret ? { client_secret: registered.client_secret } : {}),
    ...(registered.client_secret_expires_at ? { client_secret_expires_at: registered.client_secret_expires_at } : {}),
    ...(registered.token_endpoint_auth_method ? { token_endpoint_auth_method: registered.token_endpoint_auth_method } : {}),
    redirect_uris: registered.redirect_uris?.length ? registered.redirect_uris.map(String) : [redirectUri],
    grant_types: registered.grant_types ?? ['authorization_code', 'refresh_token', ...(supportsDevice ? [DEVICE_GRANT] : [])],
    dynamic: true,
    ...base,
  };
  await writeClient(opts.store, opts.name, client);
  return client;
}

function message(err: unknown): string {
  return errorText(err);
}

function sameOrigin(issuer: string | undefined, url: URL): boolean {
  try {
    return issuer !== undefined && new URL(issuer).origin === url.origin;
  } catch {
    return false;
  }
}
