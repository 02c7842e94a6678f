import type { AsyncEntry as AsyncEntryType } from '@napi-rs/keyring';
import { createRequire } from 'node:module';
import { OperationError } from '../errors.js';
import type { KeychainPrefetch } from './prefetch.js';
import { askSecretService, type DbusReply } from './preflight.js';
import { keychainHung, markKeychainHung } from './hung.js';
import { BULK_READ_FROM, type SecretStore } from './store.js';

/** Every keychain call is bounded: a hung Secret Service must not hang conn. */
export const KEYCHAIN_TIMEOUT_MS = 5_000;

/** An item conn never writes: reading it proves the service answers. */
const PROBE_ACCOUNT = '.conn-probe';

export class KeychainTimeout extends OperationError {}



const WAYS_OUT =
  'start or unlock a keyring (e.g. gnome-keyring or KeePassXC with Secret Service), or opt into a plaintext file with CONN_SECRET_STORE=file';

/**
 * The OS keychain through @napi-rs/keyring: Secret Service on Linux (pinned, so it never falls back
 * to the kernel keyring, which is lost on reboot), macOS Keychain, Windows Credential Manager.
 */
export async function openKeychain(service: string, early?: KeychainPrefetch): Promise<SecretStore> {
  // The D-Bus pre-flight runs while the binding loads (or was asked before the render loaded:
  // prefetch.ts); its verdict is awaited before the first call.
  const preflight = pingSecretService(early ? early.asked : askSecretService());
  preflight.catch(() => undefined); // awaited (and reported) by the first operation
  // require(), not import(): an ES import of this CommonJS package makes Node scan its source for
  // export names first (~4 ms).
  const keyring = createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring');
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
    const late = new KeychainTimeout(`keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s while trying to ${what}`, WAYS_OUT);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(late);
        controller.abort();
      }, KEYCHAIN_TIMEOUT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([op(controller.signal), timeout]);
    } catch (err) {
      // The aborted call rejects too, with whatever the binding says: the time-out is the real cause.
      if (controller.signal.aborted) {
        markKeychainHung();
        throw late;
      }
      throw keychainError(err, what);
    } finally {
      clearTimeout(timer);
    }
  };
  // findCredentials (the one bulk call) neither honours its abort signal nor lets the process exit
  // while the Secret Service hangs, so the first operation of a process first proves the service
  // answers: the D-Bus pre-flight does (Linux, with dbus-send); elsewhere a single-item read, the
  // cheapest question the service must answer, which times out on its own when it does not.
  let reached: Promise<unknown> | undefined;
  const alive = (account: string) =>
    (reached ??= (async () => {
      if ((await preflight) === 'answered') return;
      await bounded('reach the keychain', (signal) => entry(account).getPassword(signal));
    })());
  // The bulk read started before the render loaded, taken by the first bulk read only.
  let prefetched = early?.items;
  const findAll = async (what: string, first: string) => {
    await alive(first);
    const started = prefetched;
    prefetched = undefined;
    return bounded(what, async (signal) => (started && (await started)) ?? keyring.findCredentialsAsync(service, null, signal));
  };
  // The items of the whole service, read once per process by the first bulk read, and
  // dropped when this process changes an item.
  let everything: ReturnType<typeof findAll> | undefined;
  const readEverything = (first: string) => (everything ??= findAll('read secrets', first));
  const getMany = async (accounts: string[]) => {
    const result = new Map<string, string | null>();
    if (accounts.length > BULK_READ_FROM || prefetched) {
      // One D-Bus round trip for all items instead of one per account (or the one already made).
      const all = await readEverything(accounts[0]!);
      const byAccount = new Map(all.map((c) => [c.account, c.password]));
      for (const a of accounts) result.set(a, byAccount.get(a) ?? null);
    } else {
      await preflight;
      for (const a of accounts) result.set(a, await bounded(`read ${a}`, (signal) => entry(a).getPassword(signal)));
    }
    return result;
  };
  return {
    kind: 'keychain',
    describe: `keychain (service ${service})`,
    get: async (account) => {
      await preflight;
      return bounded(`read ${account}`, (signal) => entry(account).getPassword(signal));
    },
    getMany,
    set: async (account, value) => {
      everything = prefetched = undefined;
      await alive(account);
      await bounded(`store ${account}`, (signal) => entry(account).setPassword(value, signal));
    },
    delete: async (account) => {
      everything = prefetched = undefined;
      await alive(account);
      return bounded(`delete ${account}`, (signal) => entry(account).deletePassword(signal));
    },
    list: async () => (await findAll('list secrets', PROBE_ACCOUNT)).map((c) => c.account),
    ready: async () => {
      await alive(PROBE_ACCOUNT);
    },
  };
}

/**
 * Waits, within the keychain's time-out, for a bulk read started before the render (prefetch.ts) that
 * the render did not take: the binding's thread keeps the process from exiting until it ends. One
 * that does not end in time marks the keychain hung, so the CLI ends the process hard.
 */
export async function settlePrefetch(early: KeychainPrefetch): Promise<void> {
  if (keychainHung()) return; // already known: the CLI ends the process hard anyway
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), KEYCHAIN_TIMEOUT_MS);
  });
  const ended = await Promise.race([early.items.then(() => 'ended' as const, () => 'ended' as const), late]);
  clearTimeout(timer);
  if (ended === 'late') markKeychainHung();
}

function keychainError(err: unknown, what: string): OperationError {
  if (err instanceof OperationError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/did not receive a reply|timeout|timed out/i.test(message)) {
    return new KeychainTimeout(`keychain did not answer (could not ${what})`, WAYS_OUT);
  }
  if (/dismissed|\blocked\b|unlock/i.test(message)) {
    return new OperationError(`keychain is locked (could not ${what})`, WAYS_OUT);
  }
  if (/dbus|d-bus|platform failure|no such|secret service|org\.freedesktop/i.test(message)) {
    return new OperationError(`keychain unreachable: no Secret Service on the session bus (could not ${what})`, WAYS_OUT);
  }
  return new OperationError(`keychain error (could not ${what}): ${message.split('\n')[0]}`, WAYS_OUT);
}

/**
 * Linux: asks the Secret Service, with a short reply time-out, whether it answers and whether its
 * default keyring is unlocked, before the native binding is used. A hung service then fails in 2 s
 * instead of inside the binding (whose calls can block the event loop, and whose threads keep a
 * process from exiting), and a locked keyring fails at once instead of waiting on an unlock prompt
 * nobody can answer. Spoken over the session bus's socket (dbus.ts); where there is no bus to reach,
 * the binding's own errors apply.
 */
async function pingSecretService(asked: Promise<DbusReply> | undefined): Promise<'answered' | 'unknown'> {
  if (!asked) return 'unknown';
  // One question answers both: a reply proves the service answers, and says whether it is locked.
  const reply = await asked;
  if (reply.kind === 'timeout' || (reply.kind === 'error' && /NoReply|Timeout/.test(reply.name))) {
    throw new KeychainTimeout('keychain did not answer: the Secret Service is not responding', WAYS_OUT);
  }
  if (reply.kind === 'return') {
    if (reply.value === true) throw new OperationError('keychain is locked (the default keyring)', WAYS_OUT);
    return 'answered';
  }
  if (reply.kind === 'error' && /does not exist|NoSuchObject|UnknownObject/i.test(`${reply.name} ${reply.message}`)) {
    throw new OperationError('keychain is locked: the Secret Service has no unlocked default keyring', WAYS_OUT);
  }
  return 'unknown';
}
