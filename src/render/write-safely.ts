// The one way conn writes a file into a repo: never through a symlink, never a half-written file.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { appendFile, lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { OperationError } from '../errors.js';

export interface WriteOptions {
  /** File mode (e.g. 0o600 for a file holding secrets). Default: the existing file's mode, else 0o666 less the umask. */
  mode?: number;
}

/**
 * Writes `content` to `root/relPath` atomically: a temp file in the same directory, written with
 * the mode, fsynced, then renamed over the target, so a reader sees the old file or the new one.
 * Refuses when the target or any directory between `root` and it is a symlink (a repo must not be
 * able to redirect conn's write outside itself); creates missing directories.
 */
export async function writeSafely(root: string, relPath: string, content: string, opts: WriteOptions = {}): Promise<void> {
  const { dir, fileName } = (await folderInside(root, relPath, true))!;
  const target = join(dir, fileName);
  const existing = await lstatOrNull(target);
  if (existing?.isSymbolicLink()) throw refusal(relPath, 'it is a symlink');
  if (existing && !existing.isFile()) throw refusal(relPath, 'it is not a regular file');
  const mode = opts.mode ?? (existing ? existing.mode & 0o7777 : undefined);

  await removeStaleTemps(dir, fileName);
  const temp = join(dir, `.${fileName}.conn-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode ?? 0o666);
  try {
    // Explicit, so the umask cannot loosen or tighten a requested mode.
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(content, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, target);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

/**
 * Deletes `root/relPath` with writeSafely's checks: no symlink on the way or as the target (a repo
 * must not redirect conn's delete outside itself). A file that is not there is nothing to do.
 */
export async function removeSafely(root: string, relPath: string): Promise<void> {
  const place = await folderInside(root, relPath, false);
  if (!place) return;
  const { dir, fileName } = place;
  const target = join(dir, fileName);
  const existing = await lstatOrNull(target);
  if (!existing) return;
  if (!existing.isFile()) throw refusal(relPath, existing.isSymbolicLink() ? 'it is a symlink' : 'it is not a regular file');
  await unlink(target);
  await syncDir(dir);
}

/**
 * The folder of `root/relPath`, checked from `root` down: a symlink or a file on the way is refused.
 * `create`: missing folders are made; otherwise a missing one gives null (there is no such file).
 */
async function folderInside(root: string, relPath: string, create: boolean): Promise<{ dir: string; fileName: string } | null> {
  const parts = splitInside(relPath);
  const fileName = parts.pop()!;
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    const st = await lstatOrNull(dir);
    if (!st) {
      if (!create) return null;
      await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      const again = await lstat(dir);
      if (!again.isDirectory()) throw refusal(relPath, `${part} is not a directory`);
      continue;
    }
    if (st.isSymbolicLink()) throw refusal(relPath, `${relativeShown(root, dir)} is a symlink`);
    if (!st.isDirectory()) throw refusal(relPath, `${relativeShown(root, dir)} is not a directory`);
  }
  return { dir, fileName };
}

/** What git's ignore rules say about a file and about the temp files writeSafely would create next to it. */
export interface IgnoreCheck {
  /** 0: at least one ignored, 1: neither, else (128): not a git work tree. */
  code: number;
  file: boolean;
  temp: boolean;
}

/**
 * Adds `relPath` (and the pattern of writeSafely's temp files) to the repo's `.git/info/exclude`
 * (wherever git keeps it: a worktree or a `.git` file points elsewhere) unless git already ignores
 * them. The line is anchored at git's own top level (`--show-prefix`), which is not `root` when a
 * bogus `.git` inside the repo made conn take a subdirectory for the top. Returns true when the
 * file's line was added; false when ignored already, already listed, or not in a git work tree.
 */
export async function ensureGitExcluded(root: string, relPath: string, ignoredCheck = checkIgnored(root, relPath)): Promise<boolean> {
  const path = splitInside(relPath).join('/');
  const ignored = await ignoredCheck;
  if (ignored.code !== 0 && ignored.code !== 1) return false; // not a git work tree (128): nothing to exclude from
  if (ignored.file && ignored.temp) return false;
  const where = await git(root, ['rev-parse', '--git-path', 'info/exclude', '--show-prefix']);
  if (where.code !== 0) return false;
  const [gitPath = '', prefix = ''] = where.stdout.split('\n');
  const excludeFile = resolve(root, gitPath.trim());
  const line = `/${escapePattern(`${prefix}${path}`)}`;
  const current = await readFile(excludeFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw err;
  });
  const present = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  // The temp files of an interrupted write hold the same secrets: keep them out of git too.
  const missing = [...(ignored.file ? [] : [line]), ...(ignored.temp ? [] : [TEMP_PATTERN])].filter((l) => !present.has(l));
  if (missing.length === 0) return false;
  await mkdir(dirname(excludeFile), { recursive: true });
  const sepNeeded = current !== '' && !current.endsWith('\n') ? '\n' : '';
  await appendFile(excludeFile, `${sepNeeded}${missing.join('\n')}\n`, 'utf8');
  return missing.includes(line);
}

/**
 * The leak guard for a file that will hold secrets, run before anything is written: excludes it
 * (and its temp files), then asks git what it would actually do. A `.gitignore` negation
 * (`!.mcp.json`) outranks `info/exclude`, so a file git would still add is refused (exit 1).
 */
export async function guardSecretFile(root: string, relPath: string, ignoredCheck = checkIgnored(root, relPath)): Promise<void> {
  const before = await ignoredCheck;
  if (before.code !== 0 && before.code !== 1) return;
  if (before.file && before.temp) return;
  await ensureGitExcluded(root, relPath, Promise.resolve(before));
  const after = await checkIgnored(root, relPath);
  if (after.code !== 0 && after.code !== 1) return;
  if (!after.file || !after.temp) {
    const what = after.file ? `the temp file conn writes next to ${relPath}` : relPath;
    throw new OperationError(
      `git would still add ${what} (a .gitignore rule such as !${relPath} overrides .git/info/exclude): an inline render would put secrets into the repo`,
      'use --secrets env or --secrets proxy, or remove that rule',
    );
  }
}

/**
 * `git check-ignore` for `relPath` and for a temp file writeSafely would create beside it, startable
 * ahead of ensureGitExcluded so it runs while other work does.
 */
export async function checkIgnored(root: string, relPath: string): Promise<IgnoreCheck> {
  const path = splitInside(relPath).join('/');
  const temp = tempSample(path);
  const r = await git(root, ['check-ignore', '--no-index', '--', path, temp]);
  const listed = new Set(r.stdout.split('\n'));
  return { code: r.code, file: r.code === 0 && listed.has(path), temp: r.code === 0 && listed.has(temp) };
}

/** A name writeSafely's temp files take for `path` (any pid and suffix match the same pattern). */
function tempSample(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.conn-0-0.tmp`;
}

/** Matches the temp files writeSafely creates, in any folder of the repo. */
const TEMP_PATTERN = '.*.conn-*.tmp';

/** Removes temp files left by writes whose process died (killed mid-write); they may hold secrets. */
async function removeStaleTemps(dir: string, fileName: string): Promise<void> {
  const prefix = `.${fileName}.conn-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The leak guard's two answers (is the file tracked; does git ignore it) read from the files git
 * itself reads, when they are certain: a plain `.git` folder, the exact line in `info/exclude` with no
 * negation in any `.gitignore` on the way (a `.gitignore` beats `info/exclude`), and a version 2/3
 * index of SHA-1 names. Anything else (worktrees, GIT_DIR, index v4, sha256, a `!` pattern): undefined,
 * and git is asked. Saves the render two git processes in the usual case.
 */
export function leakGuardFromFiles(root: string, relPath: string): { tracked: boolean; ignored: boolean } | undefined {
  if (process.env.GIT_DIR || process.env.GIT_INDEX_FILE || process.env.GIT_WORK_TREE || process.env.GIT_COMMON_DIR) return undefined;
  const parts = splitInside(relPath);
  const path = parts.join('/');
  const gitDir = join(root, '.git');
  try {
    if (!lstatSync(gitDir).isDirectory()) return undefined;
    const exclude = readFileSync(join(gitDir, 'info', 'exclude'), 'utf8').split(/\r?\n/).map((l) => l.trim());
    // Both lines conn adds: the file's own, and its temp files' (they hold the same secrets).
    if (!exclude.includes(`/${escapePattern(path)}`) || !exclude.includes(TEMP_PATTERN)) return undefined;
    for (let i = 0; i < parts.length; i++) {
      const ignoreFile = join(root, ...parts.slice(0, i), '.gitignore');
      let text: string;
      try {
        text = readFileSync(ignoreFile, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
        return undefined;
      }
      if (text.split(/\r?\n/).some((l) => l.trimStart().startsWith('!'))) return undefined;
    }
    const config = readFileSync(join(gitDir, 'config'), 'utf8');
    if (/objectformat|worktree|include/i.test(config)) return undefined;
    const tracked = indexHas(join(gitDir, 'index'), path);
    return tracked === undefined ? undefined : { tracked, ignored: true };
  } catch {
    return undefined;
  }
}

/** Whether a version 2/3 index lists `path`; undefined when the index is of another kind. */
function indexHas(indexPath: string, path: string): boolean | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(indexPath);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? false : undefined;
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) return undefined;
  const count = buf.readUInt32BE(8);
  const want = Buffer.from(path, 'utf8');
  let at = 12;
  for (let i = 0; i < count; i++) {
    if (at + 62 > buf.length) return undefined;
    const flags = buf.readUInt16BE(at + 60);
    const extended = (flags & 0x4000) !== 0;
    if (extended && version < 3) return undefined;
    const nameAt = at + 62 + (extended ? 2 : 0);
    let nameLen = flags & 0x0fff;
    if (nameLen === 0x0fff) {
      const end = buf.indexOf(0, nameAt);
      if (end < 0) return undefined;
      nameLen = end - nameAt;
    }
    if (nameLen === want.length && buf.compare(want, 0, want.length, nameAt, nameAt + nameLen) === 0) return true;
    at += ((nameAt - at + nameLen + 8) & ~7);
  }
  // A split index (`link`) or sparse directory entries (`sdir`) list paths elsewhere: not certain.
  while (at + 8 <= buf.length - 20) {
    const signature = buf.toString('latin1', at, at + 4);
    if (signature === 'link' || signature === 'sdir') return undefined;
    at += 8 + buf.readUInt32BE(at + 4);
  }
  return false;
}

/** Whether git tracks `relPath` in the repo at `root` (false outside a git work tree). */
export async function isTrackedByGit(root: string, relPath: string): Promise<boolean> {
  const path = splitInside(relPath).join('/');
  const r = await git(root, ['--literal-pathspecs', 'ls-files', '--error-unmatch', '--', path]);
  return r.code === 0;
}

/** The path's components, refusing one that is absolute or climbs out of the repo. */
function splitInside(relPath: string): string[] {
  const norm = normalize(relPath);
  if (isAbsolute(relPath) || norm === '..' || norm.startsWith(`..${sep}`) || norm === '.' || norm === '') {
    throw new OperationError(`refusing to write ${relPath}: not a path inside the repo`);
  }
  return norm.split(sep).filter((p) => p !== '' && p !== '.');
}

function refusal(relPath: string, why: string): OperationError {
  return new OperationError(`refusing to write ${relPath}: ${why}`, 'conn never writes through a symlink; replace it with a real file or directory');
}

function relativeShown(root: string, path: string): string {
  return path.slice(root.length + 1) || path;
}

async function lstatOrNull(path: string) {
  return lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; not possible on every platform (Windows), so best effort.
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/** A gitignore pattern that matches `path` literally. */
function escapePattern(path: string): string {
  return path.replace(/[\\*?[\]!#]/g, (c) => `\\${c}`).replace(/ $/, '\\ ');
}

function git(cwd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    execFile('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 128) : 0;
      done({ code, stdout: String(stdout) });
    });
  });
}
