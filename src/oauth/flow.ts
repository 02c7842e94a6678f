// `conn connect`'s engine: the MCP authorization flow for one remote connection, built from the SDK's
// client auth helpers (discovery, dynamic client registration, PKCE S256 authorization URL, code
// exchange) plus the RFC 8628 device grant, which the SDK does not implement. Loads the SDK: import lazily.
import { randomBytes } from 'node:crypto';
import {
  discoverOAuthProtectedResourceMetadata,
  discoverOAuthServerInfo,
  IssuerMismatchError,
  exchangeAuthorization,
  extractWWWAuthenticateParams,
  registerClient,
  selectResourceURL,
  startAuthorization,
  type OAuthClientProvider,
  type AuthorizationServerMetadata,
  type OAuthClientInformationFull,
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
  if (opts.device) requireDeviceEndpoint(server.metadata, opts.name); // before any client is registered
  const stored = await readClient(opts.store, opts.name).catch(() => undefined);
  const port = opts.port ?? (stored && sameServer(stored, server.authorizationServerUrl) ? portOfRedirect(stored.redirect_uris[0]) : undefined) ?? loopbackPort(opts.name);
  const redirectUri = redirectUriFor(port);
  const client = await ensureClient(opts, server, stored, redirectUri, fetchFn);
  const clientInformation = toClientInformation(client);

  if (opts.device) {
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

  const state = randomBytes(24).toString('base64url');
  // Listen before the URL is shown: the redirect can never arrive before conn is ready for it.
  const listener = await listenForCallback({
    name: opts.name,
    port,
    state,
    timeoutMs: opts.timeoutMs,
    ...(server.metadata.issuer ? { issuer: server.metadata.issuer } : {}),
    requireIss: (server.metadata as Record<string, unknown>).authorization_response_iss_parameter_supported === true,
  });
  try {
    const { authorizationUrl, codeVerifier } = await startAuthorization(server.authorizationServerUrl, {
      metadata: server.metadata,
      clientInformation,
      redirectUrl: redirectUri,
      scope: server.scope,
      state,
      resource: server.resource,
    }).catch((err: unknown) => {
      throw new OperationError(`cannot start the sign-in for ${opts.name}: ${message(err)}`);
    });
    opts.say(`Sign in to ${opts.name} in a browser; open this URL if none opens:\n  ${authorizationUrl.href}`);
    if (opts.browser && !(await openBrowser(authorizationUrl.href))) opts.say('(could not start a browser: open the URL above yourself)');
    opts.say(`Waiting for the sign-in (up to ${Math.round(opts.timeoutMs / 1000)} s)…`);
    const code = await listener.code;
    const tokens = await exchangeAuthorization(server.authorizationServerUrl, {
      metadata: server.metadata,
      clientInformation,
      authorizationCode: code,
      codeVerifier,
      redirectUri,
      resource: server.resource,
      fetchFn,
    }).catch((err: unknown) => {
      throw new OperationError(`the authorization server refused the code exchange for ${opts.name}: ${message(err)} — run conn connect ${opts.name} again`);
    });
    return { tokens: toStoredTokens(tokens, opts.now()), client, flow: 'browser' };
  } finally {
    await listener.close();
  }
}

// ---------------------------------------------------------------------------------------------

export interface ServerInfo {
  authorizationServerUrl: string;
  metadata: AuthorizationServerMetadata;
  resource?: string;
  scope?: string;
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
  return { authorizationServerUrl: info.authorizationServerUrl, metadata: info.authorizationServerMetadata, resource, scope };
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
  const base = {
    authorizationServerUrl: server.authorizationServerUrl,
    metadata: server.metadata as Record<string, unknown>,
    ...(server.resource ? { resource: server.resource } : {}),
    ...(server.scope ? { scope: server.scope } : {}),
  };
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
  const cimd = opts.presetClient?.clientMetadataUrl;
  if (cimd && server.metadata.client_id_metadata_document_supported === true) {
    // CIMD: the metadata document's URL is the client id; nothing to register.
    const client: StoredClient = { client_id: cimd, redirect_uris: [redirectUri], dynamic: false, ...base };
    await writeClient(opts.store, opts.name, client);
    return client;
  }
  const wantsDevice = Boolean(opts.device);
  const reusable =
    stored?.dynamic &&
    sameServer(stored, server.authorizationServerUrl) &&
    stored.redirect_uris.includes(redirectUri) &&
    (!wantsDevice || stored.grant_types?.includes(DEVICE_GRANT)) &&
    !(stored.client_secret_expires_at && stored.client_secret_expires_at * 1000 < opts.now());
  if (stored && reusable) {
    const client = { ...stored, ...base };
    await writeClient(opts.store, opts.name, client);
    return client;
  }
  if (!server.metadata.registration_endpoint) {
    throw new OperationError(
      `the authorization server of ${opts.name} (${server.authorizationServerUrl}) does not offer dynamic client registration, and the preset names no client id`,
      'register an OAuth client with the provider and put its id in a user preset (remote.oauth.clientId)',
    );
  }
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
