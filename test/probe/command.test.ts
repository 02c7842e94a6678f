// `conn test` through its real `run`: real catalog in a temp CONN_HOME, real fixture servers.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTest, run, type TestReport } from '../../src/commands/test.js';
import { createDeps } from '../../src/deps.js';
import { OperationError, UsageError } from '../../src/errors.js';
import type { Catalog, Connection } from '../../src/catalog/model.js';
import { createIo } from '../../src/ui/io.js';
import { NODE, fixture, tempDir } from './helpers.js';

const SECRET = `cmd-secret-${Math.random().toString(36).slice(2)}`;

function custom(name: string, command: string[], extra: Partial<Connection> = {}): Connection {
  return {
    name, preset: 'custom', kind: 'stdio', enabled: true, fields: {}, secrets: [], command,
    createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', health: { status: 'unknown' }, ...extra,
  };
}

describe('conn test', () => {
  let home: string;
  let cleanup: () => void;
  const env = () => ({ CONN_HOME: home, NO_COLOR: '1', PATH: process.env.PATH ?? '', CONN_TEST_SECRET: SECRET });

  function harness(json: boolean) {
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    out.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    err.resume();
    const io = createIo({ json, env: env(), stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream });
    return { deps: { ...createDeps({ env: env() }), io }, stdout: () => stdout };
  }
  const onDisk = (): Catalog => JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as Catalog;

  beforeEach(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    home = join(t.dir, 'home');
    await harness(false).deps.catalog.update((c) => {
      c.connections.echo = custom('echo', [NODE, fixture('env-echo.mjs')], {
        secrets: ['SECRET_TOKEN'], secretRefs: { SECRET_TOKEN: 'env:CONN_TEST_SECRET' },
      });
      c.connections.tiny = custom('tiny', [NODE, fixture('tiny-server.mjs')], {
        health: { status: 'healthy', tools: [{ name: 'echo', hash: 'old' }, { name: 'gone', hash: 'x' }] },
      });
      c.connections.broken = custom('broken', [NODE, fixture('crash.mjs')]);
      c.connections.off = custom('off', [NODE, fixture('crash.mjs')], { enabled: false });
    });
  });
  afterEach(() => cleanup());

  it('tests every enabled connection, records health and drift, prints JSON, and fails on an unhealthy one', async () => {
    const h = harness(true);
    await expect(run(parseTest([], { tools: true }), h.deps)).rejects.toThrow(OperationError);
    const reports = JSON.parse(h.stdout()) as TestReport[];
    expect(reports.map((r) => [r.name, r.status])).toEqual([['broken', 'error'], ['echo', 'healthy'], ['tiny', 'healthy']]);
    expect(reports[0]?.error).toBe('exited with code 1');
    expect(reports[0]?.stderr).toContain('Error: API_KEY environment variable is required');
    expect(reports[2]?.drift).toEqual({ added: ['wipe'], removed: ['gone'], changed: ['echo'] });
    expect(reports[2]?.tools).toEqual([{ name: 'echo', class: 'read' }, { name: 'wipe', class: 'destructive' }]);
    expect(h.stdout()).not.toContain(SECRET);

    const saved = onDisk();
    expect(saved.connections.echo?.health.status).toBe('healthy');
    expect(saved.connections.echo?.health.server?.name).toBe('env-echo');
    expect(saved.connections.broken?.health).toMatchObject({ status: 'error', error: 'exited with code 1' });
    expect(saved.connections.tiny?.health.tools?.map((t) => t.name)).toEqual(['echo', 'wipe']);
    expect(saved.connections.off?.health.status).toBe('unknown');
    expect(readFileSync(join(home, 'config.json'), 'utf8')).not.toContain(SECRET);
  });

  it('tests only the named connections and succeeds when they are healthy', async () => {
    const h = harness(false);
    await run(parseTest(['tiny'], {}), h.deps);
    expect(h.stdout()).toMatch(/tiny\s+healthy\s+stdio\s+2025-\d\d-\d\d\s+tiny 1\.0\.0\s+2/);
    expect(onDisk().connections.broken?.health.status).toBe('unknown');
  });

  it('rejects a bad --timeout as usage', () => {
    expect(() => parseTest([], { timeout: 'soon' })).toThrow(UsageError);
    expect(parseTest([], { timeout: '2.5' }).timeoutMs).toBe(2500);
  });
});
