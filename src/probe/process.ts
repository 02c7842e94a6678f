// Spawning MCP servers as process-group leaders, and making sure every one of them (and everything
// it started, e.g. the `node` under an `npx` wrapper) is gone when we are done, interrupted or exit.
// Shared by `conn test` (probe.ts) and `conn serve`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const IS_WINDOWS = process.platform === 'win32';

/** The SDK's limit for one line on stdio. */
const MAX_LINE_BYTES = 10 * 1024 * 1024;

type MessageSchema = (typeof import('@modelcontextprotocol/sdk/types.js'))['JSONRPCMessageSchema'];
let messageSchema: Promise<MessageSchema> | undefined;
/**
 * The SDK's message schema (and zod with it), loaded when first needed rather than with this
 * module: `conn serve` spawns its server with a check of its own, and never loads the SDK.
 */
function loadMessageSchema(): Promise<MessageSchema> {
  return (messageSchema ??= import('@modelcontextprotocol/sdk/types.js').then((m) => m.JSONRPCMessageSchema));
}

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

// ---------------------------------------------------------------------------------------------
// Liveness and killing of process groups

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Linux keeps dead-but-unreaped processes (zombies) visible to kill(0): they are gone for us. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
  if (process.platform === 'linux') {
    const stat = procStat(pid);
    return stat !== undefined && stat.state !== 'Z';
  }
  return true;
}

/** True while any live (non-zombie) process remains in the group led by `pgid`. */
export function isGroupAlive(pgid: number): boolean {
  if (IS_WINDOWS) return isProcessAlive(pgid);
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') return true;
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (IS_WINDOWS) {
    // No process groups: taskkill walks the tree instead (always forceful).
    spawnSync('taskkill', ['/pid', String(pgid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    return;
  }
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

async function pollUntil(condition: () => boolean, limitMs: number, everyMs = 15): Promise<boolean> {
  const end = Date.now() + limitMs;
  // Short naps first: a server told to stop is usually gone within a few ms, and whoever waits
  // for it (an agent closing `conn serve`) should not wait a whole interval more.
  for (let nap = 1; !condition(); nap = Math.min(nap * 2, everyMs)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, nap));
  }
  return true;
}

/** Groups we started and have not yet seen gone: killed on exit and on SIGINT/SIGTERM. */
const liveGroups = new Set<number>();

function exitHandler(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

function signalHandler(signal: NodeJS.Signals): void {
  // Synchronous on purpose: after this handler the process may be gone.
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGTERM');
  const end = Date.now() + 300;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < end && [...liveGroups].some(isGroupAlive)) Atomics.wait(nap, 0, 0, 10);
  exitHandler();
  if (process.listenerCount(signal) === 1) {
    // We were the only listener, so Node's default (die by the signal) was suppressed: restore it.
    uninstallHandlers();
    process.kill(process.pid, signal);
  }
  // Otherwise another listener (the CLI, `conn serve`) decides how to exit.
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', exitHandler);
  process.on('SIGINT', signalHandler);
  process.on('SIGTERM', signalHandler);
}
function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', exitHandler);
  process.off('SIGINT', signalHandler);
  process.off('SIGTERM', signalHandler);
}

function register(pgid: number): void {
  liveGroups.add(pgid);
  installHandlers();
}
function unregister(pgid: number): void {
  liveGroups.delete(pgid);
  if (liveGroups.size === 0) uninstallHandlers();
}

/** Process groups started here and not yet confirmed gone (for diagnostics and tests). */
export function liveProcessGroups(): number[] {
  return [...liveGroups];
}

export const DEFAULT_GRACE_MS = 2000;

/**
 * SIGTERM to the whole group led by `target`, then SIGKILL to the group after `graceMs` if anything
 * of it is still alive. Resolves once the group is gone (or, after SIGKILL, 2 s at most).
 */
export async function killTree(target: ChildProcess | number, graceMs = DEFAULT_GRACE_MS): Promise<void> {
  const pgid = typeof target === 'number' ? target : target.pid;
  if (pgid === undefined) return;
  if (isGroupAlive(pgid)) {
    signalGroup(pgid, 'SIGTERM');
    if (!(await pollUntil(() => !isGroupAlive(pgid), graceMs))) {
      signalGroup(pgid, 'SIGKILL');
      await pollUntil(() => !isGroupAlive(pgid), 2000);
    }
  }
  unregister(pgid);
}

// ---------------------------------------------------------------------------------------------
// Spawning

export interface SpawnServerOptions {
  command: string;
  args: string[];
  /** Added on top of the minimal base environment (and winning over it). */
  env: Record<string, string>;
  cwd?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How a server's leader process ended, in words; undefined while it has not. */
export function exitReason(exit: ExitInfo | undefined): string | undefined {
  if (!exit) return undefined;
  if (exit.code !== null) return `the server exited with code ${exit.code}`;
  return exit.signal ? `the server was killed by ${exit.signal}` : undefined;
}

/** Starts `command` as the leader of a new process group, stdin/stdout piped, stderr drained. */
export function spawnServer(opts: SpawnServerOptions): { child: ChildProcess; stderr: LineTail } {
  const child = spawn(opts.command, opts.args, {
    env: { ...minimalEnv(), ...opts.env },
    cwd: opts.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    shell: false,
    windowsHide: true,
  });
  if (child.pid !== undefined) register(child.pid);
  const stderr = new LineTail();
  // Always drained: a full stderr pipe blocks the server and slows every close.
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
  return { child, stderr };
}

/** The server did not speak JSON-RPC on stdout. */
export class NotMcpServerError extends Error {
  constructor(readonly printed: string) {
    super(`not an MCP server (printed: ${printed.slice(0, 80)})`);
    this.name = 'NotMcpServerError';
  }
}

/** The command could not be started at all. */
export class SpawnError extends Error {
  constructor(readonly command: string, readonly errno: string | undefined, reason?: string) {
    super(
      errno === 'ENOENT' ? `command not found: ${command}`
      : errno === 'EACCES' ? `permission denied: ${command}`
      : `cannot start ${command}${reason ? `: ${reason}` : errno ? `: ${errno}` : ''}`,
    );
    this.name = 'SpawnError';
  }
}

/**
 * Node refused the spawn itself (a NUL byte in an argument or an env value, say from a `file:`
 * secret). Its message quotes the refused value, which may be a secret: only the variable's name is kept.
 */
function refusedSpawn(command: string, err: unknown): SpawnError {
  const message = err instanceof Error ? err.message : '';
  const name = /options\.env\['([^']*)'\]/.exec(message)?.[1];
  const reason = /null bytes/.test(message)
    ? `${name ? `the value of ${name}` : 'an argument'} contains a NUL byte`
    : 'Node refused its arguments or environment';
  return new SpawnError(command, undefined, reason);
}

export interface StdioProcessTransportOptions extends SpawnServerOptions {
  /** How long a server that ignores SIGTERM gets before SIGKILL. */
  graceMs?: number;
  /**
   * A non-JSON line on stdout before any JSON-RPC message: how long to wait for a real message
   * before giving up with "not an MCP server" (some servers print a banner, then work).
   */
  garbageGraceMs?: number;
  /**
   * Turns a line's JSON value into a message, or throws (the line is then garbage). By default the
   * SDK's message schema. `conn serve` passes its own, lighter check: it passes messages on as they
   * are, and loading and running the schema (zod) costs more than all the rest of it.
   */
  check?: (value: unknown) => JSONRPCMessage;
}

/**
 * SDK `Transport` over a spawned server. Unlike the SDK's stdio transport it owns the whole process
 * group (close() kills the tree), keeps a stderr tail and the exit status, and fails fast on
 * a program that is not an MCP server instead of hanging.
 */
export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  /** Set once the server's leader process has exited. */
  exitInfo: ExitInfo | undefined;
  /** Resolves with exitInfo once the leader has exited (never, if it never started). */
  readonly exited: Promise<ExitInfo>;
  private onExit!: (exit: ExitInfo) => void;
  /** Why the transport ended on its own (spawn failure, not an MCP server), if it did. */
  failure: Error | undefined;
  /** Protocol version the client negotiated (the SDK tells the transport). */
  protocolVersion: string | undefined;

  private child: ChildProcess | undefined;
  private spawned: Promise<void> | undefined;
  private started = false;
  private check: ((value: unknown) => JSONRPCMessage) | undefined;
  private tail = new LineTail();
  private sawMessage = false;
  private garbageTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private closedNotified = false;

  constructor(private readonly opts: StdioProcessTransportOptions) {
    this.exited = new Promise((resolve) => (this.onExit = resolve));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  stderrTail(): string[] {
    return this.tail.lines();
  }

  /**
   * Spawns the server now, before any client listens: `conn serve` starts it while the rest of
   * conn is still loading. Its output waits in the pipe until start(). Idempotent; start() spawns
   * if this was not called.
   */
  launch(): Promise<void> {
    if (!this.spawned) {
      this.spawned = this.spawn();
      // Nobody may be waiting yet: a failure is reported by start() (and kept in `failure`).
      this.spawned.catch(() => undefined);
    }
    return this.spawned;
  }

  start(): Promise<void> {
    if (this.started) throw new Error('StdioProcessTransport already started');
    this.started = true;
    const spawned = this.launch();
    // Ended before anyone listened (a launch() long before start()): say so now, to the listener.
    if (this.closing) {
      return spawned.then(() => {
        throw this.failure ?? new Error(exitReason(this.exitInfo) ?? 'the server ended before it was connected');
      });
    }
    const child = this.child;
    // spawn() threw before there was a child (an argument Node refuses): `spawned` rejects with why.
    if (!child) return spawned;
    const listen = (check: (value: unknown) => JSONRPCMessage) => {
      this.check = check;
      child.stdout?.on('data', (chunk: Buffer) => this.onData(chunk));
    };
    // Reading starts once the check is there; until then the output waits in the pipe.
    if (this.opts.check) listen(this.opts.check);
    else {
      loadMessageSchema().then(
        (schema) => listen((value) => schema.parse(value)),
        (err: unknown) => this.onerror?.(err as Error),
      );
    }
    return spawned;
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      let spawned: ReturnType<typeof spawnServer>;
      try {
        spawned = spawnServer(this.opts);
      } catch (err) {
        this.failure = refusedSpawn(this.opts.command, err);
        reject(this.failure);
        this.notifyClosed();
        return;
      }
      const { child, stderr } = spawned;
      this.child = child;
      this.tail = stderr;
      child.on('error', (err) => {
        if (child.pid === undefined) {
          // Never started (ENOENT, EACCES): there is no process to wait for.
          this.failure = new SpawnError(this.opts.command, errnoOf(err));
          reject(this.failure);
          this.notifyClosed();
        } else {
          this.onerror?.(err);
        }
      });
      child.on('spawn', () => resolve());
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.onExit(this.exitInfo);
      });
      // 'close' = leader exited and its stdio is closed: the conversation is over.
      child.on('close', (code, signal) => {
        if (!this.exitInfo) {
          this.exitInfo = { code, signal };
          this.onExit(this.exitInfo);
        }
        if (!this.sawMessage && this.garbageTimer) this.failWithGarbage();
        void this.close();
      });
      child.stdin?.on('error', (err) => this.onerror?.(err));
      child.stdout?.on('error', (err) => this.onerror?.(err));
    });
  }


  private firstGarbage: string | undefined;

  // Line splitting as the SDK's ReadBuffer does it, but keeping the line so garbage can be quoted.
  private onData(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    if (this.pending.length > MAX_LINE_BYTES) {
      this.pending = Buffer.alloc(0);
      this.onerror?.(new Error('server sent a line longer than 10 MB'));
      return;
    }
    for (let nl = this.pending.indexOf(10); nl !== -1; nl = this.pending.indexOf(10)) {
      const line = this.pending.toString('utf8', 0, nl).replace(/\r$/, '');
      this.pending = this.pending.subarray(nl + 1);
      if (line.trim() === '') continue;
      let message: JSONRPCMessage;
      try {
        // With the default check, the SDK's deserializeMessage.
        message = this.check!(JSON.parse(line));
      } catch (err) {
        this.onGarbage(line, err as Error);
        continue;
      }
      this.sawMessage = true;
      if (this.garbageTimer) clearTimeout(this.garbageTimer);
      this.garbageTimer = undefined;
      this.onmessage?.(message);
    }
  }
  private pending: Buffer = Buffer.alloc(0);

  private onGarbage(line: string, err: Error): void {
    if (this.sawMessage) {
      this.onerror?.(err);
      return;
    }
    this.firstGarbage ??= line;
    this.garbageTimer ??= setTimeout(() => this.failWithGarbage(), this.opts.garbageGraceMs ?? 1500);
  }

  private failWithGarbage(): void {
    if (this.failure || this.sawMessage) return;
    this.failure = new NotMcpServerError((this.firstGarbage ?? '').trim());
    this.onerror?.(this.failure);
    void this.close();
  }

  async send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) throw new Error('server is not running');
    await new Promise<void>((resolve, reject) => {
      // As the SDK's serializeMessage does.
      const ok = stdin.write(`${JSON.stringify(message)}\n`, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else stdin.once('drain', resolve);
    });
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  /** Kills the server's whole process tree; resolves when it is gone. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.garbageTimer) clearTimeout(this.garbageTimer);
      const child = this.child;
      if (child) {
        child.stdin?.end();
        await killTree(child, this.opts.graceMs ?? DEFAULT_GRACE_MS);
        // Our side of the pipes: nothing more will come that we care about.
        child.stdout?.destroy();
        child.stderr?.destroy();
        child.stdin?.destroy();
      }
      this.notifyClosed();
    })();
    return this.closing;
  }

  private notifyClosed(): void {
    if (this.closedNotified) return;
    this.closedNotified = true;
    this.onclose?.();
  }
}
