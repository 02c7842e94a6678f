// The writing render's keychain read, started before the render has loaded: a render that finds a
// change (dist/fast.cjs) asks the Secret Service's pre-flight and, once it answers unlocked, starts the
// one bulk read of the home's service, so the keychain's round trips run while dist/render.cjs loads
// and reads the catalog. Only raw values cross into the render (no error classes: fast.cjs has its own
// copies); keychain.ts interprets them, bounds them by its time-out and reports, exactly as when it
// asks itself. Nothing here is shown or written.
import { createRequire } from 'node:module';
import { askSecretService, type DbusReply } from './preflight.js';
import { keychainService } from './service.js';

/** One item of the service, as the binding returns it. */
export interface KeychainItem {
  account: string;
  password: string;
}

export interface KeychainPrefetch {
  /** The service read (the keychain uses the prefetch for this service only). */
  service: string;
  /** The pre-flight's answer. */
  asked: Promise<DbusReply>;
  /** Every item of the service, or undefined when the pre-flight did not answer "unlocked" (nothing read). */
  items: Promise<KeychainItem[] | undefined>;
  /** Settles once the bulk read has been started (or not, and why is in `asked`). */
  started: Promise<void>;
}

/**
 * Starts the pre-flight and, on its "unlocked" answer, the bulk read; undefined where there is nothing
 * to start (the file store, no home id yet, no Secret Service pre-flight off Linux).
 */
export function prefetchKeychain(home: string, env: NodeJS.ProcessEnv): KeychainPrefetch | undefined {
  if ((env.CONN_SECRET_STORE ?? 'keychain') !== 'keychain') return undefined;
  const service = keychainService(home, env);
  const asked = service ? askSecretService() : undefined;
  if (!service || !asked) return undefined;
  // The binding loads (a few ms, synchronous) while the bus answers: after one turn of the event
  // loop, in which the connection completes and the question is sent.
  const keyring = new Promise<void>((resolve) => setImmediate(resolve)).then(
    () => createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring'),
  );
  const both = Promise.all([asked, keyring]);
  const items = both.then(([reply, binding]) =>
    reply.kind === 'return' && reply.value === false ? binding.findCredentialsAsync(service, null) : undefined,
  );
  items.catch(() => undefined); // awaited (and reported) by the keychain
  // Settles right after `items`' own step above has run (callbacks run in the order they were added).
  const started = both.then(() => undefined, () => undefined);
  return { service, asked, items, started };
}
