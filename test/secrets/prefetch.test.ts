// The writing render's early keychain read (src/secrets/prefetch.ts): started from the pre-flight's
// "unlocked" answer before the render loads, taken once by the keychain in place of its own bulk read,
// dropped when the process changes an item, never started where it cannot help, and waited for at the
// end so a read nobody took cannot keep the process from exiting.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { KEYCHAIN_TIMEOUT_MS, openKeychain, settlePrefetch } from '../../src/secrets/keychain.js';
import { keychainHung } from '../../src/secrets/hung.js';
import { prefetchKeychain, type KeychainPrefetch } from '../../src/secrets/prefetch.js';
import { keychainService } from '../../src/secrets/service.js';
import { requireKeychain } from '../helpers/world.js';

const service = `conn-prefetch-${randomBytes(4).toString('hex')}`;
const dirs: string[] = [];
let busBefore: string | undefined;
beforeAll(() => {
  busBefore = process.env.DBUS_SESSION_BUS_ADDRESS;
  // The pre-flight speaks to the session bus of this process's environment: the suite's private one.
  if (inject('dbusAddress')) process.env.DBUS_SESSION_BUS_ADDRESS = inject('dbusAddress');
});
afterAll(async () => {
  if (inject('dbusAddress')) {
    const store = await openKeychain(service);
    for (const account of await store.list()) await store.delete(account);
  }
  process.env.DBUS_SESSION_BUS_ADDRESS = busBefore;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({ CONN_KEYCHAIN_SERVICE: service, ...extra });
const home = () => {
  const d = mkdtempSync(join(tmpdir(), 'conn-prefetch-'));
  dirs.push(d);
  return d;
};

describe('the early keychain read', () => {
  it("is the keychain's first bulk read: what it held then, once; a change in this process drops it", async () => {
    requireKeychain();
    const store = await openKeychain(service);
    await store.set('a/TOKEN', 'one');
    await store.set('b/TOKEN', 'two');
    const early = prefetchKeychain(home(), env())!;
    await early.started;
    expect(await early.asked).toEqual({ kind: 'return', value: false });
    expect((await early.items)?.map((i) => i.account).sort()).toEqual(['a/TOKEN', 'b/TOKEN']);

    // Changed by another process after the early read: the keychain answers from the early read
    // (the render's values are those of its start), and reads afresh after its own change.
    await store.set('a/TOKEN', 'changed elsewhere');
    const taking = await openKeychain(service, early);
    expect(Object.fromEntries(await taking.getMany(['a/TOKEN', 'b/TOKEN']))).toEqual({ 'a/TOKEN': 'one', 'b/TOKEN': 'two' });
    await taking.set('b/TOKEN', 'three');
    expect(Object.fromEntries(await taking.getMany(['a/TOKEN', 'b/TOKEN']))).toEqual({ 'a/TOKEN': 'changed elsewhere', 'b/TOKEN': 'three' });
  });

  it('reads nothing when the pre-flight does not answer "unlocked": the keychain then reports why itself', async () => {
    const dir = home();
    const before = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(dir, 'no-such-bus')}`;
    try {
      const early = prefetchKeychain(dir, env())!;
      await early.started;
      expect(await early.asked).toMatchObject({ kind: 'unreachable' });
      expect(await early.items).toBeUndefined();
    } finally {
      process.env.DBUS_SESSION_BUS_ADDRESS = before;
    }
  });

  it('is not started for the file store, nor for a home whose keychain service is not known yet', () => {
    expect(prefetchKeychain(home(), env({ CONN_SECRET_STORE: 'file' }))).toBeUndefined();
    const fresh = home();
    expect(keychainService(fresh, { CONN_HOME: fresh })).toBeUndefined();
    expect(prefetchKeychain(fresh, { CONN_HOME: fresh })).toBeUndefined();
    const known = home();
    mkdirSync(known, { recursive: true });
    writeFileSync(join(known, 'home-id'), '0123456789abcdef\n');
    expect(keychainService(known, { CONN_HOME: known })).toBe('conn@0123456789abcdef');
  });

  it('a read nobody took that never ends marks the keychain hung after its time-out, so the CLI ends the process', async () => {
    vi.useFakeTimers();
    try {
      const never: KeychainPrefetch = { service, asked: new Promise(() => undefined), items: new Promise(() => undefined), started: Promise.resolve() };
      const settling = settlePrefetch(never);
      expect(keychainHung()).toBe(false);
      await vi.advanceTimersByTimeAsync(KEYCHAIN_TIMEOUT_MS);
      await settling;
      expect(keychainHung()).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
