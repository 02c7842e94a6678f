import { UsageError } from '../errors.js';
import type { SecretStore } from './store.js';

/** The secret store chosen by the environment: the keychain, or the opt-in plaintext file. */
export async function openSecretStore(home: string, env: NodeJS.ProcessEnv, warn: (text: string) => void): Promise<SecretStore> {
  const choice = env.CONN_SECRET_STORE ?? 'keychain';
  if (choice === 'file') {
    const { openFileStore } = await import('./file.js');
    const store = openFileStore(home);
    warn(`secrets are stored in a ${store.describe} (mode 0600) because CONN_SECRET_STORE=file`);
    return store;
  }
  if (choice !== 'keychain') throw new UsageError(`CONN_SECRET_STORE must be keychain or file, not ${JSON.stringify(choice)}`);
  const { openKeychain } = await import('./keychain.js');
  return openKeychain(env.CONN_KEYCHAIN_SERVICE || 'conn');
}
