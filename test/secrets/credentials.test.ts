// Secrets through the built CLI: references handed to helper CLIs stay arguments (stand-in op/vault
// that record their argv), doctor words each state of a connection's secrets and finds keychain
// items of no connection, and two CONN_HOMEs keep their keychain items apart.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

/** op and vault stand-ins on PATH that log their argv (one line per call) and print a value. */
function standIns(): { env: Record<string, string>; calls: () => string[] } {
  const bin = join(w.tmp, 'bin');
  mkdirSync(bin, { recursive: true });
  const log = join(w.tmp, 'argv.log');
  for (const cli of ['op', 'vault']) {
    writeFileSync(join(bin, cli), `#!/bin/sh\nfor a in "$@"; do printf '[%s]' "$a" >> '${log}'; done\necho >> '${log}'\necho value-from-${cli}\n`);
    chmodSync(join(bin, cli), 0o755);
  }
  return { env: { PATH: `${bin}:${process.env.PATH}` }, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('references passed to helper CLIs', () => {
  it('refuses a vault: path or key that would reach vault as an option, at add and at use', async () => {
    const { env, calls } = standIns();
    const add = await w.conn(['add', 'custom', '--name', 'billing', '--secret', 'API_KEY=vault:-address=http://127.0.0.1:1#k', '--', 'node', 'billing.js'], { env });
    expect(add.code).toBe(2);
    expect(add.stderr).toMatch(/vault: path or key may not start with "-"/);

    // A catalog edited by hand (or from elsewhere): refused at use, the CLI never run.
    const good = await w.conn(['add', 'custom', '--name', 'billing', '--secret', 'API_KEY=vault:secret/ci#api_key', '--', 'node', 'billing.js'], { env });
    expect(good.code, good.stderr).toBe(0);
    const path = join(w.home, 'config.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('vault:secret/ci#api_key', 'vault:secret/ci#-address=http://127.0.0.1:1'));
    const repo = w.gitRepo('repo');
    const render = await w.conn(['render', '--repo', repo], { env });
    expect(render.code).toBe(1);
    expect(render.stderr).toMatch(/billing\/API_KEY: a vault: path or key may not start with "-"/);
    expect(calls()).toEqual([]);

    // A well-formed reference reaches the CLI as plain arguments.
    writeFileSync(path, readFileSync(path, 'utf8').replace('vault:secret/ci#-address=http://127.0.0.1:1', 'vault:secret/ci#api_key'));
    expect((await w.conn(['render', '--repo', repo], { env })).code).toBe(0);
    expect(calls()).toEqual(['[kv][get][-field=api_key][secret/ci]']);
  });
});

describe('conn doctor', () => {
  it('words each state: present, env var unset, no secrets', async () => {
    expect((await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'ntn_doctor_value' })).code).toBe(0);
    expect((await w.conn(['add', 'custom', '--name', 'byenv', '--secret', 'API_KEY=env:CONN_TEST_UNSET_VAR', '--', 'node', 'x.js'])).code).toBe(0);
    expect((await w.conn(['add', 'memory'])).code).toBe(0);
    const r = await w.conn(['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/connection notion: secrets present/);
    expect(r.stdout).toMatch(/FAIL connection byenv: env var CONN_TEST_UNSET_VAR unset \(API_KEY is env:CONN_TEST_UNSET_VAR\)/);
    expect(r.stdout).toMatch(/ok {3}connection memory: no secrets/);
    const set = await w.conn(['doctor', '--json'], { env: { CONN_TEST_UNSET_VAR: 'now-set' } });
    expect(set.code, set.stdout).toBe(0);
    expect(set.stdout).not.toContain('now-set');
    expect(set.stdout).not.toContain('ntn_doctor_value');
  });

  it('says the keychain is unreachable instead of "ok" when it cannot check', async () => {
    expect((await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'ntn_doctor_value' })).code).toBe(0);
    const r = await w.conn(['doctor'], { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(w.tmp, 'no-bus')}` } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL connection notion: keychain unreachable, NOTION_TOKEN not checked/);
  });

  it('lists keychain items of no connection and removes them with --remove-orphans', async () => {
    expect((await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'ntn_doctor_value' })).code).toBe(0);
    // What a kill -9 during `edit --rename` leaves: the item under a name no connection has.
    const { Entry } = await import('@napi-rs/keyring');
    new Entry(w.service, 'gone/NOTION_TOKEN', { linux: { store: 'secret-service' } }).setPassword('orphan-value');
    const r = await w.conn(['doctor', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, orphans: ['gone/NOTION_TOKEN'], removed: [] });
    const fix = await w.conn(['doctor', '--remove-orphans']);
    expect(fix.code, fix.stdout).toBe(0);
    expect(fix.stdout).toMatch(/orphan secrets: removed 1: gone\/NOTION_TOKEN/);
    expect(keychainItems(w.service)).toEqual({ 'notion/NOTION_TOKEN': 'ntn_doctor_value' });
  });
});

describe('two CONN_HOMEs', () => {
  // No CONN_KEYCHAIN_SERVICE: the service comes from the home (`conn@<home id>`).
  const own = { CONN_KEYCHAIN_SERVICE: '' };
  const homeId = (home: string) => readFileSync(join(home, 'home-id'), 'utf8').trim();

  it('never read or delete each other\'s items, even with the same catalog', async () => {
    const other = makeWorld();
    try {
      const name = `shared-${Math.random().toString(36).slice(2, 8)}`;
      expect((await w.conn(['add', 'custom', '--name', name, '--secret-stdin', 'API_KEY', '--', 'node', 'x.js'], { input: 'value-of-home-a', env: own })).code).toBe(0);
      // The second home imports the same catalog (a copy of the file).
      mkdirSync(other.home, { recursive: true });
      writeFileSync(join(other.home, 'config.json'), readFileSync(join(w.home, 'config.json')));
      const env = await other.conn(['env', '--repo', other.gitRepo('r'), '--format', 'json'], { env: own });
      expect(env.code).toBe(1);
      expect(env.stderr).toMatch(new RegExp(`secret API_KEY of ${name} is missing`));
      expect(homeId(other.home)).not.toBe(homeId(w.home));
      const rm = await other.conn(['remove', name, '--yes'], { env: own });
      expect(rm.code, rm.stderr).toBe(0);
      expect(keychainItems(`conn@${homeId(w.home)}`)).toEqual({ [`${name}/API_KEY`]: 'value-of-home-a' });
    } finally {
      other.cleanup();
    }
  });

  it('a home from before home ids gets copies of its own items from the shared service, once', async () => {
    const name = `legacy-${Math.random().toString(36).slice(2, 8)}`;
    // Written as conn did before: service `conn`, shared by every home.
    expect((await w.conn(['add', 'custom', '--name', name, '--secret-stdin', 'API_KEY', '--', 'node', 'x.js'], { input: 'legacy-value', env: { CONN_KEYCHAIN_SERVICE: 'conn' } })).code).toBe(0);
    expect(existsSync(join(w.home, 'home-id'))).toBe(false);
    const env = await w.conn(['env', '--repo', w.gitRepo('r'), '--format', 'json'], { env: own });
    expect(env.code, env.stderr).toBe(0);
    expect(JSON.parse(env.stdout)).toEqual({ [`CONN_${name.toUpperCase().replace(/-/g, '_')}_API_KEY`]: 'legacy-value' });
    expect(keychainItems(`conn@${homeId(w.home)}`)).toEqual({ [`${name}/API_KEY`]: 'legacy-value' });
    // Copied, not moved: another home may still use the shared item.
    expect(keychainItems('conn')[`${name}/API_KEY`]).toBe('legacy-value');
  });
});
