// Shared by the reliability suite: file-tree snapshots, clean-failure checks, a seeded PRNG, private
// keyring daemons for fault injection, PID checks, and the per-run figures behind the summary line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT, type RunResult } from '../helpers/world.js';
import { alive } from '../helpers/processes.js';
import { waitForBusName, which } from '../helpers/dbus.js';
export { alive };

export const NODE = process.execPath;
export const ARGV_ECHO = join(ROOT, 'test/fixtures/reliability/argv-echo.mjs');
export const TINY = join(ROOT, 'test/fixtures/servers/tiny-server.mjs');

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with the printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every file (and symlink, and directory) under the given roots → a content hash and its mode. */
export function snapshot(...roots: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (path: string) => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) out.set(path, `link:${readlinkSync(path)}`);
    else if (st.isDirectory()) {
      out.set(path, `dir:${(st.mode & 0o7777).toString(8)}`);
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (st.isFile()) {
      out.set(path, `${(st.mode & 0o7777).toString(8)}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    }
  };
  for (const root of roots) walk(root);
  return out;
}

/** Paths added, removed or changed between two snapshots (empty = nothing on disk changed). */
export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const diff: string[] = [];
  for (const [p, h] of after) if (before.get(p) !== h) diff.push(`${before.has(p) ? 'changed' : 'added'} ${p}`);
  for (const p of before.keys()) if (!after.has(p)) diff.push(`removed ${p}`);
  return diff.sort();
}

/** Files (not dirs) under the roots, for scans. */
export function filesUnder(...roots: string[]): string[] {
  return [...snapshot(...roots).entries()].filter(([, h]) => !h.startsWith('dir:') && !h.startsWith('link:')).map(([p]) => p);
}

/** An unhandled error inside conn is printed with this prefix (src/errors.ts formatError). */
export const CRASH_MARK = /unexpected error:/;
export const STACK_LINE = /^\s+at /m;

/** The failure shape every bad input and fault must produce: the exit code, one error line, no stack. */
export function expectCleanFailure(r: RunResult, codes: number[], what: string): void {
  const context = `${what}\nexit ${r.code} signal ${r.signal}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`;
  expect(r.signal, context).toBeNull();
  expect(codes, context).toContain(r.code);
  expect(r.stderr, context).not.toMatch(STACK_LINE);
  expect(r.stderr, context).not.toMatch(CRASH_MARK);
  const errorLines = r.stderr.split('\n').filter((l) => /^(conn: |error: )/.test(l));
  expect(errorLines, context).toHaveLength(1);
}


/** Polls /proc until none of the PIDs is alive, or the limit passes; returns those still alive. */
export async function stillAlive(pids: number[], limitMs = 3000): Promise<number[]> {
  const end = Date.now() + limitMs;
  while (pids.some(alive) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return pids.filter(alive);
}

/** PIDs of processes whose environment names this world's CONN_HOME (everything a test of it started). */
export function processesOfWorld(home: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (env.includes(`CONN_HOME=${home}\0`) && alive(Number(entry))) found.push(Number(entry));
    } catch {
      /* gone, or not ours */
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Private keyring daemons (fault injection): a D-Bus session bus of our own with gnome-keyring.

export interface PrivateKeyring {
  address: string;
  dataDir: string;
  daemon: ChildProcess;
  /** Stops the keyring daemon only (the bus stays), e.g. to restart it locked on the same data. */
  stopDaemon(): Promise<void>;
  /** Starts the daemon again on the same bus and data; `unlock: false` leaves the login keyring locked. */
  startDaemon(unlock: boolean): Promise<void>;
  /** SIGSTOP: the Secret Service name stays owned, but no call is ever answered. */
  freeze(): void;
  stop(): Promise<void>;
}



async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

export async function startPrivateKeyring(): Promise<PrivateKeyring> {
  if (!which('dbus-daemon') || !which('gnome-keyring-daemon')) throw new Error('dbus-daemon and gnome-keyring-daemon are needed');
  const dataDir = mkdtempSync(join(tmpdir(), 'conn-rel-keyring-'));
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', '--nopidfile'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const address: string = await new Promise((resolve, reject) => {
    let buf = '';
    bus.stdout!.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.trim());
    });
    bus.on('error', reject);
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  });
  // Its own runtime dir (gnome-keyring's control socket): never the shared test keyring's.
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: dataDir, HOME: dataDir, XDG_RUNTIME_DIR: dataDir };
  const k: PrivateKeyring = {
    address,
    dataDir,
    daemon: undefined as unknown as ChildProcess,
    async startDaemon(unlock) {
      const args = ['--foreground', '--components=secrets', ...(unlock ? ['--unlock'] : [])];
      k.daemon = spawn('gnome-keyring-daemon', args, { env, stdio: ['pipe', 'ignore', 'ignore'] });
      if (unlock) k.daemon.stdin!.end('test-password');
      else k.daemon.stdin!.end();
      if (!(await waitForBusName(address, 'org.freedesktop.secrets', 5000))) throw new Error('gnome-keyring-daemon did not appear on the private bus');
    },
    async stopDaemon() {
      if (k.daemon) await killAndWait(k.daemon, 'SIGKILL');
      // The name must be released before a new daemon can take it.
      const end = Date.now() + 5000;
      while (Date.now() < end && (await waitForBusName(address, 'org.freedesktop.secrets', 1))) await new Promise((r) => setTimeout(r, 20));
    },
    freeze() {
      k.daemon.kill('SIGSTOP');
    },
    async stop() {
      if (k.daemon) await killAndWait(k.daemon, 'SIGKILL'); // SIGKILL reaches a stopped process too
      await killAndWait(bus, 'SIGTERM');
      bus.stdout?.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await k.startDaemon(true);
  return k;
}

// ---------------------------------------------------------------------------------------------
// Figures for the summary line: each file appends its counts to one file per vitest run; the file
// that sees all four parts prints the whole line. Every file also prints its own part.

export interface Figures {
  writers?: number;
  lost?: number;
  kills?: number;
  corrupt?: number;
  badInputs?: number;
  crashes?: number;
  canaries?: number;
  leaks?: number;
}

const PARTS = ['concurrency', 'crash', 'bad-input', 'leak'] as const;

function runKey(): string {
  // The vitest main process (our parent in the forks pool) and its start time identify the run.
  let start = '0';
  try {
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '0';
  } catch {
    /* not Linux: the parent PID alone */
  }
  return `${process.ppid}-${start}`;
}

export function reportFigures(part: (typeof PARTS)[number], figures: Figures): void {
  const file = join(tmpdir(), `conn-reliability-${runKey()}.jsonl`);
  appendFileSync(file, `${JSON.stringify({ part, ...figures })}\n`);
  console.log(`reliability (${part}): ${line(figures)}`);
  const all: Record<string, number> = {};
  const seen = new Set<string>();
  for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const f = JSON.parse(l) as Figures & { part: string };
    seen.add(f.part);
    for (const [k, v] of Object.entries(f)) if (typeof v === 'number') all[k] = (all[k] ?? 0) + v;
  }
  if (PARTS.every((p) => seen.has(p))) {
    console.log(`reliability: ${all.writers ?? 0} concurrent writers, ${all.lost ?? 0} lost; ${all.kills ?? 0} kills, ${all.corrupt ?? 0} corrupt; ${all.badInputs ?? 0} bad inputs, ${all.crashes ?? 0} crashes; ${all.canaries ?? 0} canaries, ${all.leaks ?? 0} leaks`);
    rmSync(file, { force: true });
  }
}

function line(f: Figures): string {
  const parts: string[] = [];
  if (f.writers !== undefined) parts.push(`${f.writers} concurrent writers, ${f.lost ?? 0} lost`);
  if (f.kills !== undefined) parts.push(`${f.kills} kills, ${f.corrupt ?? 0} corrupt`);
  if (f.badInputs !== undefined) parts.push(`${f.badInputs} bad inputs, ${f.crashes ?? 0} crashes`);
  if (f.canaries !== undefined) parts.push(`${f.canaries} canaries, ${f.leaks ?? 0} leaks`);
  return parts.join('; ');
}
