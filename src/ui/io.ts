import { Chalk, type ChalkInstance } from 'chalk';
import { fstatSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** stdout for results, stderr for progress, warnings and errors; colour only on a TTY without NO_COLOR. */
export interface Io {
  json: boolean;
  quiet: boolean;
  isTTY: boolean;
  /** stdin is a TTY and prompting is allowed (not CI). */
  canPrompt: boolean;
  color: boolean;
  c: ChalkInstance;
  out(text: string): void;
  err(text: string): void;
  warn(text: string): void;
  /** Prints `data` as JSON with --json, else the human text (nothing with --quiet). */
  result<T>(data: T, human: (d: T) => string): void;
  /** A transient progress line on a TTY stderr; nothing otherwise. */
  progress(text: string): void;
}

export interface IoOptions {
  json?: boolean;
  quiet?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export function wantsColor(isTTY: () => boolean, env: NodeJS.ProcessEnv): boolean {
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return env.TERM !== 'dumb' && isTTY();
}

/** isatty(fd), without loading node:tty (and node:net with it) when fd is a file or a pipe. */
function fdIsTTY(fd: 1 | 2): boolean {
  try {
    return fstatSync(fd).isCharacterDevice() && isatty(fd);
  } catch {
    return false;
  }
}

/**
 * Writes to fd 1 or 2 without creating process.stdout/stderr: on a pipe, creating the stream costs
 * a few milliseconds (it loads node:net), and most commands print once and exit. Falls back to the
 * stream for good if the fd would block (a full non-blocking pipe), so output stays in order.
 */
export function fdWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream): (text: string) => void {
  let useStream = false;
  return (text) => {
    if (useStream) {
      stream().write(text);
      return;
    }
    const buf = Buffer.from(text);
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return; // the reader went away (`conn list | head`): nothing left to tell
      useStream = true;
      stream().write(buf.subarray(off));
    }
  };
}

export function createIo(opts: IoOptions = {}): Io {
  const env = opts.env ?? process.env;
  const stdout = () => opts.stdout ?? process.stdout;
  const stderr = () => opts.stderr ?? process.stderr;
  const writeOut = opts.stdout ? (t: string) => opts.stdout!.write(t) : fdWriter(1, stdout);
  const writeErr = opts.stderr ? (t: string) => opts.stderr!.write(t) : fdWriter(2, stderr);
  // Whether fd 1/2 are terminals, asked only when colour or progress matters (node:tty costs a load).
  const tty = (fd: 1 | 2, given?: NodeJS.WriteStream) => (given ? Boolean(given.isTTY) : fdIsTTY(fd));
  let color: boolean | undefined;
  let chalk: ChalkInstance | undefined;
  let stderrTTY: boolean | undefined;
  const isColor = () => (color ??= wantsColor(() => tty(2, opts.stderr), env) && wantsColor(() => tty(1, opts.stdout), env));
  const c = () => (chalk ??= new Chalk({ level: isColor() ? 1 : 0 }));
  const isTTY = () => (stderrTTY ??= tty(2, opts.stderr));
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) {
      writeErr('\r\x1b[2K');
      progressShown = false;
    }
  };
  return {
    json: Boolean(opts.json),
    quiet: Boolean(opts.quiet),
    get isTTY() {
      return isTTY();
    },
    get canPrompt() {
      return Boolean(process.stdin.isTTY) && !env.CI;
    },
    get color() {
      return isColor();
    },
    get c() {
      return c();
    },
    out(text) {
      clearProgress();
      writeOut(text.endsWith('\n') ? text : `${text}\n`);
    },
    err(text) {
      clearProgress();
      writeErr(text.endsWith('\n') ? text : `${text}\n`);
    },
    warn(text) {
      clearProgress();
      writeErr(`${isColor() ? c().yellow('⚠ warning:') : 'warning:'} ${text}\n`);
    },
    result(data, human) {
      if (opts.json) {
        clearProgress();
        writeOut(`${JSON.stringify(data, null, 2)}\n`);
      } else if (!opts.quiet) {
        const text = human(data);
        if (text) this.out(text);
      }
    },
    progress(text) {
      if (!isTTY() || opts.json) return;
      writeErr(`\r\x1b[2K${text.slice(0, (stderr().columns ?? 80) - 1)}`);
      progressShown = true;
    },
  };
}
