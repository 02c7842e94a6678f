// The bearer token for an OAuth connection, as buildLaunchSpec needs it: read from the secret store,
// and refreshed first when it expires within a minute. The refresh runs under the catalog lock, and the
// tokens are read again inside it: with rotating refresh tokens, two processes must never spend the
// same refresh token, and the second one finds the first one's fresh token instead.
import type { Connection } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import type { SecretStore } from '../secrets/store.js';
import { readClient, readTokens, tokensAccount, toStoredTokens, writeTokens, type StoredTokens } from './storage.js';

/** A token expiring within this margin is refreshed before use. */
export const REFRESH_MARGIN_MS = 60_000;

export interface TokenOptions {
  /** The caller's open secret store; opened here (from env) when absent. */
  store?: SecretStore;
  env: NodeJS.ProcessEnv;
  now?: () => number;
}

export function expiresSoon(tokens: StoredTokens, now: number): boolean {
  return tokens.expires_at !== undefined && tokens.expires_at - REFRESH_MARGIN_MS <= now;
}

export async function freshAccessToken(conn: Connection, opts: TokenOptions): Promise<string> {
  if (conn.oauth?.state !== 'connected') throw notConnected(conn);
  const now = opts.now ?? Date.now;
  const store = opts.store ?? (await openStore(opts.env));
  const tokens = await readTokens(store, conn.name);
  if (!tokens) throw missingTokens(conn.name, store);
  if (!expiresSoon(tokens, now())) return tokens.access_token;
  return refreshUnderLock(conn.name, store, opts.env, now);
}

type Outcome = { token: string } | { error: string };

async function refreshUnderLock(name: string, store: SecretStore, env: NodeJS.ProcessEnv, now: () => number): Promise<string> {
  const [{ createCatalogStore }, { connHome }] = await Promise.all([import('../catalog/store.js'), import('../paths.js')]);
  const catalog = createCatalogStore(connHome(env));
  const outcome = await catalog.update(async (c): Promise<Outcome> => {
    const current = Object.hasOwn(c.connections, name) ? c.connections[name] : undefined;
    if (!current) return { error: `connection ${name} no longer exists` };
    if (current.oauth?.state !== 'connected') return { error: notConnected(current).message };
    // Read again under the lock: another process may have refreshed while we waited for it.
    const tokens = await readTokens(store, name);
    if (!tokens) return { error: missingTokens(name, store).message };
    if (!expiresSoon(tokens, now())) return { token: tokens.access_token };

    const disconnect = async (reason: string): Promise<Outcome> => {
      current.oauth = { state: 'disconnected', reason: `refresh failed: ${reason}` };
      // The grant is dead: its tokens are of no use to anyone.
      await store.delete(tokensAccount(name)).catch(() => false);
      return { error: `refresh failed: ${reason} — run conn connect ${name}` };
    };
    if (!tokens.refresh_token) return disconnect('the access token expired and the server issued no refresh token');
    const client = await readClient(store, name);
    if (!client) return disconnect('the client registration is missing from the secret store');

    const { refreshAccessToken } = await import('./refresh.js');
    const result = await refreshAccessToken(client, tokens.refresh_token);
    if (!result.ok) {
      if (result.rejected) return disconnect(result.reason);
      // The server could not be asked (network, 5xx): the grant may still be good, so stay connected.
      return { error: `refresh failed: ${result.reason} — try again, or run conn connect ${name}` };
    }
    const next = toStoredTokens({ refresh_token: tokens.refresh_token, ...result.tokens }, now());
    await writeTokens(store, name, next);
    current.oauth = { state: 'connected', ...(next.expires_at !== undefined ? { expiresAt: new Date(next.expires_at).toISOString() } : {}) };
    return { token: next.access_token };
  });
  if ('error' in outcome) throw new OperationError(outcome.error);
  return outcome.token;
}

function notConnected(conn: Connection): OperationError {
  if (conn.oauth?.state === 'disconnected') {
    return new OperationError(`${conn.name} is disconnected${conn.oauth.reason ? ` (${conn.oauth.reason})` : ''} — run conn connect ${conn.name}`);
  }
  return new OperationError(`${conn.name} needs an OAuth sign-in — run conn connect ${conn.name}`);
}

function missingTokens(name: string, store: SecretStore): OperationError {
  return new OperationError(`the OAuth tokens of ${name} are missing from the ${store.describe} — run conn connect ${name}`);
}

async function openStore(env: NodeJS.ProcessEnv): Promise<SecretStore> {
  const [{ openSecretStore }, { connHome }] = await Promise.all([import('../secrets/open.js'), import('../paths.js')]);
  // The file store's plaintext warning is the command's to give; this is a read on its behalf.
  return openSecretStore(connHome(env), env, () => undefined);
}
