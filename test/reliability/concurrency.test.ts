// Concurrency: 50 mutating commands from parallel processes against one CONN_HOME lose nothing, and
// a reader polling the catalog meanwhile never sees a half-written file. Renders racing with secret
// edits never write a half-resolved agent file.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type RunResult, type World } from '../helpers/world.js';
import { ARGV_ECHO, NODE, processesOfWorld, reportFigures, stillAlive } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

let writers = 0;
let lost = 0;
afterAll(() => reportFigures('concurrency', { writers, lost }));

/** Reads `path` in a loop until stopped, JSON.parse-ing every read; returns reads and failures. */
function pollParse(path: string, check: (data: unknown) => string | undefined = () => undefined) {
  let stop = false;
  const stats = { reads: 0, failures: [] as string[] };
  const done = (async () => {
    while (!stop) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        await new Promise((r) => setImmediate(r));
        continue; // not there yet
      }
      stats.reads++;
      try {
        const problem = check(JSON.parse(text));
        if (problem) stats.failures.push(problem);
      } catch (err) {
        stats.failures.push(`${(err as Error).message}: ${JSON.stringify(text.slice(0, 120))}`);
      }
      // Poll about every millisecond, leaving the two cores to the writers (a polling pace, not a sync).
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return { stats, stop: async () => ((stop = true), await done) };
}

interface Catalog {
  connections: Record<string, { enabled: boolean; fields: Record<string, string>; health: { status: string } }>;
  assignments: { id: string; connection: string; repos: string[] }[];
}

describe('concurrent writers', () => {
  it('loses none of 50 changes made by parallel processes, and the catalog always parses', async () => {
    const records = join(w.tmp, 'records');
    mkdirSync(records);
    // The starting state, built sequentially.
    const setup: string[][] = [];
    for (let i = 0; i < 8; i++) setup.push(['add', 'custom', '--name', `pre-${i}`, '--', NODE, 'x.js']);
    for (let i = 0; i < 5; i++) setup.push(['add', 'memory', '--name', `gone-${i}`]);
    for (let i = 0; i < 3; i++) setup.push(['add', 'memory', '--name', `off-${i}`, '--disabled']);
    for (let i = 0; i < 3; i++) setup.push(['add', 'custom', '--name', `probe-${i}`, '--set', `env.RECORD_DIR=${records}`, '--', NODE, ARGV_ECHO]);
    for (const args of setup) expect((await w.conn(args)).code).toBe(0);
    const unassignIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await w.conn(['assign', `off-${i % 3}`, '--repo', `github.com/acme/old-${i}`, '--json']);
      unassignIds.push(JSON.parse(r.stdout).id);
    }

    // 50 mutations, all at once.
    const ops: { args: string[]; check: (c: Catalog, r: RunResult) => boolean }[] = [];
    for (let i = 0; i < 15; i++) ops.push({ args: ['add', 'memory', '--name', `new-${i}`], check: (c) => Boolean(c.connections[`new-${i}`]) });
    for (let i = 0; i < 8; i++) ops.push({ args: ['edit', `pre-${i}`, '--set', `env.MARK=v${i}`], check: (c) => c.connections[`pre-${i}`]?.fields['env.MARK'] === `v${i}` });
    for (let i = 0; i < 6; i++) {
      ops.push({
        args: ['assign', `pre-${i}`, '--repo', `github.com/acme/r-${i}`, '--json'],
        check: (c, r) => c.assignments.some((a) => a.id === JSON.parse(r.stdout).id && a.connection === `pre-${i}`),
      });
    }
    for (const id of unassignIds) ops.push({ args: ['unassign', id], check: (c) => !c.assignments.some((a) => a.id === id) });
    for (let i = 0; i < 5; i++) ops.push({ args: ['remove', `gone-${i}`, '--yes'], check: (c) => !c.connections[`gone-${i}`] });
    for (let i = 0; i < 5; i++) ops.push({ args: ['disable', `pre-${i}`], check: (c) => c.connections[`pre-${i}`]?.enabled === false });
    for (let i = 0; i < 3; i++) ops.push({ args: ['enable', `off-${i}`], check: (c) => c.connections[`off-${i}`]?.enabled === true });
    for (let i = 0; i < 3; i++) ops.push({ args: ['test', `probe-${i}`], check: (c) => c.connections[`probe-${i}`]?.health.status === 'healthy' });
    expect(ops).toHaveLength(50);

    const reader = pollParse(join(w.home, 'config.json'));
    const results = await Promise.all(ops.map((op) => w.conn(op.args)));
    await reader.stop();
    writers += ops.length;

    const failed = results.map((r, i) => ({ r, args: ops[i]!.args })).filter(({ r }) => r.code !== 0);
    expect(failed.map(({ r, args }) => `${args.join(' ')}: ${r.code} ${r.stderr}`)).toEqual([]);
    const final = JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8')) as Catalog;
    const missing = ops.filter((op, i) => !op.check(final, results[i]!)).map((op) => op.args.join(' '));
    lost += missing.length;
    expect(missing).toEqual([]);
    expect(reader.stats.failures).toEqual([]);
    expect(reader.stats.reads).toBeGreaterThan(10);
    console.log(`concurrency: 50 writers, catalog read and parsed ${reader.stats.reads} times while they ran`);

    // Each tested server is gone, and so is every conn process.
    const pids = readdirSync(records).map((f) => JSON.parse(readFileSync(join(records, f), 'utf8')).pid as number);
    expect(pids).toHaveLength(3);
    expect(await stillAlive([...pids, ...processesOfWorld(w.home)])).toEqual([]);
  }, 60_000);

  it('never writes a half-resolved .mcp.json while renders race with secret edits', async () => {
    const repo = w.gitRepo('repo');
    const values = Array.from({ length: 9 }, (_, i) => `race-secret-${i}-${'z'.repeat(i * 50)}`);
    const add = await w.conn(['add', 'custom', '--name', 'racer', '--secret-stdin', 'API_KEY', '--', NODE, ARGV_ECHO], { input: values[0] });
    expect(add.code, add.stderr).toBe(0);
    expect((await w.conn(['render', '--repo', repo])).code).toBe(0);

    const check = (data: unknown) => {
      const value = (data as { mcpServers?: Record<string, { env?: Record<string, string> }> }).mcpServers?.racer?.env?.API_KEY;
      return values.includes(value ?? '') ? undefined : `unexpected API_KEY ${JSON.stringify(value)}`;
    };
    const reader = pollParse(join(repo, '.mcp.json'), check);
    let editing = true;
    const renders: RunResult[] = [];
    const renderLoop = (async () => {
      while (editing) renders.push(await w.conn(['render', '--repo', repo, '--quiet']));
    })();
    const edits: RunResult[] = [];
    for (const value of values.slice(1)) edits.push(await w.conn(['edit', 'racer', '--secret-stdin', 'API_KEY'], { input: value }));
    editing = false;
    await renderLoop;
    const last = await w.conn(['render', '--repo', repo]);
    await reader.stop();

    expect(edits.map((e) => e.code)).toEqual(values.slice(1).map(() => 0));
    expect(renders.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    expect(last.code, last.stderr).toBe(0);
    expect(reader.stats.failures).toEqual([]);
    expect(reader.stats.reads).toBeGreaterThan(5);
    // After the race, the file holds the last value (no stale render is taken for "unchanged").
    expect(JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers.racer.env.API_KEY).toBe(values.at(-1));
    console.log(`render race: ${renders.length} renders against ${edits.length} secret edits, .mcp.json parsed ${reader.stats.reads} times`);
  }, 60_000);
});
