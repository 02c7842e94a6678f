// `conn test` against servers of both protocol eras, over stdio and Streamable HTTP: server/discover
// where answered (2026-07-28), else initialize (2025). Real servers: SDK v2 fixtures limited to the
// new revision, the reference servers (SDK v1) for the old one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';
import { EVERYTHING, NODE, fixture, startHttpFixture, type HttpFixture } from './helpers.js';

interface Report {
  name: string;
  status: string;
  protocolVersion?: string;
  era?: string;
  ttlMs?: number;
  cacheScope?: string;
  server?: { name: string; version: string };
  error?: string;
  transport?: string;
}

let world: World;
beforeEach(() => {
  world = makeWorld();
});
afterEach(() => world.cleanup());

let modernHttp: HttpFixture;
beforeAll(async () => {
  modernHttp = await startHttpFixture(fixture('modern-http.mjs'));
});
afterAll(async () => modernHttp.stop());

async function testJson(name: string): Promise<Report> {
  const r = await world.conn(['test', name, '--json']);
  const [report] = JSON.parse(r.stdout) as Report[];
  return { ...report!, ...(r.code !== 0 ? { exit: r.code } : {}) } as Report;
}

describe('conn test speaks both protocol eras', () => {
  it('a 2026-07-28-only stdio server: discover, its version, identity and cache hints, recorded in the catalog', async () => {
    const pidLog = join(world.tmp, 'spawns');
    // Counts starts: the discover probe must run in place, on the one process conn started.
    expect((await world.conn(['add', 'custom', '--name', 'modern', '--', '/bin/sh', '-c', `echo x >> ${pidLog}; exec ${NODE} ${fixture('modern-stdio.mjs')}`])).code).toBe(0);
    const report = await testJson('modern');
    expect(report).toMatchObject({ status: 'healthy', protocolVersion: '2026-07-28', era: 'modern', ttlMs: 60_000, cacheScope: 'public', server: { name: 'modern', version: '2.0.0' } });
    expect(readFileSync(pidLog, 'utf8').trim().split('\n')).toHaveLength(1);
    const catalog = JSON.parse(readFileSync(join(world.home, 'config.json'), 'utf8'));
    expect(catalog.connections.modern.health).toMatchObject({ status: 'healthy', protocolVersion: '2026-07-28' });
    const human = await world.conn(['test', 'modern']);
    expect(human.stdout).toContain('2026-07-28');
  });

  it('a 2025 server (server-everything over stdio): falls back to initialize', async () => {
    expect((await world.conn(['add', 'custom', '--name', 'old', '--', NODE, EVERYTHING, 'stdio'])).code).toBe(0);
    const report = await testJson('old');
    expect(report.status).toBe('healthy');
    expect(report.era).toBe('legacy');
    expect(report.protocolVersion).toMatch(/^2025-/);
    expect(report.ttlMs).toBeUndefined();
  });

  it('a 2026-07-28-only Streamable HTTP server', async () => {
    expect((await world.conn(['add', 'remote', '--name', 'mhttp', '--set', `url=${modernHttp.url('/mcp')}`])).code).toBe(0);
    const report = await testJson('mhttp');
    expect(report).toMatchObject({ status: 'healthy', transport: 'http', protocolVersion: '2026-07-28', era: 'modern', ttlMs: 60_000, cacheScope: 'public' });
  });

  it('a server that answers neither discover nor initialize: one line', async () => {
    expect((await world.conn(['add', 'custom', '--name', 'mute', '--', NODE, fixture('method-not-found.mjs')])).code).toBe(0);
    const r = await world.conn(['test', 'mute']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('answers neither server/discover nor initialize');
  });
});
