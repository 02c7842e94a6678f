// How every conn process ends, whichever entry ran the command (the full CLI, or the hook's direct
// path to render): one line on stderr for an error, the exit code for it, and no hanging on.
import { exitCodeOf, formatError } from './errors.js';
import { keychainHung } from './secrets/hung.js';

/** Runs a command; an error is printed as `conn: <one line>` and becomes its exit code. */
export async function runCommand(command: () => Promise<unknown>): Promise<number> {
  try {
    await command();
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    process.stderr.write(`conn: ${formatError(err)}\n`);
    if (process.env.CONN_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}

/** Sets the exit code and makes sure the process ends even if something still holds it open. */
export function finish(code: number): void {
  process.exitCode = code;
  if (keychainHung()) {
    // The keychain binding's thread is stuck on D-Bus and would block a normal exit forever.
    process.stderr.write('', () => process.kill(process.pid, 'SIGKILL'));
  }
  // Safety net: a stray handle (an SDK timer, a half-closed socket) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 2_000).unref();
}
