// Repo matchers, as stored on assignments: an absolute path or a `host/owner/name` remote, each
// with `*` globs that stay within one path segment.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { expandHome, findGitTop, normalizeRemote } from './repo.js';

export interface RepoRef {
  root: string;
  remote?: string;
}

/** A remote form: `host/…` where the host has a dot, not a path (`/`, `.`, `~`). */
function isRemoteForm(input: string): boolean {
  if (!input.includes('/') || /^[/.~]/.test(input)) return false;
  return input.split('/')[0]!.includes('.');
}

/** A URL or scp-like remote as git prints it (`https://…`, `git@host:owner/name.git`). */
function isGitUrl(input: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(input) || /^[^@/:]+@[^/:]+:/.test(input);
}

/**
 * Turns a `--repo` value into the matcher stored on an assignment.
 * Remote forms are lower-cased; paths become absolute and real, and a path inside a git work tree
 * becomes the top of that tree (so `--repo .` from a subdirectory names the repo).
 */
export function parseRepoMatcher(input: string, cwd: string): string {
  const value = input.trim();
  if (value === '') throw new UsageError('empty --repo value', 'give a path or host/owner/name');
  if (isGitUrl(value)) {
    const remote = normalizeRemote(value);
    if (remote === undefined) throw new UsageError(`not a remote with a host: ${input}`);
    return remote.toLowerCase();
  }
  if (isRemoteForm(value)) return normalizeRemoteMatcher(value, input);
  return value.includes('*') ? pathGlob(value, cwd) : existingPath(value, input, cwd);
}

function normalizeRemoteMatcher(value: string, input: string): string {
  const matcher = value.toLowerCase().replace(/\/+$/, '').replace(/\.git$/, '');
  const segments = matcher.split('/');
  if (segments.length < 2 || segments.some((s) => s === '')) {
    throw new UsageError(`invalid repo remote: ${input}`, 'expected host/owner/name, e.g. github.com/acme/api');
  }
  return matcher;
}

function existingPath(value: string, input: string, cwd: string): string {
  const absolute = resolve(cwd, expandHome(value));
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    const looksLikeRemote = value.includes('/') && !/^[/.~]/.test(value);
    throw new UsageError(
      `repo not found: ${input}`,
      looksLikeRemote ? `a remote starts with its host, e.g. github.com/${value}` : undefined,
    );
  }
  if (!statSync(real).isDirectory()) throw new UsageError(`not a directory: ${input}`);
  const top = findGitTop(real);
  return typeof top === 'string' && top !== 'unsure' ? top : real;
}

/** A path glob: the part before the first `*` is made real, so it compares with real repo roots. */
function pathGlob(value: string, cwd: string): string {
  const absolute = resolve(cwd, expandHome(value));
  const segments = absolute.split(sep);
  const firstGlob = segments.findIndex((s) => s.includes('*'));
  const prefix = segments.slice(0, firstGlob).join(sep) || sep;
  let realPrefix = prefix;
  try {
    realPrefix = realpathSync(prefix);
  } catch {
    // Not there yet: the glob still means what it says.
  }
  return join(realPrefix, ...segments.slice(firstGlob));
}

/** `*` matches within one segment (never `/`); everything else is literal. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`, flags);
}

export function isPathMatcher(matcher: string): boolean {
  return isAbsolute(matcher);
}

/** Path matchers compare with the repo root; remote matchers with its origin, ignoring case. */
export function matchesRepo(matcher: string, repo: RepoRef): boolean {
  if (isPathMatcher(matcher)) {
    return matcher.includes('*') ? globToRegExp(matcher).test(repo.root) : matcher === repo.root;
  }
  if (repo.remote === undefined) return false;
  return globToRegExp(matcher, 'i').test(repo.remote);
}
