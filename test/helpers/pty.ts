// The real built CLI (`node bin/conn.js`) on a real pseudo-terminal, for prompts, hidden input and Ctrl-C.
// Synchronisation is on screen text only: a test waits until the output shows what it expects.
import pty from '@lydell/node-pty';
import { CONN_BIN } from './world.js';

export interface Session {
  /**
   * Resolves once the screen output contains `text` (no timing assumptions). Rejects, with the
   * screen so far, if the process exits without ever showing it.
   */
  waitFor(text: string | RegExp, from?: number): Promise<void>;
  write(data: string): void;
  /** Everything written to the terminal so far (stdout and stderr share it). */
  output(): string;
  /** The exit code, once the process has ended and its output has been read. */
  exit: Promise<number>;
  /** Kills the process if it is still running (for cleanup after a failed test). */
  kill(): void;
  /** The process id: it leads its own process group (a session on the terminal). */
  pid: number;
}

export function spawnPty(args: string[], opts: { cwd: string; env: Record<string, string>; cols?: number }): Session {
  return spawnProgramPty(process.execPath, [CONN_BIN, ...args], { ...opts, label: `conn ${args.join(' ')}` });
}

/**
 * Any program on a pseudo-terminal (an agent CLI's interactive screen). `plain`: waitFor matches the
 * screen with escape sequences removed (full-screen UIs put them between words).
 */
export function spawnProgramPty(
  file: string,
  argv: string[],
  opts: { cwd: string; env: Record<string, string>; cols?: number; rows?: number; label?: string; plain?: boolean; term?: string },
): Session {
  const term = pty.spawn(file, argv, { cols: opts.cols ?? 120, rows: opts.rows ?? 30, cwd: opts.cwd, env: { ...opts.env, TERM: opts.term ?? 'xterm' } });
  const args = [opts.label ?? file];
  const screen = (s: string) => (opts.plain ? plainText(s) : s);
  let out = '';
  let exited = false;
  const waiters: { test: (s: string) => boolean; resolve: () => void; reject: (err: Error) => void; text: string | RegExp }[] = [];
  term.onData((d) => {
    out += d;
    for (const waiter of [...waiters]) if (waiter.test(screen(out))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  // node-pty (@lydell's prebuilt build) emits exit only after the terminal's output has been drained, so `out` is complete here.
  const exit = new Promise<number>((resolve) =>
    term.onExit(({ exitCode }) => {
      exited = true;
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`${args.join(' ')} exited (${exitCode}) without showing ${String(waiter.text)}; screen:\n${screen(out)}`));
      }
      resolve(exitCode);
    }),
  );
  return {
    waitFor(text, from = 0) {
      // `from`: look only at the screen after that offset of output() (a later answer, not an earlier one).
      const test = (s: string) => (typeof text === 'string' ? s.slice(from).includes(text) : text.test(s.slice(from)));
      if (test(screen(out))) return Promise.resolve();
      if (exited) return Promise.reject(new Error(`${args.join(' ')} already exited without showing ${String(text)}; screen:\n${screen(out)}`));
      return new Promise((resolve, reject) => waiters.push({ test, resolve, reject, text }));
    },
    write: (data) => term.write(data),
    output: () => screen(out),
    exit,
    kill() {
      if (!exited) term.kill();
    },
    pid: term.pid,
  };
}

/** Terminal output without escape sequences (CSI, OSC, and the lone ESC-x ones). */
export function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '').replace(/\x1b\[[0-9;?<>=$]*[ -\/]*[@-~]/g, '').replace(/\x1b[@-_]/g, '');
}
