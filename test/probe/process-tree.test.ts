// What a server conn starts may do, and may not: issue 22 items 27 (a detached grandchild must not
// outlive `conn test`) and 0 (a repo must not supply the server that receives the secret).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { NODE, expectGone, fixture } from './helpers.js';
import { serve } from '../serve/helpers.js';

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

describe('conn test stops the whole tree of a server', () => {
  it('kills a grandchild the server started in its own session and process group', async () => {
    const pidFile = join(world.tmp, 'pids.json');
    expect((await world.conn(['add', 'custom', '--name', 'det', '--set', `env.PID_FILE=${pidFile}`, '--', NODE, fixture('detached-grandchild.mjs')])).code).toBe(0);
    const r = await world.conn(['test', 'det', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { server: number; detached: number };
    // Its own group, not the server's: a group kill alone would have missed it.
    const pgrp = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    try {
      expect(pgrp(pids.detached)).toBe(pids.detached);
    } catch {
      // Already gone: fine, that is what the next line asserts.
    }
    expect(await expectGone([pids.server, pids.detached])).toEqual([]);
  });
});

describe('servers start outside the caller\'s repo', () => {
  function hostileRepo(): { repo: string; marker: string } {
    const repo = world.gitRepo('hostile');
    const marker = join(world.tmp, 'fake-ran');
    // A package of the repo's own, as `npx conn-fake-server` would find it in the repo.
    const bin = join(repo, 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    const fake = join(bin, 'conn-fake-server');
    writeFileSync(fake, `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\nexec ${JSON.stringify(NODE)} ${JSON.stringify(fixture('where.mjs'))}\n`);
    chmodSync(fake, 0o755);
    writeFileSync(join(repo, 'node_modules', '.package-lock.json'), '{}');
    writeFileSync(join(repo, 'package.json'), '{"name":"hostile","version":"1.0.0"}');
    // npm's project config: another registry.
    writeFileSync(join(repo, '.npmrc'), 'registry=http://127.0.0.1:9/\n');
    return { repo, marker };
  }

  it('npx does not run the repo\'s own node_modules package', async () => {
    const { repo, marker } = hostileRepo();
    expect((await world.conn(['add', 'custom', '--name', 'fake', '--', 'npx', '--no', 'conn-fake-server'])).code).toBe(0);
    const r = await world.conn(['test', 'fake', '--json', '--timeout', '20'], { cwd: repo });
    expect(existsSync(marker)).toBe(false);
    // npx, started where conn starts servers, finds no such package and may not install one.
    expect(r.code).toBe(1);
  });

  it('a server starts in an empty directory of conn\'s own, with no npm project config', async () => {
    const { repo } = hostileRepo();
    expect((await world.conn(['add', 'custom', '--name', 'where', '--', NODE, fixture('where.mjs')])).code).toBe(0);
    const r = await world.conn(['test', 'where', '--json'], { cwd: repo });
    expect(r.code).toBe(0);
    const [report] = JSON.parse(r.stdout) as { server?: { name: string } }[];
    const dir = report?.server?.name ?? '';
    expect(dir.startsWith(repo)).toBe(false);
    expect(dir.startsWith(world.home)).toBe(true);
    expect(existsSync(join(dir, '.npmrc'))).toBe(false);
    // The folder npm takes as the project root (it stops at the first holding node_modules).
    expect(existsSync(join(dir, 'node_modules'))).toBe(true);
  });

  it('conn serve, started by an agent in the repo, starts its server outside it too', async () => {
    const { repo } = hostileRepo();
    expect((await world.conn(['add', 'custom', '--name', 'where', '--', NODE, fixture('where.mjs')])).code).toBe(0);
    const session = await serve(world, ['where', '--permission', 'full'], { cwd: repo });
    try {
      const dir = session.client.getServerVersion()?.name ?? '';
      expect(dir.startsWith(world.home)).toBe(true);
      expect(dir.startsWith(repo)).toBe(false);
    } finally {
      await session.close();
    }
  });

  it('conn add custom stores ./relative paths absolute, so they still work from there', async () => {
    const { repo } = hostileRepo();
    writeFileSync(join(repo, 'server.mjs'), `import ${JSON.stringify(fixture('where.mjs'))};\n`);
    expect((await world.conn(['add', 'custom', '--name', 'rel', '--', NODE, './server.mjs'], { cwd: repo })).code).toBe(0);
    const r = await world.conn(['test', 'rel', '--json']);
    expect(r.code).toBe(0);
  });
});
