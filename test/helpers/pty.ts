// The real built CLI (`node bin/conn.js`) on a real pseudo-terminal, for prompts, hidden input and Ctrl-C.
// Synchronisation is on screen text only: a test waits until the output shows what it expects.
import pty from '@lydell/node-pty';
import { CONN_BIN } from './world.js';

export interface Session {
  /**
   * Resolves once the screen output contains `text` (no timing assumptions). Rejects, with the
   * screen so far, if the process exits without ever showing it.
   */
  waitFor(text: string | RegExp): Promise<void>;
  write(data: string): void;
  /** Everything written to the terminal so far (stdout and stderr share it). */
  output(): string;
  /** The exit code, once the process has ended and its output has been read. */
  exit: Promise<number>;
  /** Kills the process if it is still running (for cleanup after a failed test). */
  kill(): void;
}

export function spawnPty(args: string[], opts: { cwd: string; env: Record<string, string>; cols?: number }): Session {
  const term = pty.spawn(process.execPath, [CONN_BIN, ...args], { cols: opts.cols ?? 120, rows: 30, cwd: opts.cwd, env: { ...opts.env, TERM: 'xterm' } });
  let out = '';
  let exited = false;
  const waiters: { test: (s: string) => boolean; resolve: () => void; reject: (err: Error) => void; text: string | RegExp }[] = [];
  term.onData((d) => {
    out += d;
    for (const waiter of [...waiters]) if (waiter.test(out)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  // node-pty (@lydell's prebuilt build) emits exit only after the terminal's output has been drained, so `out` is complete here.
  const exit = new Promise<number>((resolve) =>
    term.onExit(({ exitCode }) => {
      exited = true;
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`conn ${args.join(' ')} exited (${exitCode}) without showing ${String(waiter.text)}; screen:\n${out}`));
      }
      resolve(exitCode);
    }),
  );
  return {
    waitFor(text) {
      const test = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
      if (test(out)) return Promise.resolve();
      if (exited) return Promise.reject(new Error(`conn ${args.join(' ')} already exited without showing ${String(text)}; screen:\n${out}`));
      return new Promise((resolve, reject) => waiters.push({ test, resolve, reject, text }));
    },
    write: (data) => term.write(data),
    output: () => out,
    exit,
    kill() {
      if (!exited) term.kill();
    },
  };
}
