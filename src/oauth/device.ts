// RFC 8628 device authorization grant: for machines without a browser. The SDK has no helper for it,
// so the two requests are made here; client authentication follows the SDK's choice of method.
import type { AuthorizationServerMetadata, OAuthTokens } from '@modelcontextprotocol/client';
import { OperationError } from '../errors.js';
import { errorText } from './http.js';
import type { StoredClient } from './storage.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceOptions {
  name: string;
  metadata: AuthorizationServerMetadata;
  client: StoredClient;
  scope?: string;
  resource?: string;
  timeoutMs: number;
  say(text: string): void;
  fetchFn: typeof fetch;
}

/** RFC 8628 §4: where the authorization server takes device authorization requests, if it does. */
export function deviceEndpoint(metadata: AuthorizationServerMetadata): string | undefined {
  const value = (metadata as Record<string, unknown>).device_authorization_endpoint;
  return typeof value === 'string' ? value : undefined;
}

export function requireDeviceEndpoint(metadata: AuthorizationServerMetadata, name: string): string {
  const endpoint = deviceEndpoint(metadata);
  if (endpoint) return endpoint;
  throw new OperationError(
    `the authorization server of ${name} does not support the device authorization grant (its metadata has no device_authorization_endpoint)`,
    `run conn connect ${name} without --device; with --no-browser the sign-in URL is printed to open yourself`,
  );
}

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

export async function deviceAuthorization(opts: DeviceOptions): Promise<OAuthTokens> {
  const endpoint = requireDeviceEndpoint(opts.metadata, opts.name);
  const start = await post(opts, endpoint, new URLSearchParams({
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.resource ? { resource: opts.resource } : {}),
  }));
  if (!start.ok) throw new OperationError(`device authorization for ${opts.name} failed: ${await oauthError(start)}`);
  const grant = (await start.json()) as DeviceAuthorization;
  if (!grant.device_code || !grant.user_code || !grant.verification_uri) {
    throw new OperationError(`device authorization for ${opts.name} failed: the server's answer lacks device_code, user_code or verification_uri`);
  }
  opts.say(`To sign in to ${opts.name}, open ${grant.verification_uri} on any device and enter the code: ${grant.user_code}`);
  if (grant.verification_uri_complete) opts.say(`  or open: ${grant.verification_uri_complete}`);
  const deadline = Date.now() + Math.min(opts.timeoutMs, (grant.expires_in || 600) * 1000);
  opts.say(`Waiting for the sign-in (up to ${Math.round((deadline - Date.now()) / 1000)} s)…`);

  let interval = Math.max(1, grant.interval ?? 5) * 1000;
  const tokenEndpoint = opts.metadata.token_endpoint;
  for (;;) {
    // The polling interval is the server's rule (RFC 8628 §3.5), not a guess at timing.
    const wait = Math.min(interval, deadline - Date.now());
    if (wait <= 0) break;
    await new Promise((r) => setTimeout(r, wait));
    const res = await post(opts, tokenEndpoint, new URLSearchParams({
      grant_type: DEVICE_GRANT,
      device_code: grant.device_code,
      ...(opts.resource ? { resource: opts.resource } : {}),
    }));
    if (res.ok) {
      const tokens = (await res.json()) as OAuthTokens;
      if (typeof tokens.access_token !== 'string' || !tokens.access_token) {
        throw new OperationError(`the token endpoint of ${opts.name} answered without an access token`);
      }
      return tokens;
    }
    const body = (await res.json().catch(() => ({}))) as { error?: string; error_description?: string };
    if (body.error === 'authorization_pending') continue;
    if (body.error === 'slow_down') {
      interval += 5000;
      continue;
    }
    if (body.error === 'access_denied') throw new OperationError(`the sign-in to ${opts.name} was denied`);
    if (body.error === 'expired_token') break;
    throw new OperationError(`device sign-in to ${opts.name} failed: ${body.error ?? `HTTP ${res.status}`}${body.error_description ? ` (${body.error_description})` : ''}`);
  }
  throw new OperationError(`timed out waiting for the device sign-in to ${opts.name} — run conn connect ${opts.name} --device again (--timeout S to wait longer)`);
}

/** A form POST with the client's authentication (secret in Basic or in the body; public clients send client_id). */
async function post(opts: DeviceOptions, url: string, params: URLSearchParams): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  const { client_id, client_secret } = opts.client;
  const methods = opts.metadata.token_endpoint_auth_methods_supported ?? [];
  if (client_secret && (methods.includes('client_secret_basic') || (!methods.includes('client_secret_post') && opts.client.token_endpoint_auth_method !== 'client_secret_post'))) {
    headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(client_id)}:${encodeURIComponent(client_secret)}`).toString('base64')}`;
  } else {
    params.set('client_id', client_id);
    if (client_secret) params.set('client_secret', client_secret);
  }
  try {
    return await opts.fetchFn(url, { method: 'POST', headers, body: params });
  } catch (err) {
    throw new OperationError(`cannot reach the authorization server of ${opts.name}: ${errorText(err)}`);
  }
}

async function oauthError(res: Response): Promise<string> {
  const body = (await res.json().catch(() => ({}))) as { error?: string; error_description?: string };
  return `${body.error ?? `HTTP ${res.status}`}${body.error_description ? ` (${body.error_description})` : ''}`;
}
