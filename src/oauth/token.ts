// The bearer token of an OAuth connection: the token store (the secret store's `<name>/oauth:tokens`
// item) is its one truth, expiry included. A token expiring within a minute is refreshed first, under
// a lock of its own per connection (not the catalog lock: a slow token endpoint must never hold up
// other conn processes' catalog changes), and the tokens are read again inside it: with rotating
// refresh tokens two processes must never spend the same refresh token, and the second one finds the
// first one's fresh token instead. Called by the credentials port only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import type { SecretStore } from '../secrets/store.js';
import { readClient, readTokens, tokensAccount, toStoredTokens, writeTokens, type StoredTokens } from './storage.js';

/** A token expiring within this margin is refreshed before use… */
export const REFRESH_MARGIN_MS = 60_000;
/** …but never more than this fraction of its lifetime: a 4 s token must not look expired when fresh. */
export const REFRESH_MARGIN_FRACTION = 0.25;

export function refreshMargin(tokens: StoredTokens): number {
  if (tokens.expires_at === undefined || tokens.issued_at === undefined) return REFRESH_MARGIN_MS;
  return Math.min(REFRESH_MARGIN_MS, Math.max(0, tokens.expires_at - tokens.issued_at) * REFRESH_MARGIN_FRACTION);
}

export function expiresSoon(tokens: StoredTokens, now: number): boolean {
  return tokens.expires_at !== undefined && tokens.expires_at - refreshMargin(tokens) <= now;
}

/** A usable token and when it expires; or why there is none (and, for a dead grant, that it is dead). */
export type TokenOutcome = { token: string; expiresAt?: number; refreshAt?: number; refreshed: boolean } | { error: OperationError; disconnected?: string };

/** The lock a refresh of `name` runs under: a folder beside the catalog, one per connection. */
export function refreshLockPath(home: string, name: string): string {
  return join(home, 'locks', `oauth-${encodeURIComponent(name)}`);
}

/**
 * The access token of a signed-in connection: `tokens` as already read (bulk), refreshed when it
 * expires soon. Never throws for a token problem: the outcome says what the caller must record.
 */
export async function accessToken(conn: Connection, tokens: StoredTokens | undefined, store: SecretStore, home: string, now: () => number): Promise<TokenOutcome> {
  if (conn.oauth?.state !== 'connected') return { error: notConnected(conn) };
  if (!tokens) return { error: missingTokens(conn.name, store) };
  if (!expiresSoon(tokens, now())) return { token: tokens.access_token, ...expiry(tokens), refreshed: false };
  const path = refreshLockPath(home, conn.name);
  mkdirSync(join(home, 'locks'), { recursive: true, mode: 0o700 });
  const { default: lockfile } = await import('proper-lockfile');
  const release = await lockfile
    .lock(path, { lockfilePath: `${path}.lock`, retries: { retries: 300, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true }, stale: 10_000, realpath: false })
    .catch((err: Error) => {
      throw new OperationError(`cannot lock the OAuth refresh of ${conn.name}: ${err.message}`);
    });
  try {
    return await refreshHeld(conn.name, store, now);
  } finally {
    await release().catch(() => undefined);
  }
}

async function refreshHeld(name: string, store: SecretStore, now: () => number): Promise<TokenOutcome> {
  // Read again under the lock: another process may have refreshed while we waited for it.
  const tokens = await readTokens(store, name);
  if (!tokens) return { error: missingTokens(name, store) };
  if (!expiresSoon(tokens, now())) return { token: tokens.access_token, ...expiry(tokens), refreshed: false };
  const disconnect = async (reason: string): Promise<TokenOutcome> => {
    // The grant is dead: its tokens are of no use to anyone.
    await store.delete(tokensAccount(name)).catch(() => false);
    return { error: new OperationError(`refresh failed: ${reason} — run conn connect ${name}`), disconnected: `refresh failed: ${reason}` };
  };
  const client = await readClient(store, name);
  if (!tokens.refresh_token && client?.grant_types?.includes('client_credentials')) {
    // Machine credentials: a new token with the same credentials, no user involved.
    const { clientCredentials } = await import('./machine.js');
    try {
      const server = { authorizationServerUrl: client.authorizationServerUrl, metadata: client.metadata as never, resource: client.resource, scope: client.scope };
      const got = await clientCredentials(name, client.resource ?? client.authorizationServerUrl, server, {
        clientId: client.client_id,
        ...(client.client_secret ? { clientSecret: client.client_secret } : {}),
        ...(client.private_key ? { privateKey: client.private_key, signingAlg: client.signing_alg ?? 'RS256' } : {}),
      }, now());
      await writeTokens(store, name, got.tokens);
      return { token: got.tokens.access_token, ...expiry(got.tokens), refreshed: true };
    } catch (err) {
      return { error: new OperationError(`${(err as Error).message} — try again, or run conn connect ${name}`) };
    }
  }
  if (!tokens.refresh_token) return disconnect('the access token expired and the server issued no refresh token');
  if (!client) return disconnect('the client registration is missing from the secret store');
  const { refreshAccessToken } = await import('./refresh.js');
  const result = await refreshAccessToken(client, tokens.refresh_token);
  if (!result.ok) {
    if (result.rejected) return disconnect(result.reason);
    // The server could not be asked (network, 5xx): the grant may still be good, so stay connected.
    return { error: new OperationError(`refresh failed: ${result.reason} — try again, or run conn connect ${name}`) };
  }
  const next = toStoredTokens({ refresh_token: tokens.refresh_token, ...result.tokens }, now());
  await writeTokens(store, name, next);
  return { token: next.access_token, ...expiry(next), refreshed: true };
}

/** When the token expires, and when a use of it refreshes it first (expiresSoon's margin). */
function expiry(tokens: StoredTokens): { expiresAt?: number; refreshAt?: number } {
  return tokens.expires_at !== undefined ? { expiresAt: tokens.expires_at, refreshAt: tokens.expires_at - refreshMargin(tokens) } : {};
}

export function notConnected(conn: Connection): OperationError {
  if (conn.oauth?.state === 'disconnected') {
    return new OperationError(`${conn.name} is disconnected${conn.oauth.reason ? ` (${conn.oauth.reason})` : ''} — run conn connect ${conn.name}`);
  }
  return new OperationError(`${conn.name} needs an OAuth sign-in — run conn connect ${conn.name}`);
}

function missingTokens(name: string, store: SecretStore): OperationError {
  return new OperationError(`the OAuth tokens of ${name} are missing from the ${store.describe} — run conn connect ${name}`);
}
