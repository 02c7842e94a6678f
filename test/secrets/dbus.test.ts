// conn's own D-Bus call (the keychain's pre-flight), against the suite's private session bus and
// gnome-keyring: the same answers dbus-send gave, without a process per render.
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { dbusCall, sessionBusPath } from '../../src/secrets/dbus.js';
import { requireKeychain } from '../helpers/world.js';

const locked = (path: string) => ({
  destination: 'org.freedesktop.secrets', path, interface: 'org.freedesktop.DBus.Properties', member: 'Get',
  args: ['org.freedesktop.Secret.Collection', 'Locked'],
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('dbusCall', () => {
  it('reads whether the default keyring is locked: false for the unlocked test keyring', async () => {
    requireKeychain();
    expect(await dbusCall(locked('/org/freedesktop/secrets/aliases/default'), 2000, inject('dbusAddress'))).toEqual({ kind: 'return', value: false });
  });

  it('passes a D-Bus error on by name, with its message', async () => {
    requireKeychain();
    const reply = await dbusCall(locked('/org/freedesktop/secrets/collection/no_such_thing'), 2000, inject('dbusAddress'));
    expect(reply.kind).toBe('error');
    expect(reply.kind === 'error' && `${reply.name} ${reply.message}`).toMatch(/NoSuchObject|UnknownObject|UnknownMethod|does not exist/i);
    const unknownService = await dbusCall({ ...locked('/x'), destination: 'org.example.NobodyHere' }, 2000, inject('dbusAddress'));
    expect(unknownService).toMatchObject({ kind: 'error', name: 'org.freedesktop.DBus.Error.ServiceUnknown' });
  });

  it('says unreachable for no bus, and times out on a bus that never answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conn-dbus-'));
    dirs.push(dir);
    expect(await dbusCall(locked('/x'), 2000, `unix:path=${join(dir, 'nothing')}`)).toMatchObject({ kind: 'unreachable' });
    expect(await dbusCall(locked('/x'), 2000, '')).toMatchObject({ kind: 'unreachable' });
    // Authenticates, then stays silent.
    const silent = createServer((s) => s.once('data', () => s.write('OK 0123456789abcdef\r\n')));
    const path = join(dir, 'silent');
    await new Promise<void>((r) => silent.listen(path, r));
    try {
      expect(await dbusCall(locked('/x'), 300, `unix:path=${path}`)).toEqual({ kind: 'timeout' });
    } finally {
      silent.close();
    }
  });

  it('finds the socket of path and abstract addresses, the first unix one of a list', () => {
    expect(sessionBusPath('unix:path=/run/user/1000/bus')).toBe('/run/user/1000/bus');
    expect(sessionBusPath('unix:abstract=/tmp/dbus-X,guid=abc')).toBe('\0/tmp/dbus-X');
    expect(sessionBusPath('tcp:host=x,port=1;unix:path=/b%20us')).toBe('/b us');
    expect(sessionBusPath('')).toBeUndefined();
  });
});
