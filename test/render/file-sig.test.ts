// File signatures: what lets the shell hook answer `unchanged` from stats alone without ever missing
// an edit. Real files in a temp dir; mtimes set with utimes to stand for "written long ago".
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSig, RACY_MS, readWithSig, sha256, sigOf } from '../../src/file-sig.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conn-sig-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a file whose mtime is an hour back, as a file written long before it is checked. */
function oldFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  const then = new Date(Date.now() - 3_600_000);
  utimesSync(path, then, then);
  return path;
}

describe('file signatures', () => {
  it('trusts an unchanged old file by its stat alone', () => {
    const path = oldFile('a.json', '{"a":1}');
    const sig = sigOf(path, '{"a":1}');
    expect(sig.hash).toBe(sha256('{"a":1}'));
    expect(checkSig(path, sig)).toBe('same');
    // Stat alone: a signature with a wrong hash but the right stat still says same (no read happened).
    expect(checkSig(path, { ...sig, hash: sha256('something else') })).toBe('same');
  });

  it('reads a file written within RACY_MS of its signature, and confirms it when the content matches', () => {
    const path = join(dir, 'fresh.json');
    writeFileSync(path, 'fresh');
    const sig = sigOf(path, 'fresh');
    const check = checkSig(path, sig);
    expect(check).toEqual({ confirmed: { hash: sha256('fresh'), stat: sig.stat, at: expect.any(Number) } });
    // The same fresh file with other content recorded: the read notices.
    expect(checkSig(path, { ...sig, hash: sha256('other') })).toBe('changed');
    expect(statSync(path).mtimeMs).toBeGreaterThan(sig.at - RACY_MS);
  });

  it('notices a same-size edit whose mtime was put back (ctime changes)', () => {
    const path = oldFile('b.json', 'aaaa');
    const sig = sigOf(path, 'aaaa');
    const before = statSync(path);
    writeFileSync(path, 'bbbb');
    utimesSync(path, before.atime, before.mtime);
    expect(statSync(path).size).toBe(before.size);
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
    expect(checkSig(path, sig)).toBe('changed');
  });

  it('notices a file replaced by rename, and a file that appeared or went away', () => {
    const path = oldFile('c.json', 'same');
    const sig = sigOf(path, 'same');
    rmSync(path);
    writeFileSync(path, 'diff');
    expect(checkSig(path, sig)).toBe('changed');
    rmSync(path);
    expect(checkSig(path, sig)).toBe('changed');
    expect(checkSig(path, sigOf(path, null))).toBe('same');
    writeFileSync(path, '');
    expect(checkSig(path, sigOf(join(dir, 'nothing'), null))).toBe('changed');
  });

  it('a touched but unchanged file is confirmed by content, not reported changed', () => {
    const path = oldFile('d.json', 'keep');
    const sig = sigOf(path, 'keep');
    utimesSync(path, new Date(), new Date());
    expect(checkSig(path, sig)).toEqual({ confirmed: expect.objectContaining({ hash: sha256('keep') }) });
  });

  it('readWithSig takes the stat before the content, and says so for a missing file', () => {
    const path = oldFile('e.json', 'text');
    const { text, sig } = readWithSig(path);
    expect(text).toBe('text');
    expect(checkSig(path, sig)).toBe('same');
    expect(readWithSig(join(dir, 'missing'))).toEqual({ text: undefined, sig: { hash: null, stat: null, at: expect.any(Number) } });
  });
});
