// Starting an MCP server as the leader of its own process group, in a directory the caller's repo
// does not control, with a minimal environment and a tag that marks its whole tree (see tree.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { exitText } from '../error-text.js';
import { connHome } from '../paths.js';
import { registerTree, unregisterTree } from './registry.js';
import { DEFAULT_GRACE_MS, stopTree, TREE_TAG_VAR } from './tree.js';

const IS_WINDOWS = process.platform === 'win32';

/** What a server inherits from our environment; everything else it gets must be in spec.env. */
const BASE_ENV_VARS = IS_WINDOWS
  ? ['APPDATA', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PROCESSOR_ARCHITECTURE', 'SYSTEMDRIVE',
     'SYSTEMROOT', 'TEMP', 'TMP', 'USERNAME', 'USERPROFILE', 'PROGRAMFILES', 'LANG']
  : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'TMPDIR', 'LANG'];

export const STDERR_TAIL_LINES = 20;
const MAX_LINE_CHARS = 500;

export function minimalEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of BASE_ENV_VARS) {
    const value = source[key];
    // Exported shell functions (`() { …`) are a known injection vector: never pass them on.
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  return env;
}

/**
 * The directory servers start in unless a connection names one: `<CONN_HOME>/run`, empty, with an
 * empty `node_modules` beside nothing else. The caller's directory (for `conn serve`, the repo the
 * agent runs in) is never used: `npx some-server` there would run the repo's own
 * `node_modules/some-server` with the connection's secrets, and npm would read the repo's `.npmrc`
 * (another registry). npm takes the nearest folder holding `node_modules` as the project, so the empty
 * one here stops it from walking up into whatever folder CONN_HOME sits in.
 */
export function serverWorkDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = join(connHome(env), 'run');
  mkdirSync(join(dir, 'node_modules'), { recursive: true, mode: 0o700 });
  return dir;
}

/** The last `max` lines of a stream, the unfinished last line included. */
export class LineTail {
  private readonly done: string[] = [];
  private partial = '';
  constructor(private readonly max = STDERR_TAIL_LINES) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.done.push(clip(line.replace(/\r$/, '')));
    if (this.done.length > this.max) this.done.splice(0, this.done.length - this.max);
    if (this.partial.length > 64 * 1024) this.partial = this.partial.slice(-MAX_LINE_CHARS);
  }

  lines(): string[] {
    const all = this.partial ? [...this.done, clip(this.partial)] : [...this.done];
    return all.slice(-this.max);
  }
}

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line;
}

export interface SpawnServerOptions {
  command: string;
  args: string[];
  /** Added on top of the minimal base environment (and winning over it). */
  env: Record<string, string>;
  /** Where to start it; by default `serverWorkDir()`, never the caller's directory. */
  cwd?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How a server's leader process ended, in words; undefined while it has not. */
export function exitReason(exit: ExitInfo | undefined): string | undefined {
  return exitText(exit, 'the server ');
}

/** Tags of the trees started here, by leader PID (see tree.ts). */
const tags = new Map<number, string>();

/** Starts `command` as the leader of a new process group, stdin/stdout piped, stderr drained. */
export function spawnServer(opts: SpawnServerOptions): { child: ChildProcess; stderr: LineTail } {
  // Unique enough to tell trees apart; not a secret (node:crypto is not worth loading for it).
  const tag = `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
  const child = spawn(opts.command, opts.args, {
    env: { ...minimalEnv(), ...opts.env, [TREE_TAG_VAR]: tag },
    cwd: opts.cwd ?? serverWorkDir(),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    shell: false,
    windowsHide: true,
  });
  if (child.pid !== undefined) {
    tags.set(child.pid, tag);
    registerTree({ pgid: child.pid, tag });
  }
  const stderr = new LineTail();
  // Always drained: a full stderr pipe blocks the server and slows every close.
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
  return { child, stderr };
}

/**
 * Stops the tree of a server started by `spawnServer` (or any process group leader): SIGTERM to all
 * of it, SIGKILL after `graceMs` to what is left. Resolves once it is gone.
 */
export async function killTree(target: ChildProcess | number, graceMs = DEFAULT_GRACE_MS): Promise<void> {
  const pgid = typeof target === 'number' ? target : target.pid;
  if (pgid === undefined) return;
  await stopTree({ pgid, tag: tags.get(pgid) }, graceMs);
  tags.delete(pgid);
  unregisterTree(pgid);
}
