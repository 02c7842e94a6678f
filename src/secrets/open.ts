import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { UsageError } from '../errors.js';
import type { KeychainPrefetch } from './prefetch.js';
import { HOME_ID_FILE, keychainService, SHARED_SERVICE } from './service.js';
import type { SecretStore } from './store.js';

/** The secret store chosen by the environment: the keychain, or the opt-in plaintext file. */
export async function openSecretStore(home: string, env: NodeJS.ProcessEnv, warn: (text: string) => void, early?: KeychainPrefetch): Promise<SecretStore> {
  const choice = env.CONN_SECRET_STORE ?? 'keychain';
  if (choice === 'file') {
    const { openFileStore } = await import('./file.js');
    const store = openFileStore(home);
    warn(`secrets are stored in a ${store.describe} (mode 0600) because CONN_SECRET_STORE=file`);
    return store;
  }
  if (choice !== 'keychain') throw new UsageError(`CONN_SECRET_STORE must be keychain or file, not ${JSON.stringify(choice)}`);
  const { openKeychain } = await import('./keychain.js');
  // Any CONN_HOME but the default gets a service of its own, `conn@<home id>`: two homes that hold
  // connections of the same name never read or delete each other's secrets.
  const known = keychainService(home, env);
  if (known) return openKeychain(known, early?.service === known ? early : undefined);
  const id = randomBytes(8).toString('hex');
  const store = await openKeychain(`${SHARED_SERVICE}@${id}`);
  // First use since home ids: this home's items were in the shared service. Copy (never move: another
  // home may use them too) those of its own connections, then remember the id.
  await copyFromShared(home, store, await openKeychain(SHARED_SERVICE));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(home, HOME_ID_FILE), `${id}\n`, 0o600);
  return store;
}

async function copyFromShared(home: string, store: SecretStore, shared: SecretStore): Promise<void> {
  const { readText, parseCatalogText } = await import('../catalog/read.js');
  const { catalogPath } = await import('../paths.js');
  const path = catalogPath(home);
  const text = readText(path);
  if (text === undefined) return; // a new home: nothing of its own anywhere yet
  const data = parseCatalogText(path, text) as { connections?: Record<string, unknown> };
  const names = new Set(Object.keys(data.connections ?? {}));
  if (names.size === 0) return;
  const accounts = (await shared.list()).filter((a) => names.has(a.slice(0, a.indexOf('/'))));
  if (!accounts.length) return;
  const values = await shared.getMany(accounts);
  for (const [account, value] of values) if (value !== null && (await store.get(account)) === null) await store.set(account, value);
}
