// The credentials port: the one way anything in conn gets a secret value.
//
//   const set = await deps.credentials.resolve(connections, mode);
//   const spec = launchSpec(conn, preset, permission, set.values(conn.name));   // pure, src/launch/
//
// `resolve` reads every stored secret and OAuth token of the given connections in one bulk read of
// the secret store, resolves secret references (env:, file:, op://, vault:), and refreshes OAuth
// access tokens that expire within a minute (under a lock of their own, never the catalog lock).
// Modes:
//   'resolve'    values, OAuth refreshed when due (test, serve, an inline render, conn env)
//   'reference'  placeholders only: nothing is read (env/prompt renders, dry runs)
//   'check'      like resolve, but no OAuth refresh (doctor: is everything there?)
// A connection whose values cannot be had does not fail the others: `values(name)` throws its error,
// `error(name)` returns it. Nothing else in conn reads a secret value (commands that write or delete
// secrets, add/edit/remove/connect, use the secret store directly).
import type { Connection } from '../catalog/model.js';
import type { CatalogStore } from '../catalog/store.js';
import { OperationError } from '../errors.js';
import type { FileSig } from '../file-sig.js';
import { referenceValues, storedSecretFields, usesOAuth, type LaunchValues } from '../launch/build.js';
import { tokensAccount } from '../oauth/accounts.js';
import { resolveSecretRef } from '../secrets/refs.js';
import { secretAccount, type SecretStore } from '../secrets/store.js';

export type CredentialMode = 'resolve' | 'reference' | 'check';

export interface ResolvedValues extends LaunchValues {
  /** Epoch ms when the OAuth access token expires (from the token store), if it does. */
  expiresAt?: number;
  /** Epoch ms from which a use of the token refreshes it first (expiry minus the refresh margin). */
  refreshAt?: number;
}

export interface CredentialSet {
  /** The values of one connection; throws why they cannot be had. */
  values(name: string): ResolvedValues;
  error(name: string): OperationError | undefined;
  /**
   * Catalog writes this resolve made (an OAuth refresh or a dead grant is mirrored into the
   * connection's `oauth` status), oldest first: a render that read the `before` file may adopt `after`.
   */
  catalogWrites: { before: FileSig; after: FileSig }[];
  /** The secret store itself could not be read (unreachable, locked, hung): every stored value failed. */
  storeError?: OperationError;
}

export interface Credentials {
  resolve(connections: Connection[], mode: CredentialMode): Promise<CredentialSet>;
}

export interface CredentialsOptions {
  home: string;
  env: NodeJS.ProcessEnv;
  catalog: CatalogStore;
  /** The secret store, opened on first need (the keychain binding is not loaded otherwise). */
  secrets(): Promise<SecretStore>;
  now?: () => number;
}

export function createCredentials(opts: CredentialsOptions): Credentials {
  return { resolve: (connections, mode) => resolveAll(connections, mode, opts) };
}

async function resolveAll(connections: Connection[], mode: CredentialMode, opts: CredentialsOptions): Promise<CredentialSet> {
  const results = new Map<string, ResolvedValues | OperationError>();
  const catalogWrites: CredentialSet['catalogWrites'] = [];
  const set: CredentialSet = {
    values(name) {
      const r = results.get(name);
      if (r === undefined) throw new Error(`credentials: ${name} was not resolved`);
      if (r instanceof OperationError) throw r;
      return r;
    },
    error: (name) => {
      const r = results.get(name);
      return r instanceof OperationError ? r : undefined;
    },
    catalogWrites,
  };
  if (mode === 'reference') {
    for (const conn of connections) results.set(conn.name, referenceValues(conn));
    return set;
  }

  // One bulk read: every stored secret, and the OAuth tokens of the signed-in connections.
  const accounts = connections.flatMap((c) => [
    ...storedSecretFields(c).map((f) => secretAccount(c.name, f)),
    ...(usesOAuth(c) && c.oauth?.state === 'connected' ? [tokensAccount(c.name)] : []),
  ]);
  let store: SecretStore | undefined;
  let stored = new Map<string, string | null>();
  let storeError: OperationError | undefined;
  if (accounts.length) {
    try {
      store = await opts.secrets();
      stored = await store.getMany(accounts);
    } catch (err) {
      if (!(err instanceof OperationError)) throw err;
      storeError = err;
      set.storeError = err;
    }
  }

  const now = opts.now ?? Date.now;
  const mirror: { name: string; oauth: NonNullable<Connection['oauth']> }[] = [];
  for (const conn of connections) {
    try {
      const secrets: Record<string, string> = {};
      // 'check' words every problem of the connection at once; the other modes stop at the first.
      const problems: string[] = [];
      const missing: string[] = [];
      for (const field of conn.secrets) {
        const ref = conn.secretRefs?.[field];
        try {
          if (ref) {
            if (mode === 'check' && ref.startsWith('env:') && !opts.env[ref.slice(4)]) throw new OperationError(`env var ${ref.slice(4)} unset (${field} is ${ref})`);
            secrets[field] = await resolveSecretRef(ref, { env: opts.env, what: `${conn.name}/${field}` });
            continue;
          }
          if (storeError) throw mode === 'check' ? new OperationError(`keychain unreachable, ${field} not checked: ${storeError.message}`, storeError.hint) : storeError;
          const value = stored.get(secretAccount(conn.name, field));
          if (value === null || value === undefined) {
            if (mode === 'check') {
              missing.push(field);
              continue;
            }
            throw new OperationError(`secret ${field} of ${conn.name} is missing from the ${store?.describe ?? 'secret store'}`, `set it with: conn edit ${conn.name} --secret ${field}`);
          }
          secrets[field] = value;
        } catch (err) {
          if (mode !== 'check' || !(err instanceof OperationError)) throw err;
          problems.push(err.message);
        }
      }
      if (missing.length) problems.unshift(`missing secret(s): ${missing.join(', ')} (conn edit ${conn.name} --secret ${missing[0]})`);
      if (problems.length) throw new OperationError([...new Set(problems)].join('; '));
      const out: ResolvedValues = { secrets };
      if (usesOAuth(conn)) {
        const { accessToken, notConnected } = await import('../oauth/token.js');
        if (conn.oauth?.state !== 'connected') throw notConnected(conn);
        if (storeError) throw mode === 'check' ? new OperationError(`keychain unreachable, OAuth tokens not checked: ${storeError.message}`, storeError.hint) : storeError;
        const { parseTokens } = await import('../oauth/storage.js');
        const tokens = parseTokens(stored.get(tokensAccount(conn.name)) ?? null, conn.name);
        // 'check': say what is there; a refresh is the business of a real use.
        const outcome = await accessToken(conn, tokens, store!, opts.home, mode === 'check' ? () => 0 : now);
        if ('error' in outcome) {
          if (outcome.disconnected) mirror.push({ name: conn.name, oauth: { state: 'disconnected', reason: outcome.disconnected } });
          throw outcome.error;
        }
        out.oauthToken = outcome.token;
        if (outcome.expiresAt !== undefined) out.expiresAt = outcome.expiresAt;
        if (outcome.refreshAt !== undefined) out.refreshAt = outcome.refreshAt;
        if (outcome.refreshed) {
          mirror.push({ name: conn.name, oauth: { state: 'connected', ...(outcome.expiresAt !== undefined ? { expiresAt: new Date(outcome.expiresAt).toISOString() } : {}) } });
        }
      }
      results.set(conn.name, out);
    } catch (err) {
      if (!(err instanceof OperationError)) throw err;
      results.set(conn.name, err);
    }
  }

  // The catalog keeps a copy of the sign-in status for `conn list`/`show`: written after the refresh
  // lock is released, in one short catalog update with no network inside.
  if (mirror.length) {
    const write = await opts.catalog.updateTracked((c) => {
      for (const m of mirror) {
        const current = Object.hasOwn(c.connections, m.name) ? c.connections[m.name] : undefined;
        if (current?.oauth) current.oauth = m.oauth;
      }
    });
    catalogWrites.push({ before: write.before, after: write.after });
  }
  return set;
}
