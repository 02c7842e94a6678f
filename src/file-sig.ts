// File signatures, checked the way git checks its index: a file whose stat (device, inode, size,
// mtime, ctime) is unchanged, and was already old when it was recorded, is not read at all; anything
// else is read and compared by sha256. So the shell hook's usual `cd` stats a few files and loads no
// crypto (the bundle loads node:crypto on first use; it costs more than the rest of the fast path).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, statSync, type BigIntStats } from 'node:fs';

/** A file as conn last saw it: content hash (null: no file), stat key, and when the stat was taken. */
export interface FileSig {
  hash: string | null;
  stat: string | null;
  /** Date.now() when `stat` was taken. */
  at: number;
}

/**
 * A file modified within this long of a recorded stat may still show the same mtime (coarse file
 * system clocks, 1–2 s on some file systems): such a signature is confirmed by content, not by stat.
 */
export const RACY_MS = 2_000;

function statKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The signature of content conn has in hand (just read or just written) for the file at `path`. */
export function sigOf(path: string, content: string | null): FileSig {
  const at = Date.now();
  const st = content === null ? undefined : statSync(path, { bigint: true, throwIfNoEntry: false });
  return { hash: content === null ? null : sha256(content), stat: st ? statKey(st) : null, at };
}

/**
 * Reads a file and its signature together: the stat comes from the open file before its content,
 * so a change after the stat shows as a different stat, never as a stale "same".
 */
export function readWithSig(path: string): { text: string | undefined; sig: FileSig } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: undefined, sig: { hash: null, stat: null, at: Date.now() } };
    throw err;
  }
  try {
    const at = Date.now();
    const st = fstatSync(fd, { bigint: true });
    const text = readFileSync(fd, 'utf8');
    return { text, sig: { hash: sha256(text), stat: statKey(st), at } };
  } finally {
    closeSync(fd);
  }
}

export type SigCheck = 'same' | 'changed' | { confirmed: FileSig };

/**
 * Whether the file still matches its signature: 'same' by stat alone; `{ confirmed }` when its content
 * had to be read and matched (the fresh signature is worth remembering); 'changed' otherwise.
 */
export function checkSig(path: string, sig: FileSig, now = Date.now()): SigCheck {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (!st || sig.hash === null) return !st && sig.hash === null ? 'same' : 'changed';
  if (!st.isFile()) return 'changed'; // a FIFO would block the read; the render refuses it
  if (sig.stat === statKey(st) && Number(st.mtimeMs) < sig.at - RACY_MS) return 'same';
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch {
    return 'changed';
  }
  if (sha256(text) !== sig.hash) return 'changed';
  return { confirmed: { hash: sig.hash, stat: statKey(st), at: now } };
}
