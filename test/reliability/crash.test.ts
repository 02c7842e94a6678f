// Crash safety: conn processes killed with SIGKILL at random points (a seeded PRNG decides when, counted
// from the moment each process has started) never leave a catalog or agent file that does not parse,
// and every change whose command exited 0 before its kill is there at the end.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { ARGV_ECHO, NODE, filesUnder, prng, processesOfWorld, reportFigures, stillAlive } from './helpers.js';

const SEED = Number(process.env.CONN_RELIABILITY_SEED ?? 20_240_917);
let kills = 0;
let corrupt = 0;
const worlds: World[] = [];
afterEach(() => worlds.splice(0).forEach((w) => w.cleanup()));
afterAll(() => reportFigures('crash', { kills, corrupt }));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  ms: number;
}

/** Runs conn and SIGKILLs it `killAfterMs` after it has started (never, if undefined). */
function runKilled(w: World, args: string[], killAfterMs: number | undefined): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(NODE, [CONN_BIN, ...args], { cwd: w.tmp, env: w.env, stdio: ['ignore', 'ignore', 'ignore'] });
    let timer: NodeJS.Timeout | undefined;
    let killed = false;
    child.once('spawn', () => {
      if (killAfterMs !== undefined) {
        timer = setTimeout(() => {
          killed = child.kill('SIGKILL');
        }, killAfterMs); // the experiment's random kill point, not a synchronisation
      }
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killed: killed && signal === 'SIGKILL', ms: Date.now() - started });
    });
  });
}

function parses(path: string, parse: (t: string) => unknown = JSON.parse): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // absent is fine: never written yet
  }
  try {
    parse(text);
    return undefined;
  } catch (err) {
    return `${path}: ${(err as Error).message}`;
  }
}

async function median(w: World, args: (i: number) => string[], n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await runKilled(w, args(i), undefined)).ms);
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

/** 100 catalog writes in one home, one process at a time, each killed at a random point. */
async function catalogTorture(w: World, rand: () => number, writes: number) {
  const d = await median(w, (i) => ['add', 'memory', '--name', `calib-${i}`], 3);
  const confirmedAdds: string[] = [];
  const confirmedDisables: string[] = [];
  const disableable: string[] = [];
  const problems: string[] = [];
  let staleLocks = 0;
  let myKills = 0;
  for (let i = 0; i < writes; i++) {
    const disable = disableable.length > 0 && rand() < 0.4;
    const name = disable ? disableable.splice(Math.floor(rand() * disableable.length), 1)[0]! : `k-${i}`;
    const args = disable ? ['disable', name] : ['add', 'memory', '--name', name];
    const o = await runKilled(w, args, Math.floor(rand() * d * 2));
    if (o.killed) myKills++;
    else if (o.code === 0) (disable ? confirmedDisables : confirmedAdds).push(name);
    else problems.push(`${args.join(' ')} exited ${o.code}`);
    if (!disable && o.code === 0) disableable.push(name);
    const bad = parses(join(w.home, 'config.json'));
    if (bad) problems.push(`after ${args.join(' ')} (killed: ${o.killed}): ${bad}`);
    // A kill while holding the lock leaves proper-lockfile's lock dir until it is stale (15 s).
    // Writers here run one at a time and the killed one is dead, so removing it is what waiting would do.
    try {
      statSync(join(w.home, 'config.json.lock'));
      staleLocks++;
      rmSync(join(w.home, 'config.json.lock'), { recursive: true, force: true });
    } catch {
      /* no lock left behind */
    }
  }
  return { confirmedAdds, confirmedDisables, problems, staleLocks, kills: myKills };
}

describe('kill -9 during catalog writes', () => {
  it('never leaves a catalog that does not parse, and keeps every change that exited 0 (200 writes)', async () => {
    requireKeychain();
    const a = makeWorld();
    const b = makeWorld();
    worlds.push(a, b);
    // Two homes, 100 writes each, side by side: twice the kills in the same wall time.
    const [ra, rb] = await Promise.all([catalogTorture(a, prng(SEED), 100), catalogTorture(b, prng(SEED + 1), 100)]);
    kills += ra.kills + rb.kills;
    const problems: string[] = [];
    for (const [w, r] of [[a, ra], [b, rb]] as const) {
      problems.push(...r.problems);
      const list = await runList(w);
      const byName = new Map(list.map((c) => [c.name, c]));
      for (const n of r.confirmedAdds) if (!byName.has(n)) problems.push(`lost: add ${n}`);
      for (const n of r.confirmedDisables) if (byName.get(n)?.enabled !== false) problems.push(`lost: disable ${n}`);
      const leftovers = readdirSync(w.home).filter((f) => f !== 'config.json' && f !== 'presets' && f !== 'renders' && f !== 'audit.log');
      console.log(`catalog kills (seed ${SEED}): ${r.kills} killed of 100, ${r.confirmedAdds.length} adds and ${r.confirmedDisables.length} disables confirmed, ${r.staleLocks} lock dirs left behind, other files left in CONN_HOME: ${leftovers.length} (${leftovers.slice(0, 3).join(", ")})`);
      expect(await stillAlive(processesOfWorld(w.home))).toEqual([]);
    }
    corrupt += problems.filter((p) => !p.startsWith('lost')).length;
    expect(problems).toEqual([]);
    expect(ra.kills + rb.kills).toBeGreaterThan(50);
    // Enough writes also finished, so "kept every change that exited 0" is a real check.
    expect(ra.confirmedAdds.length + rb.confirmedAdds.length + ra.confirmedDisables.length + rb.confirmedDisables.length).toBeGreaterThan(10);
  }, 110_000);

  it('replaces the catalog atomically (a new inode) even when SNAP is set, as in snap-packaged terminals', async () => {
    requireKeychain();
    const w = makeWorld({ SNAP: '/snap/code/1' });
    worlds.push(w);
    expect((await w.conn(['add', 'memory'])).code).toBe(0);
    const before = statSync(join(w.home, 'config.json')).ino;
    const r = await w.conn(['disable', 'memory']);
    expect(r.code, r.stderr).toBe(0);
    // An in-place write (same inode) can be cut short by a crash, leaving a truncated catalog.
    expect(statSync(join(w.home, 'config.json')).ino).not.toBe(before);
  });
});

async function runList(w: World): Promise<{ name: string; enabled: boolean }[]> {
  const r = await w.conn(['list', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('kill -9 during renders', () => {
  it('never leaves an agent file or render state that does not parse, and keeps every render that exited 0', async () => {
    requireKeychain();
    const w = makeWorld();
    worlds.push(w);
    const repo = w.gitRepo('repo');
    const add = await w.conn(['add', 'custom', '--name', 'victim', '--secret-stdin', 'API_KEY', '--', NODE, ARGV_ECHO], { input: 'crash-secret' });
    expect(add.code, add.stderr).toBe(0);
    expect((await w.conn(['test', 'victim'])).code).toBe(0); // tools known: a deny rule for `wipe`-like tools may be written too
    expect((await w.conn(['assign', 'victim', '--permission', 'read'])).code).toBe(0);
    let round = 0;
    const edit = async () => {
      round++;
      const r = await w.conn(['edit', 'victim', '--set', `env.ROUND=${round}`]);
      expect(r.code, r.stderr).toBe(0);
    };
    await edit();
    const d = await median(w, () => ['render', '--repo', repo, '--agent', 'claude-code', '--agent', 'gemini'], 1);
    const rand = prng(SEED + 2);
    const problems: string[] = [];
    let myKills = 0;
    let tempLeft = 0;
    for (let i = 0; i < 40; i++) {
      await edit();
      const o = await runKilled(w, ['render', '--repo', repo, '--agent', 'claude-code', '--agent', 'gemini'], Math.floor(rand() * d * 1.2));
      if (o.killed) myKills++;
      for (const file of filesUnder(repo).filter((f) => !f.includes(`${repo}/.git/`))) {
        if (/\.tmp$/.test(file)) {
          tempLeft++;
          continue; // a temp file from a killed write: never the agent file itself
        }
        const bad = parses(file);
        if (bad) problems.push(`round ${round}: ${bad}`);
      }
      for (const file of filesUnder(join(w.home, 'renders'))) {
        if (/\.tmp$/.test(file)) continue;
        const bad = parses(file);
        if (bad) problems.push(`round ${round}: ${bad}`);
      }
      if (!o.killed) {
        if (o.code !== 0) problems.push(`round ${round}: render exited ${o.code}`);
        const env = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers?.victim?.env;
        if (env?.ROUND !== String(round)) problems.push(`round ${round}: render exited 0 but .mcp.json has ROUND ${env?.ROUND}`);
      }
    }
    // A render after all the kills repairs everything: current content, right mode.
    const final = await runKilled(w, ['render', '--repo', repo, '--agent', 'claude-code', '--agent', 'gemini'], undefined);
    expect(final.code).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers.victim.env.ROUND).toBe(String(round));
    expect(JSON.parse(readFileSync(join(repo, '.gemini/settings.json'), 'utf8')).mcpServers.victim.env.ROUND).toBe(String(round));
    expect(statSync(join(repo, '.mcp.json')).mode & 0o777).toBe(0o600);
    kills += myKills;
    corrupt += problems.length;
    console.log(`render kills (seed ${SEED + 2}): ${myKills} killed of 40, temp files left by killed writes: ${tempLeft}`);
    expect(problems).toEqual([]);
    expect(await stillAlive(processesOfWorld(w.home))).toEqual([]);
  }, 60_000);
});
