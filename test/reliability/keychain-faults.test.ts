// Keychain faults: unreachable, locked, an item deleted behind conn's back, and a Secret Service that
// never answers. Each command that needs a secret fails within 5 s with one line naming the way out,
// exit 1, and leaves the catalog and the agent files exactly as they were.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, runProcess, type RunResult, type World } from '../helpers/world.js';
import { ARGV_ECHO, NODE, changes, expectCleanFailure, processesOfWorld, snapshot, startPrivateKeyring, stillAlive, type PrivateKeyring } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SECRET = 'faults-canary-4be1d0';

/** A world with one custom connection holding a secret, rendered once inline into a git repo. */
async function setup(extraEnv: Record<string, string> = {}): Promise<{ w: World; repo: string }> {
  const w = makeWorld(extraEnv);
  cleanups.push(() => w.cleanup());
  const repo = w.gitRepo('repo');
  const add = await w.conn(['add', 'custom', '--name', 'svc', '--secret-stdin', 'API_KEY', '--', NODE, ARGV_ECHO], { input: SECRET });
  expect(add.code, add.stderr).toBe(0);
  const render = await w.conn(['render', '--repo', repo]);
  expect(render.code, render.stderr).toBe(0);
  expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toContain(SECRET);
  // A non-secret change (no keychain needed), so the next render cannot take the no-change path.
  const edit = await w.conn(['edit', 'svc', '--set', 'env.MARK=2']);
  expect(edit.code, edit.stderr).toBe(0);
  return { w, repo };
}

interface Attempt {
  what: string;
  args: string[];
  input?: string;
}

const attempts = (repo: string): Attempt[] => [
  { what: 'add with a secret', args: ['add', 'notion', '--name', 'n2', '--secret-stdin', 'NOTION_TOKEN'], input: 'ntn_other' },
  { what: 'render inline', args: ['render', '--repo', repo] },
  { what: 'edit a secret', args: ['edit', 'svc', '--secret-stdin', 'API_KEY'], input: 'new-value' },
  { what: 'remove', args: ['remove', 'svc', '--yes'] },
  { what: 'env', args: ['env', '--repo', repo] },
];

async function timed(w: World, a: Attempt, env: Record<string, string> = {}): Promise<RunResult & { ms: number }> {
  const started = Date.now();
  // A hard bound well above the 5 s promise, so a hung conn shows up as a slow failure, not a stuck suite.
  const r = await runProcess(NODE, [CONN_BIN, ...a.args], { cwd: w.tmp, env: { ...w.env, ...env }, input: a.input ?? '', timeoutMs: 12_000 });
  return { ...r, ms: Date.now() - started };
}

/** Runs every attempt (concurrently: each must fail on its own) and checks the failure shape. */
async function expectAllFail(w: World, repo: string, env: Record<string, string>, message: RegExp): Promise<void> {
  const before = snapshot(w.home, repo);
  const results = await Promise.all(attempts(repo).map(async (a) => ({ a, r: await timed(w, a, env) })));
  const problems: string[] = [];
  for (const { a, r } of results) {
    try {
      expectCleanFailure(r, [1], a.what);
      expect(r.stderr, a.what).toMatch(message);
      expect(r.stderr, a.what).toMatch(/CONN_SECRET_STORE=file/);
      expect(r.stderr, a.what).not.toContain(SECRET);
    } catch (err) {
      problems.push((err as Error).message.split('\n').slice(0, 4).join(' | '));
    }
    if (r.ms >= 6_000) problems.push(`${a.what}: took ${r.ms} ms (exit ${r.code}, signal ${r.signal}; stderr ${JSON.stringify(r.stderr.trim())})`);
  }
  expect(changes(before, snapshot(w.home, repo))).toEqual([]);
  expect(await stillAlive(processesOfWorld(w.home))).toEqual([]);
  expect(problems).toEqual([]);
}

describe('keychain faults: one line, within 5 s, exit 1, nothing written', () => {
  it('fails cleanly when the keychain is unreachable (no Secret Service on the bus)', async () => {
    requireKeychain();
    const { w, repo } = await setup();
    await expectAllFail(w, repo, { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(w.tmp, 'no-such-bus')}` }, /keychain unreachable/);
  }, 60_000);

  it('fails cleanly when the keyring is locked (daemon started without --unlock)', async () => {
    const k = await startPrivateKeyring();
    cleanups.push(() => k.stop());
    const { w, repo } = await setup({ DBUS_SESSION_BUS_ADDRESS: k.address });
    await k.stopDaemon();
    await k.startDaemon(false);
    await expectAllFail(w, repo, {}, /keychain is locked/);
  }, 60_000);

  it('fails cleanly, and exits, when the Secret Service never answers (SIGSTOPped daemon)', async () => {
    let k: PrivateKeyring | undefined = await startPrivateKeyring();
    cleanups.push(() => k?.stop());
    const { w, repo } = await setup({ DBUS_SESSION_BUS_ADDRESS: k.address });
    k.freeze();
    try {
      // A hung keychain is not a locked one: the message must not send the user to unlock it.
      await expectAllFail(w, repo, {}, /keychain (did not answer|is not answering)/);
    } finally {
      // Stop the frozen daemon before the world's own cleanup talks to the bus.
      await k.stop();
      k = undefined;
    }
  }, 90_000);

  // Issue 22 item 5 changed what a render does with one connection whose secret is gone: the others are
  // written and the broken one's entry (and its old secret) leaves the file; the render still exits 1
  // naming it and the fix. `conn env` writes nothing either way.
  it('names the missing secret and `conn edit` when an item was deleted behind its back; the stale secret leaves the file', async () => {
    requireKeychain();
    const { w, repo } = await setup();
    const { Entry } = await import('@napi-rs/keyring');
    new Entry(w.service, 'svc/API_KEY', { linux: { store: 'secret-service' } }).deletePassword();
    const before = snapshot(w.home, repo);
    for (const args of [['render', '--repo', repo], ['render', '--repo', repo, '--agent', 'cursor'], ['env', '--repo', repo]]) {
      const r = await timed(w, { what: args.join(' '), args });
      expectCleanFailure(r, [1], args.join(' '));
      expect(r.stderr).toMatch(/secret API_KEY of svc is missing/);
      expect(r.stderr).toMatch(/conn edit svc --secret API_KEY/);
      expect(r.ms).toBeLessThan(6_000);
    }
    // The only connection is left out, so its entry, which held the old secret, is gone from the file.
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).not.toContain(SECRET);
    // Besides the agent files, their render states and git's exclude list (the leak guard), nothing changed.
    expect(changes(before, snapshot(w.home, repo)).filter((c) => !c.includes('/renders/') && !c.endsWith('.mcp.json') && !c.endsWith('/.git/info/exclude'))).toEqual([]);
  }, 60_000);

  it('records an unhealthy test, without hanging, when the keychain is unreachable', async () => {
    requireKeychain();
    const { w } = await setup();
    const r = await timed(w, { what: 'test', args: ['test', 'svc', '--json'] }, { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(w.tmp, 'no-bus')}` });
    expect(r.code, r.stderr).toBe(1);
    expect(r.ms).toBeLessThan(6_000);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const [report] = JSON.parse(r.stdout);
    expect(report).toMatchObject({ name: 'svc', status: 'error' });
    expect(report.error).toMatch(/keychain/);
    JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8'));
  }, 30_000);
});
