// RFC 7009 token revocation, best effort: `conn disconnect` tells the authorization server the refresh
// token is no longer wanted. The local tokens are deleted whatever the server says.
import { errorText, timedFetch } from './http.js';
import type { StoredClient } from './storage.js';

const REVOKE_TIMEOUT_MS = 5_000;

/** true: the server accepted it; false: nothing to revoke at (no endpoint); a string: why it failed. */
export async function revokeToken(client: StoredClient, token: string, hint: 'refresh_token' | 'access_token'): Promise<true | false | string> {
  const endpoint = client.metadata.revocation_endpoint;
  if (typeof endpoint !== 'string') return false;
  const body = new URLSearchParams({ token, token_type_hint: hint, client_id: client.client_id });
  if (client.client_secret) body.set('client_secret', client.client_secret);
  try {
    const res = await timedFetch(REVOKE_TIMEOUT_MS)(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    });
    await res.body?.cancel().catch(() => undefined);
    return res.ok ? true : `HTTP ${res.status}`;
  } catch (err) {
    return errorText(err);
  }
}
