import { Chalk, type ChalkInstance } from 'chalk';

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

export function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function createIo(opts: IoOptions = {}): Io {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const env = opts.env ?? process.env;
  const color = wantsColor(stderr, env) && wantsColor(stdout, env);
  const c = new Chalk({ level: color ? 1 : 0 });
  const isTTY = Boolean(stderr.isTTY);
  let progressShown = false;
  const clearProgress = () => {
    if (progressShown) {
      stderr.write('\r\x1b[2K');
      progressShown = false;
    }
  };
  return {
    json: Boolean(opts.json),
    quiet: Boolean(opts.quiet),
    isTTY,
    canPrompt: Boolean(process.stdin.isTTY) && !env.CI,
    color,
    c,
    out(text) {
      clearProgress();
      stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    err(text) {
      clearProgress();
      stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    warn(text) {
      clearProgress();
      stderr.write(`${color ? c.yellow('⚠ warning:') : 'warning:'} ${text}\n`);
    },
    result(data, human) {
      if (opts.json) {
        clearProgress();
        stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      } else if (!opts.quiet) {
        const text = human(data);
        if (text) this.out(text);
      }
    },
    progress(text) {
      if (!isTTY || opts.json) return;
      stderr.write(`\r\x1b[2K${text.slice(0, (stderr.columns ?? 80) - 1)}`);
      progressShown = true;
    },
  };
}

/** Left-aligned columns for human tables. */
export function table(rows: string[][], gap = 2): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell) + gap))).join('').trimEnd())
    .join('\n');
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
