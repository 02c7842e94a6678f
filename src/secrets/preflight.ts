// The question the keychain's pre-flight asks the Secret Service (keychain.ts says why), startable on
// its own: the render path asks it as soon as it knows a render will read the keychain, before the
// rest of conn has loaded, and hands the pending answer to the keychain through deps. Plain values
// only (no error classes), so the answer can cross from dist/fast.cjs into dist/render.cjs.
import { dbusCall, type DbusReply } from './dbus.js';

/** How long the Secret Service has to answer the pre-flight. */
export const PREFLIGHT_TIMEOUT_MS = 2_000;

/**
 * Linux: whether the Secret Service answers, and whether its default keyring is locked (one D-Bus
 * call, over the session bus's socket). Elsewhere: undefined (the binding's own errors apply).
 */
export function askSecretService(): Promise<DbusReply> | undefined {
  if (process.platform !== 'linux') return undefined;
  return dbusCall(
    {
      destination: 'org.freedesktop.secrets',
      path: '/org/freedesktop/secrets/aliases/default',
      interface: 'org.freedesktop.DBus.Properties',
      member: 'Get',
      args: ['org.freedesktop.Secret.Collection', 'Locked'],
    },
    PREFLIGHT_TIMEOUT_MS,
  );
}

export type { DbusReply };
