// The SDK `Transport` over a spawned stdio server, shared by `conn test`, `conn tools`/`call` (with
// the SDK's client on top) and `conn serve` (which reads and writes raw messages through it).
// Only types come from the SDK here: `conn serve` must not load it.
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import type { JSONRPCMessage, Transport, TransportSendOptions } from '@modelcontextprotocol/client';
import { exitReason, LineTail, spawnServer, killTree, type ExitInfo, type SpawnServerOptions } from './spawn.js';
import { DEFAULT_GRACE_MS } from './tree.js';

/** The SDK's limit for one line on stdio. */
const MAX_LINE_BYTES = 10 * 1024 * 1024;

type MessageCheck = (value: unknown) => JSONRPCMessage;
let messageCheck: Promise<MessageCheck> | undefined;
/**
 * The SDK's message check (and zod with it), loaded when first needed rather than with this
 * module: `conn serve` spawns its server with a check of its own, and never loads the SDK.
 */
function loadMessageCheck(): Promise<MessageCheck> {
  return (messageCheck ??= import('@modelcontextprotocol/client').then((m) => (value: unknown) => m.parseJSONRPCMessage(value)));
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
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
  /** True when the leader was still running when close() was called: its exit is our doing. */
  stoppedByUs = false;
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
      loadMessageCheck().then(
        (check) => listen(check),
        (err: unknown) => this.onerror?.(err as Error),
      );
    }
    return spawned;
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      let spawned: ReturnType<typeof spawnServer>;
      // A working directory the connection names that is gone: Node would report ENOENT, read as
      // "command not found".
      const cwd = this.opts.cwd;
      if (cwd !== undefined && !statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
        this.failure = new SpawnError(this.opts.command, undefined, `its working directory ${cwd} is not a directory (conn edit NAME --cwd DIR, or --no-cwd)`);
        reject(this.failure);
        this.notifyClosed();
        return;
      }
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
    // A leader still running now ends because we stop it: its exit says nothing about the server.
    if (!this.exitInfo && !this.closing) this.stoppedByUs = true;
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
