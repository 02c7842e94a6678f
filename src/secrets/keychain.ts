import type { AsyncEntry as AsyncEntryType } from '@napi-rs/keyring';
import { OperationError } from '../errors.js';
import type { SecretStore } from './store.js';

/** Every keychain call is bounded: a hung Secret Service must not hang conn. */
export const KEYCHAIN_TIMEOUT_MS = 5_000;

const WAYS_OUT =
  'start or unlock a keyring (e.g. gnome-keyring or KeePassXC with Secret Service), or opt into a plaintext file with CONN_SECRET_STORE=file';

/**
 * The OS keychain through @napi-rs/keyring: Secret Service on Linux (pinned, so it never falls back
 * to the kernel keyring, which is lost on reboot), macOS Keychain, Windows Credential Manager.
 */
export async function openKeychain(service: string): Promise<SecretStore> {
  const keyring = await import('@napi-rs/keyring');
  const options = { linux: { store: 'secret-service' as const } };
  // Creating an Entry costs ~14 ms: keep one per account.
  const entries = new Map<string, AsyncEntryType>();
  const entry = (account: string) => {
    let e = entries.get(account);
    if (!e) entries.set(account, (e = new keyring.AsyncEntry(service, account, options)));
    return e;
  };
  const bounded = async <T>(what: string, op: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new OperationError(`keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s while trying to ${what}`, WAYS_OUT));
      }, KEYCHAIN_TIMEOUT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([op(controller.signal), timeout]);
    } catch (err) {
      throw keychainError(err, what);
    } finally {
      clearTimeout(timer);
    }
  };
  const getMany = async (accounts: string[]) => {
    const result = new Map<string, string | null>();
    if (accounts.length > 2) {
      // One D-Bus round trip for all items instead of one per account.
      const all = await bounded('read secrets', (signal) => keyring.findCredentialsAsync(service, null, signal));
      const byAccount = new Map(all.map((c) => [c.account, c.password]));
      for (const a of accounts) result.set(a, byAccount.get(a) ?? null);
    } else {
      for (const a of accounts) result.set(a, await bounded(`read ${a}`, (signal) => entry(a).getPassword(signal)));
    }
    return result;
  };
  return {
    kind: 'keychain',
    describe: `keychain (service ${service})`,
    get: (account) => bounded(`read ${account}`, (signal) => entry(account).getPassword(signal)),
    getMany,
    set: (account, value) => bounded(`store ${account}`, (signal) => entry(account).setPassword(value, signal)),
    delete: (account) => bounded(`delete ${account}`, (signal) => entry(account).deletePassword(signal)),
    list: async () => (await bounded('list secrets', (signal) => keyring.findCredentialsAsync(service, null, signal))).map((c) => c.account),
  };
}

function keychainError(err: unknown, what: string): OperationError {
  if (err instanceof OperationError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/dismissed|locked|unlock/i.test(message)) {
    return new OperationError(`keychain is locked (could not ${what})`, WAYS_OUT);
  }
  if (/dbus|d-bus|platform failure|no such|secret service|org\.freedesktop/i.test(message)) {
    return new OperationError(`keychain unreachable: no Secret Service on the session bus (could not ${what})`, WAYS_OUT);
  }
  return new OperationError(`keychain error (could not ${what}): ${message.split('\n')[0]}`, WAYS_OUT);
}
