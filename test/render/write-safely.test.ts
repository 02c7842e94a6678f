import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGitExcluded, isTrackedByGit, leakGuardFromFiles, writeSafely } from '../../src/render/write-safely.js';
import { OperationError } from '../../src/errors.js';

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

let tmp: string;
let repo: string;
let outside: string;

beforeEach(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'conn-write-')));
  repo = join(tmp, 'repo');
  outside = join(tmp, 'outside');
  mkdirSync(repo);
  mkdirSync(outside);
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function initRepo(dir = repo): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'Test');
}

describe('writeSafely', () => {
  it('writes the file, creating parent directories', async () => {
    await writeSafely(repo, '.cursor/mcp.json', '{}\n');
    expect(readFileSync(join(repo, '.cursor/mcp.json'), 'utf8')).toBe('{}\n');
  });

  it('writes with the requested mode, whatever the umask', async () => {
    const old = process.umask(0o022);
    try {
      await writeSafely(repo, '.mcp.json', 'secret', { mode: 0o600 });
      expect(statSync(join(repo, '.mcp.json')).mode & 0o777).toBe(0o600);
      writeFileSync(join(repo, 'loose.json'), 'x', { mode: 0o644 });
      await writeSafely(repo, 'loose.json', 'secret', { mode: 0o600 });
      expect(statSync(join(repo, 'loose.json')).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it("keeps an existing file's mode when none is asked for", async () => {
    writeFileSync(join(repo, 'opencode.json'), '{}', { mode: 0o640 });
    await writeSafely(repo, 'opencode.json', '{"a":1}');
    expect(statSync(join(repo, 'opencode.json')).mode & 0o777).toBe(0o640);
  });

  it('replaces the file by rename and leaves no temp file behind', async () => {
    writeFileSync(join(repo, '.mcp.json'), 'old');
    const before = statSync(join(repo, '.mcp.json')).ino;
    await writeSafely(repo, '.mcp.json', 'new');
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toBe('new');
    expect(statSync(join(repo, '.mcp.json')).ino).not.toBe(before);
    expect(readdirSync(repo)).toEqual(['.mcp.json']);
  });

  it('refuses a target that is a symlink, and leaves what it points to alone', async () => {
    writeFileSync(join(outside, 'victim'), 'keep');
    symlinkSync(join(outside, 'victim'), join(repo, '.mcp.json'));
    await expect(writeSafely(repo, '.mcp.json', 'secret')).rejects.toThrow(OperationError);
    await expect(writeSafely(repo, '.mcp.json', 'secret')).rejects.toThrow(/symlink/);
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('keep');
  });

  it('refuses when a parent directory inside the repo is a symlink', async () => {
    symlinkSync(outside, join(repo, '.cursor'));
    await expect(writeSafely(repo, '.cursor/mcp.json', 'secret')).rejects.toThrow(/\.cursor is a symlink/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a dangling symlink too', async () => {
    symlinkSync(join(outside, 'nothing-yet'), join(repo, '.mcp.json'));
    await expect(writeSafely(repo, '.mcp.json', 'secret')).rejects.toThrow(/symlink/);
    expect(existsSync(join(outside, 'nothing-yet'))).toBe(false);
  });

  it('refuses a path that leaves the repo', async () => {
    await expect(writeSafely(repo, '../outside/x.json', 'secret')).rejects.toThrow(OperationError);
    await expect(writeSafely(repo, join(outside, 'x.json'), 'secret')).rejects.toThrow(OperationError);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses to replace a directory', async () => {
    mkdirSync(join(repo, '.mcp.json'));
    await expect(writeSafely(repo, '.mcp.json', '{}')).rejects.toThrow(/not a regular file/);
  });
});

describe('writeSafely after a killed write', () => {
  it('removes temp files of dead processes before writing, and keeps a live one', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const stale = `..mcp.json.conn-${dead.stdout}-0000.tmp`;
    const live = `..mcp.json.conn-${process.ppid}-1111.tmp`;
    writeFileSync(join(repo, stale), 'old secret');
    writeFileSync(join(repo, live), 'in progress');
    await writeSafely(repo, '.mcp.json', '{}\n');
    expect(existsSync(join(repo, stale))).toBe(false);
    expect(existsSync(join(repo, live))).toBe(true);
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toBe('{}\n');
  });
});

describe('ensureGitExcluded', () => {
  it('adds the path to .git/info/exclude once', async () => {
    initRepo();
    expect(await ensureGitExcluded(repo, '.mcp.json')).toBe(true);
    expect(await ensureGitExcluded(repo, '.mcp.json')).toBe(false);
    const exclude = readFileSync(join(repo, '.git/info/exclude'), 'utf8');
    expect(exclude.split('\n').filter((l) => l === '/.mcp.json')).toHaveLength(1);
    writeFileSync(join(repo, '.mcp.json'), '{}');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('keeps the temp files of an interrupted write out of git too', async () => {
    initRepo();
    await ensureGitExcluded(repo, '.mcp.json');
    // writeSafely's temp names: `.<file>.conn-<pid>-<hex>.tmp` next to the target.
    writeFileSync(join(repo, '..mcp.json.conn-12345-abcd.tmp'), 'secret');
    mkdirSync(join(repo, '.cursor'));
    writeFileSync(join(repo, '.cursor', '.mcp.json.conn-1-ff.tmp'), 'secret');
    writeFileSync(join(repo, 'notes.tmp'), 'not ours');
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('?? notes.tmp');
  });

  it('adds nothing when git already ignores the path', async () => {
    initRepo();
    writeFileSync(join(repo, '.gitignore'), '.cursor/\n');
    const before = readFileSync(join(repo, '.git/info/exclude'), 'utf8');
    expect(await ensureGitExcluded(repo, '.cursor/mcp.json')).toBe(false);
    expect(readFileSync(join(repo, '.git/info/exclude'), 'utf8')).toBe(before);
  });

  it('finds the exclude file of a linked worktree through its .git file', async () => {
    initRepo();
    writeFileSync(join(repo, 'README'), 'x');
    git(repo, 'add', 'README');
    git(repo, 'commit', '-q', '-m', 'init');
    const wt = join(tmp, 'wt');
    git(repo, 'worktree', 'add', '-q', wt);
    expect(await ensureGitExcluded(wt, '.vscode/mcp.json')).toBe(true);
    const path = git(wt, 'rev-parse', '--path-format=absolute', '--git-path', 'info/exclude');
    expect(readFileSync(path, 'utf8')).toContain('/.vscode/mcp.json\n');
    writeFileSync(join(wt, 'x'), '');
    mkdirSync(join(wt, '.vscode'));
    writeFileSync(join(wt, '.vscode/mcp.json'), '{}');
    expect(git(wt, 'status', '--porcelain', '--', '.vscode')).toBe('');
  });

  it('does nothing outside a git work tree', async () => {
    expect(await ensureGitExcluded(repo, '.mcp.json')).toBe(false);
    expect(existsSync(join(repo, '.git'))).toBe(false);
  });
});

describe('isTrackedByGit', () => {
  it('tells a tracked file from an untracked one', async () => {
    initRepo();
    writeFileSync(join(repo, '.mcp.json'), '{}');
    expect(await isTrackedByGit(repo, '.mcp.json')).toBe(false);
    git(repo, 'add', '.mcp.json');
    expect(await isTrackedByGit(repo, '.mcp.json')).toBe(true);
    git(repo, 'commit', '-q', '-m', 'add');
    expect(await isTrackedByGit(repo, '.mcp.json')).toBe(true);
    expect(await isTrackedByGit(repo, '.cursor/mcp.json')).toBe(false);
  });

  it('is false outside a git work tree', async () => {
    writeFileSync(join(repo, '.mcp.json'), '{}');
    expect(await isTrackedByGit(repo, '.mcp.json')).toBe(false);
  });
});

describe('the leak guard answered from .git files', () => {
  /** What git itself says, for comparison. */
  const gitSays = async (rel: string) => ({
    tracked: await isTrackedByGit(repo, rel),
    ignored: spawnSync('git', ['check-ignore', '-q', '--no-index', '--', rel], { cwd: repo }).status === 0,
  });

  it('agrees with git when certain: excluded and untracked, excluded and tracked, in a subfolder', async () => {
    initRepo();
    for (let i = 0; i < 30; i++) writeFileSync(join(repo, `file-${i}-${'x'.repeat(i * 7)}.txt`), 'x');
    git(repo, 'add', '.');
    await ensureGitExcluded(repo, '.mcp.json');
    await ensureGitExcluded(repo, '.cursor/mcp.json');
    expect(leakGuardFromFiles(repo, '.mcp.json')).toEqual({ tracked: false, ignored: true });
    expect(leakGuardFromFiles(repo, '.mcp.json')).toEqual(await gitSays('.mcp.json'));
    writeFileSync(join(repo, '.mcp.json'), '{}');
    git(repo, 'add', '-f', '.mcp.json');
    expect(leakGuardFromFiles(repo, '.mcp.json')).toEqual({ tracked: true, ignored: true });
    expect(leakGuardFromFiles(repo, '.mcp.json')).toEqual(await gitSays('.mcp.json'));
    expect(leakGuardFromFiles(repo, '.cursor/mcp.json')).toEqual(await gitSays('.cursor/mcp.json'));
  });

  it('leaves it to git when not certain: no exclude line, a negation in a .gitignore, an index v4', async () => {
    initRepo();
    expect(leakGuardFromFiles(repo, '.mcp.json')).toBeUndefined();
    await ensureGitExcluded(repo, '.mcp.json');
    mkdirSync(join(repo, '.cursor'));
    await ensureGitExcluded(repo, '.cursor/mcp.json');
    writeFileSync(join(repo, '.cursor', '.gitignore'), '!mcp.json\n');
    expect(leakGuardFromFiles(repo, '.cursor/mcp.json')).toBeUndefined();
    writeFileSync(join(repo, 'a.txt'), 'a');
    git(repo, 'add', 'a.txt');
    expect(leakGuardFromFiles(repo, '.mcp.json')).toEqual({ tracked: false, ignored: true });
    git(repo, 'update-index', '--index-version', '4');
    expect(leakGuardFromFiles(repo, '.mcp.json')).toBeUndefined();
  });
});
