// Issue 22 item 0, its last part: servers conn starts run in conn's own empty directory, unless the
// connection names a working directory on purpose (`conn add … --cwd`, `conn edit --cwd/--no-cwd`,
// an imported `cwd`). Every spawn of conn's (test, call, serve) honours it, `show` says so, and
// renders write it back to the agents that have the setting.
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { NODE, fixture } from './helpers.js';
import { serve } from '../serve/helpers.js';

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

/** The directory `where.mjs` reported as its serverInfo name in a `conn test --json`. */
async function testedDir(name: string, cwd?: string): Promise<string> {
  const r = await world.conn(['test', name, '--json'], cwd ? { cwd } : {});
  expect(r.code, r.stderr).toBe(0);
  const [report] = JSON.parse(r.stdout) as { server?: { name: string } }[];
  return report?.server?.name ?? '';
}

function catalog(): { connections: Record<string, { settings?: { cwd?: string } }> } {
  return JSON.parse(readFileSync(join(world.home, 'config.json'), 'utf8'));
}

describe('a connection may name the directory its server starts in', () => {
  it('conn test and conn call start it there with --cwd, and in conn\'s own directory without', async () => {
    const dir = join(world.tmp, 'server-home');
    mkdirSync(dir);
    const marker = join(world.tmp, 'started-in');
    // Given relative: resolved against where conn add runs, stored absolute.
    const add = await world.conn(['add', 'custom', '--name', 'where', '--cwd', 'server-home', '--set', `env.MARKER_FILE=${marker}`, '--', NODE, fixture('where.mjs')], { cwd: world.tmp });
    expect(add.code, add.stderr).toBe(0);
    expect(catalog().connections.where?.settings?.cwd).toBe(dir);
    expect(realpathSync(await testedDir('where'))).toBe(realpathSync(dir));

    rmSync(marker, { force: true });
    const call = await world.conn(['call', 'where', 'noop']);
    expect(call.code, call.stderr).toBe(0);
    expect(realpathSync(readFileSync(marker, 'utf8'))).toBe(realpathSync(dir));

    const show = await world.conn(['show', 'where']);
    expect(show.stdout).toMatch(new RegExp(`cwd: +${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(its server starts here, on purpose\\)`));

    const off = await world.conn(['edit', 'where', '--no-cwd']);
    expect(off.code, off.stderr).toBe(0);
    expect(catalog().connections.where?.settings).toBeUndefined();
    const back = await testedDir('where');
    expect(back.startsWith(world.home)).toBe(true);
    rmSync(marker, { force: true });
    expect((await world.conn(['call', 'where', 'noop'])).code).toBe(0);
    expect(readFileSync(marker, 'utf8').startsWith(world.home)).toBe(true);

    const on = await world.conn(['edit', 'where', '--cwd', dir]);
    expect(on.code, on.stderr).toBe(0);
    expect(realpathSync(await testedDir('where'))).toBe(realpathSync(dir));
  });

  it('conn serve (what an agent starts in the repo) starts it in the named directory', async () => {
    const dir = join(world.tmp, 'named');
    mkdirSync(dir);
    expect((await world.conn(['add', 'custom', '--name', 'where', '--cwd', dir, '--', NODE, fixture('where.mjs')])).code).toBe(0);
    const repo = world.gitRepo('app');
    const session = await serve(world, ['where', '--permission', 'full'], { cwd: repo });
    try {
      expect(realpathSync(session.client.getServerVersion()?.name ?? '')).toBe(realpathSync(dir));
    } finally {
      await session.close();
    }
  });

  it('the repo\'s own node_modules is reached only when the connection names the repo', async () => {
    const repo = world.gitRepo('tools');
    const marker = join(world.tmp, 'local-ran');
    const bin = join(repo, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'conn-local-server'), `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\nexec ${JSON.stringify(NODE)} ${JSON.stringify(fixture('where.mjs'))}\n`);
    chmodSync(join(bin, 'conn-local-server'), 0o755);
    writeFileSync(join(repo, 'package.json'), '{"name":"tools","version":"1.0.0"}');

    expect((await world.conn(['add', 'custom', '--name', 'local', '--', 'npx', '--no', 'conn-local-server'])).code).toBe(0);
    const without = await world.conn(['test', 'local', '--json', '--timeout', '20'], { cwd: repo });
    expect(without.code).toBe(1);
    expect(existsSync(marker)).toBe(false);

    expect((await world.conn(['edit', 'local', '--cwd', '.'], { cwd: repo })).code).toBe(0);
    expect(realpathSync(await testedDir('local'))).toBe(realpathSync(repo));
    expect(existsSync(marker)).toBe(true);
  });

  it('refuses a directory that is not there, and --cwd on a remote connection, in one line (exit 2)', async () => {
    const missing = await world.conn(['add', 'custom', '--name', 'x', '--cwd', join(world.tmp, 'nope'), '--', NODE, fixture('where.mjs')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('is not a directory');
    // Nothing written: no catalog at all yet.
    expect(existsSync(join(world.home, 'config.json'))).toBe(false);

    const remote = await world.conn(['add', 'remote', '--name', 'r', '--set', 'url=https://mcp.example.com/mcp', '--cwd', world.tmp]);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/--cwd is for connections that start a local server/);

    expect((await world.conn(['add', 'custom', '--name', 'y', '--', NODE, fixture('where.mjs')])).code).toBe(0);
    const bad = await world.conn(['edit', 'y', '--cwd', 'no-such-dir'], { cwd: world.tmp });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(catalog().connections.y?.settings).toBeUndefined();
  });

  it('a named directory removed later: conn test says so instead of "command not found"', async () => {
    const dir = join(world.tmp, 'gone');
    mkdirSync(dir);
    expect((await world.conn(['add', 'custom', '--name', 'where', '--cwd', dir, '--', NODE, fixture('where.mjs')])).code).toBe(0);
    rmSync(dir, { recursive: true });
    const r = await world.conn(['test', 'where']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(`working directory ${dir} is not a directory`);
    expect(r.stdout + r.stderr).not.toContain('command not found');
  });

  it('an imported cwd is kept, used by conn test, and written back by render', async () => {
    const repo = world.gitRepo('imp');
    const dir = join(world.tmp, 'imported-dir');
    mkdirSync(dir);
    writeFileSync(join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { where: { command: NODE, args: [fixture('where.mjs')], cwd: dir } } }));
    const imp = await world.conn(['import', '.mcp.json', '--yes', '--rewrite'], { cwd: repo });
    expect(imp.code, imp.stderr).toBe(0);
    expect(catalog().connections.where?.settings?.cwd).toBe(dir);
    expect(realpathSync(await testedDir('where'))).toBe(realpathSync(dir));
    const render = await world.conn(['render', '--agent', 'claude-code'], { cwd: repo });
    expect(render.code, render.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, { cwd?: string }> };
    expect(written.mcpServers.where?.cwd).toBe(dir);
  });

  it('an imported cwd that only the agent can resolve (relative, ${workspaceFolder}) is written back, not used by conn', async () => {
    const repo = world.gitRepo('rel');
    // Two launches that differ (an argument the fixture ignores), so import keeps both.
    const entry = (cwd: string, arg: string) => ({ command: NODE, args: [fixture('where.mjs'), arg], cwd });
    writeFileSync(join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { rel: entry('./server', 'a'), vars: entry('${workspaceFolder}/tools', 'b') } }));
    const imp = await world.conn(['import', '.mcp.json', '--yes', '--rewrite'], { cwd: repo });
    expect(imp.code, imp.stderr).toBe(0);
    expect(catalog().connections.rel?.settings?.cwd).toBe('./server');
    // conn test starts both where it starts every server (neither directory exists from here).
    expect((await testedDir('rel', repo)).startsWith(world.home)).toBe(true);
    expect((await testedDir('vars', repo)).startsWith(world.home)).toBe(true);
    expect((await world.conn(['render', '--agent', 'claude-code'], { cwd: repo })).code).toBe(0);
    const written = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, { cwd?: string }> };
    expect(written.mcpServers.rel?.cwd).toBe('./server');
    expect(written.mcpServers.vars?.cwd).toBe('${workspaceFolder}/tools');
  });
});

describe('catalog shape', () => {
  it('a catalog written before --cwd (no settings) still loads, and its servers start in conn\'s own directory', async () => {
    expect((await world.conn(['add', 'custom', '--name', 'where', '--', NODE, fixture('where.mjs')])).code).toBe(0);
    const c = catalog();
    expect(c.connections.where?.settings).toBeUndefined();
    expect((await testedDir('where')).startsWith(world.home)).toBe(true);
  });
});
