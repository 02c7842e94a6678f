import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  normalizeRemote,
  originFromConfig,
  originRemote,
  repoIdentity,
  repoTop,
} from '../../src/access/repo.js';
import { git, tempWorld, type TempWorld } from './fixtures.js';

describe('normalizeRemote', () => {
  it.each([
    ['git@github.com:acme/api.git', 'github.com/acme/api'],
    ['git@github.com:acme/api', 'github.com/acme/api'],
    ['github.com:acme/api.git', 'github.com/acme/api'],
    ['git@github.com:/acme/api.git', 'github.com/acme/api'],
    ['https://github.com/acme/api', 'github.com/acme/api'],
    ['https://github.com/acme/api.git', 'github.com/acme/api'],
    ['https://github.com/acme/api/', 'github.com/acme/api'],
    ['https://github.com/acme/api.git/', 'github.com/acme/api'],
    ['https://user:ghp_secret123@github.com/acme/api.git', 'github.com/acme/api'],
    ['https://x-access-token@github.com/acme/api', 'github.com/acme/api'],
    ['HTTPS://GitHub.COM/acme/api', 'github.com/acme/api'],
    ['http://gitlab.example.com:8080/group/sub/proj.git', 'gitlab.example.com/group/sub/proj'],
    ['ssh://git@github.com:22/acme/api', 'github.com/acme/api'],
    ['ssh://git@github.com/acme/api.git', 'github.com/acme/api'],
    ['ssh://git@github.com:acme/api.git', 'github.com/acme/api'],
    ['git+ssh://git@github.com/acme/api.git', 'github.com/acme/api'],
    ['git://github.com/acme/api.git', 'github.com/acme/api'],
    ['https://github.com/acme/api.git?ref=x#frag', 'github.com/acme/api'],
    ['  git@github.com:acme/api.git\n', 'github.com/acme/api'],
    ['ssh://git@[::1]:2222/acme/api.git', '[::1]/acme/api'],
  ])('%s → %s', (url, expected) => {
    expect(normalizeRemote(url)).toBe(expected);
  });

  it('keeps the path case (matching ignores it) but lower-cases the host', () => {
    expect(normalizeRemote('git@GitHub.com:Acme/API.git')).toBe('github.com/Acme/API');
  });

  it.each(['/srv/git/api.git', './api', '../api.git', 'file:///srv/git/api.git', '', 'https://github.com', 'https://github.com/'])(
    'has no remote form for a local path or a URL without a path: %j',
    (url) => {
      expect(normalizeRemote(url)).toBeUndefined();
    },
  );

  it('never keeps credentials', () => {
    const out = normalizeRemote('https://bob:s3cr3t-token@git.example.org/team/app.git');
    expect(out).toBe('git.example.org/team/app');
    expect(out).not.toContain('s3cr3t');
  });
});

describe('originFromConfig', () => {
  it('reads the origin url and ignores other remotes', () => {
    const text = [
      '[core]',
      '\tbare = false',
      '[remote "upstream"]',
      '\turl = https://github.com/other/api.git',
      '[remote "origin"]',
      '\turl = git@github.com:acme/api.git',
      '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    ].join('\n');
    expect(originFromConfig(text)).toBe('git@github.com:acme/api.git');
  });

  it('handles quotes, comments, key case and the last value winning, like git config --get', () => {
    const text = [
      '# a comment',
      '[Remote "origin"]',
      '  URL = "https://github.com/acme/first.git" ; trailing',
      '[remote "origin"]',
      '  url = https://github.com/acme/api.git # why',
    ].join('\n');
    expect(originFromConfig(text)).toBe('https://github.com/acme/api.git');
  });

  it('reads the old [remote.origin] form and does not confuse a differently-cased subsection', () => {
    expect(originFromConfig('[remote.origin]\n url = git@h.io:a/b\n')).toBe('git@h.io:a/b');
    expect(originFromConfig('[remote "Origin"]\n url = git@h.io:a/b\n')).toBeUndefined();
  });

  it('defers to git when the config includes other files', () => {
    expect(originFromConfig('[include]\n path = other\n[remote "origin"]\n url = x:y/z\n')).toBe('unsure');
    expect(originFromConfig('[includeIf "gitdir:~/w/"]\n path = other\n')).toBe('unsure');
  });

  it('is undefined with no origin', () => {
    expect(originFromConfig('[core]\n bare = false\n')).toBeUndefined();
  });
});

describe('repo identity on disk', () => {
  let world: TempWorld;
  beforeEach(() => {
    world = tempWorld();
  });
  afterEach(() => world.cleanup());

  it.each([
    ['git@github.com:acme/api.git'],
    ['https://github.com/acme/api'],
    ['https://user:token@github.com/acme/api.git'],
    ['ssh://git@github.com:22/acme/api'],
    ['git://github.com/acme/api.git'],
  ])('reads a real origin remote %s as github.com/acme/api', async (origin) => {
    const root = world.repo('api', origin);
    expect(await repoIdentity(root)).toEqual({ root, isGit: true, remote: 'github.com/acme/api' });
    expect(await originRemote(root)).toBe('github.com/acme/api');
  });

  it('agrees with git about the origin url it read from .git/config', async () => {
    const root = world.repo('api', 'ssh://git@github.com:22/acme/api');
    expect(normalizeRemote(git(root, 'config', '--get', 'remote.origin.url'))).toBe(await originRemote(root));
  });

  it('resolves a subdirectory to the top of its work tree', async () => {
    const root = world.repo('api', 'git@github.com:acme/api.git');
    const deep = join(root, 'src', 'lib');
    mkdirSync(deep, { recursive: true });
    expect(await repoTop(deep)).toEqual({ root, isGit: true });
    expect((await repoIdentity(deep)).remote).toBe('github.com/acme/api');
    expect(git(deep, 'rev-parse', '--show-toplevel')).toBe(root);
  });

  it('resolves a relative path against the current directory', async () => {
    const root = world.repo('api');
    const sub = join(root, 'pkg');
    mkdirSync(sub);
    expect((await repoTop(relative(process.cwd(), sub))).root).toBe(root);
  });

  it('resolves ~ against the home directory', async () => {
    const root = world.repo('home/api');
    const saved = process.env.HOME;
    process.env.HOME = join(world.dir, 'home');
    try {
      expect((await repoTop('~/api')).root).toBe(root);
      expect((await repoTop('~')).root).toBe(join(world.dir, 'home'));
    } finally {
      process.env.HOME = saved;
    }
  });

  it('follows a symlink to the real repo', async () => {
    const root = world.repo('api', 'git@github.com:acme/api.git');
    const link = join(world.dir, 'link');
    symlinkSync(root, link);
    expect(await repoIdentity(link)).toEqual({ root, isGit: true, remote: 'github.com/acme/api' });
  });

  it('has no remote for a repo without origin, or with a local-path origin', async () => {
    const bare = world.repo('plain');
    expect(await repoIdentity(bare)).toEqual({ root: bare, isGit: true });
    const local = world.repo('local', '/srv/git/api.git');
    expect(await repoIdentity(local)).toEqual({ root: local, isGit: true });
  });

  it('treats a directory outside git as its own root', async () => {
    const dir = world.mkdir('scratch/inner');
    expect(await repoIdentity(dir)).toEqual({ root: dir, isGit: false });
  });

  it('is a usage error for a missing directory, naming it', async () => {
    const missing = join(world.dir, 'nope');
    await expect(repoTop(missing)).rejects.toThrow(UsageError);
    await expect(repoTop(missing)).rejects.toThrow(`repo not found: ${missing}`);
  });

  it('is a usage error for a file', async () => {
    const file = join(world.dir, 'file.txt');
    writeFileSync(file, 'x');
    await expect(repoIdentity(file)).rejects.toThrow(`not a directory: ${file}`);
  });

  it('answers a plain repo from the file system alone, without spawning git (the cd hook path)', async () => {
    const root = world.repo('api', 'git@github.com:acme/api.git');
    mkdirSync(join(root, 'src'));
    const saved = process.env.PATH;
    process.env.PATH = join(world.dir, 'no-bin'); // no git to be found
    try {
      expect(await repoIdentity(join(root, 'src'))).toEqual({ root, isGit: true, remote: 'github.com/acme/api' });
    } finally {
      process.env.PATH = saved;
    }
  });

  it('finds a linked worktree (a .git file) and its origin through git', async () => {
    const root = world.repo('api', 'git@github.com:acme/api.git');
    git(root, '-c', 'user.email=t@example.com', '-c', 'user.name=T', 'commit', '-q', '--allow-empty', '-m', 'init');
    const tree = join(world.dir, 'api-feature');
    git(root, 'worktree', 'add', '-q', tree, '-b', 'feature');
    const sub = join(tree, 'sub');
    mkdirSync(sub);
    expect(await repoIdentity(sub)).toEqual({ root: realpathSync(tree), isGit: true, remote: 'github.com/acme/api' });
  });

  it('follows a config include through git', async () => {
    const root = world.repo('api');
    const extra = join(world.dir, 'extra.gitconfig');
    writeFileSync(extra, '[remote "origin"]\n\turl = https://gitlab.com/team/app.git\n');
    git(root, 'config', 'include.path', extra);
    expect(await originRemote(root)).toBe('gitlab.com/team/app');
  });

  it('asks git when a .git directory is not a repo, and falls back to the directory itself', async () => {
    const dir = world.mkdir('fake');
    mkdirSync(join(dir, '.git'));
    expect(await repoTop(dir)).toEqual({ root: dir, isGit: false });
  });
});
