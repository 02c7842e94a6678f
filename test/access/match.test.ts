import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { globToRegExp, matchesRepo, parseRepoMatcher } from '../../src/access/match.js';
import { tempWorld, type TempWorld } from './fixtures.js';

describe('parseRepoMatcher', () => {
  let world: TempWorld;
  beforeEach(() => {
    world = tempWorld();
  });
  afterEach(() => world.cleanup());

  it.each([
    ['github.com/acme/api', 'github.com/acme/api'],
    ['GitHub.com/Acme/API', 'github.com/acme/api'],
    ['github.com/acme/api.git', 'github.com/acme/api'],
    ['github.com/acme/api/', 'github.com/acme/api'],
    ['github.com/acme/*', 'github.com/acme/*'],
    ['gitlab.example.com/group/sub/proj', 'gitlab.example.com/group/sub/proj'],
    ['*.example.com/team/*', '*.example.com/team/*'],
  ])('takes %s as a remote form → %s', (input, expected) => {
    expect(parseRepoMatcher(input, world.dir)).toBe(expected);
  });

  it.each([
    ['git@github.com:Acme/api.git', 'github.com/acme/api'],
    ['https://token@github.com/acme/api.git', 'github.com/acme/api'],
    ['ssh://git@github.com:22/acme/api', 'github.com/acme/api'],
  ])('accepts a remote URL as git prints it: %s', (input, expected) => {
    expect(parseRepoMatcher(input, world.dir)).toBe(expected);
  });

  it('rejects a malformed remote form', () => {
    expect(() => parseRepoMatcher('github.com//api', world.dir)).toThrow(UsageError);
    expect(() => parseRepoMatcher('', world.dir)).toThrow(UsageError);
  });

  it('resolves a relative path against cwd to the real absolute repo top', () => {
    const root = world.repo('api');
    mkdirSync(join(root, 'src'));
    expect(parseRepoMatcher('api', world.dir)).toBe(root);
    expect(parseRepoMatcher('.', root)).toBe(root);
    expect(parseRepoMatcher('./src', root)).toBe(root); // a subdirectory names its repo
    expect(parseRepoMatcher(root, '/')).toBe(root);
  });

  it('keeps a directory outside git as it is', () => {
    const dir = world.mkdir('notes');
    expect(parseRepoMatcher('notes', world.dir)).toBe(dir);
  });

  it('expands ~ and follows symlinks', () => {
    const root = world.repo('home/api');
    symlinkSync(root, join(world.dir, 'home', 'alias'));
    const saved = process.env.HOME;
    process.env.HOME = join(world.dir, 'home');
    try {
      expect(parseRepoMatcher('~/api', '/')).toBe(root);
      expect(parseRepoMatcher('~/alias', '/')).toBe(root);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('takes a relative value whose first segment has no dot as a path, and says how to write a remote', () => {
    let error: unknown;
    try {
      parseRepoMatcher('acme/api', world.dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('repo not found: acme/api');
    expect((error as UsageError).hint).toContain('github.com/acme/api');
  });

  it('requires a path without * to exist and be a directory', () => {
    expect(() => parseRepoMatcher('./missing', world.dir)).toThrow('repo not found: ./missing');
    writeFileSync(join(world.dir, 'f'), '');
    expect(() => parseRepoMatcher('./f', world.dir)).toThrow('not a directory: ./f');
  });

  it('allows a path glob that does not exist yet, making its existing prefix real', () => {
    const work = world.mkdir('work');
    symlinkSync(work, join(world.dir, 'w'));
    expect(parseRepoMatcher('w/*', world.dir)).toBe(join(work, '*'));
    expect(parseRepoMatcher('later/*/x', world.dir)).toBe(join(world.dir, 'later/*/x'));
  });
});

describe('matchesRepo', () => {
  const api = { root: '/home/u/work/api', remote: 'github.com/acme/api' };

  it('matches a path matcher against the root exactly', () => {
    expect(matchesRepo('/home/u/work/api', api)).toBe(true);
    expect(matchesRepo('/home/u/work', api)).toBe(false);
    expect(matchesRepo('/home/u/work/api/src', api)).toBe(false);
    expect(matchesRepo('/home/u/work/ap', api)).toBe(false);
  });

  it('globs a path within one segment', () => {
    expect(matchesRepo('/home/u/work/*', api)).toBe(true);
    expect(matchesRepo('/home/*/work/api', api)).toBe(true);
    expect(matchesRepo('/home/*', api)).toBe(false);
    expect(matchesRepo('/home/u/work/a*', api)).toBe(true);
    expect(matchesRepo('/home/u/work/b*', api)).toBe(false);
  });

  it('matches a remote matcher against the origin, ignoring case', () => {
    expect(matchesRepo('github.com/acme/api', api)).toBe(true);
    expect(matchesRepo('github.com/acme/api', { root: '/x', remote: 'github.com/Acme/API' })).toBe(true);
    expect(matchesRepo('github.com/acme/web', api)).toBe(false);
    expect(matchesRepo('gitlab.com/acme/api', api)).toBe(false);
  });

  it('globs a remote within one segment', () => {
    expect(matchesRepo('github.com/acme/*', api)).toBe(true);
    expect(matchesRepo('github.com/acme/*', { root: '/x', remote: 'github.com/acme/api/x' })).toBe(false);
    expect(matchesRepo('github.com/*/api', api)).toBe(true);
    expect(matchesRepo('github.com/other/*', api)).toBe(false);
  });

  it('never matches a remote matcher for a repo without a remote, nor a path matcher by remote', () => {
    expect(matchesRepo('github.com/acme/*', { root: '/home/u/work/api' })).toBe(false);
    expect(matchesRepo('/github.com/acme/api', api)).toBe(false);
  });

  it('treats regex characters in a matcher literally', () => {
    expect(matchesRepo('github.com/acme/a.i', api)).toBe(false);
    expect(matchesRepo('github.com/acme/(api)', { root: '/x', remote: 'github.com/acme/(api)' })).toBe(true);
    expect(globToRegExp('a+b*').test('a+b-c')).toBe(true);
    expect(globToRegExp('a+b*').test('aab')).toBe(false);
  });
});
