// Process checks shared by the probe, serve and reliability tests.
import { readFileSync } from 'node:fs';

/** Alive = exists and is not a zombie (Linux shows unreaped dead processes to kill(0)). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Polls a condition (never a fixed sleep): true once it holds, false after `limitMs`. */
export async function pollUntil(condition: () => boolean, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
