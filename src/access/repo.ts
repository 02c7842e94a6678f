// Repo identity: where a directory's work tree starts and what its origin remote is.
// Runs on every `cd` through the shell hook, so the common cases are answered from the file system
// alone; git itself is spawned only for layouts the quick path cannot read for certain.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

export interface RepoTop {
  /** Real, absolute path: the top of the git work tree, or the directory itself outside git. */
  root: string;
  isGit: boolean;
}

export interface RepoIdentity extends RepoTop {
  /** The origin remote in `host/owner/name` form, when there is one with a host. */
  remote?: string;
}

/** `~` and `~/x` → the home directory; anything else unchanged. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/** Absolute, real path of an existing directory, or a UsageError naming what the user typed. */
export function realDirectory(input: string, cwd: string = process.cwd()): string {
  const absolute = resolve(cwd, expandHome(input));
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    throw new UsageError(`repo not found: ${input}`);
  }
  if (!statSync(real).isDirectory()) throw new UsageError(`not a directory: ${input}`);
  return real;
}

/**
 * Walks up from a real directory looking for `.git` (a directory with a HEAD, or a `gitdir:` file)
 * and returns the directory holding it. `undefined`: no marker up to `/`; `'unsure'`: git must
 * decide (an odd `.git`, or GIT_DIR / GIT_WORK_TREE set).
 */
export function findGitTop(realDir: string): string | 'unsure' | undefined {
  if (process.env.GIT_DIR || process.env.GIT_WORK_TREE) return 'unsure';
  for (let dir = realDir; ; dir = dirname(dir)) {
    const marker = join(dir, '.git');
    const stat = statSync(marker, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      return statSync(join(marker, 'HEAD'), { throwIfNoEntry: false }) ? dir : 'unsure';
    }
    if (stat?.isFile()) {
      return readHead(marker).startsWith('gitdir:') ? dir : 'unsure';
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function readHead(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(0, 8);
  } catch {
    return '';
  }
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  // Loaded only when git must decide: the common `cd` answers from the file system alone.
  const { execFile } = await import('node:child_process');
  return new Promise((done) => {
    // An argument array and no shell: a directory name is never interpreted.
    execFile('git', args, { cwd, encoding: 'utf8', timeout: 10_000 }, (err, stdout) => {
      done(err ? undefined : stdout.trim());
    });
  });
}

export async function repoTop(dir: string): Promise<RepoTop> {
  const real = realDirectory(dir);
  const found = findGitTop(real);
  if (found === undefined) return { root: real, isGit: false };
  if (found !== 'unsure') return { root: found, isGit: true };
  const top = await git(real, ['rev-parse', '--show-toplevel']);
  return top ? { root: realpathSync(top), isGit: true } : { root: real, isGit: false };
}

/** The normalised origin remote of a work tree top, or undefined (no origin, or a local path). */
export async function originRemote(root: string): Promise<string | undefined> {
  const gitDir = join(root, '.git');
  const stat = statSync(gitDir, { throwIfNoEntry: false });
  if (stat?.isDirectory() && !process.env.GIT_DIR) {
    let text: string | undefined;
    try {
      text = readFileSync(join(gitDir, 'config'), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      const url = originFromConfig(text);
      if (url !== 'unsure') return url === undefined ? undefined : normalizeRemote(url);
    }
  }
  // Worktrees and submodules (a `.git` file), includes: let git read its own config.
  const url = await git(root, ['config', '--get', 'remote.origin.url']);
  return url ? normalizeRemote(url) : undefined;
}

export async function repoIdentity(dir: string): Promise<RepoIdentity> {
  const top = await repoTop(dir);
  if (!top.isGit) return top;
  const remote = await originRemote(top.root);
  return remote === undefined ? top : { ...top, remote };
}

/**
 * `remote.origin.url` from the text of a git config file (the last value wins, as with
 * `git config --get`). `'unsure'` when the file includes others, which only git should follow.
 */
export function originFromConfig(text: string): string | undefined | 'unsure' {
  let inOrigin = false;
  let url: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      const header = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
      if (!header) return 'unsure';
      const section = header[1]!.toLowerCase();
      if (section === 'include' || section.startsWith('includeif')) return 'unsure';
      // `[remote "origin"]`, or the old `[remote.origin]` form.
      inOrigin =
        header[2] !== undefined
          ? section === 'remote' && header[2].replace(/\\(.)/g, '$1') === 'origin'
          : section === 'remote.origin';
      const rest = line.slice(header[0].length).trim();
      if (!inOrigin || rest === '' || rest.startsWith('#') || rest.startsWith(';')) continue;
      return 'unsure'; // a key on the header line: legal, rare, leave it to git
    }
    if (!inOrigin) continue;
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry || entry[1]!.toLowerCase() !== 'url' || entry[2] === undefined) continue;
    if (entry[2].endsWith('\\')) return 'unsure'; // continued on the next line
    url = configValue(entry[2]);
  }
  return url;
}

/** A git config value: quotes removed, escapes applied, a trailing comment dropped. */
function configValue(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!;
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'b' ? '\b' : next;
    } else if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '#' || ch === ';')) break;
    else out += ch;
  }
  return out.trim();
}

/**
 * A git remote URL in `host/owner/name` form: lower-case host, no scheme, credentials, port,
 * `.git` or trailing `/`. Path case is kept (matching ignores case). Undefined for local paths,
 * `file://` URLs, and anything without a host and a path.
 */
export function normalizeRemote(url: string): string | undefined {
  const text = url.trim();
  let host: string;
  let path: string;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(text);
  if (scheme) {
    if (scheme[1]!.toLowerCase() === 'file') return undefined;
    const rest = scheme[2]!.replace(/[?#].*$/, '');
    const slash = rest.indexOf('/');
    let authority = slash === -1 ? rest : rest.slice(0, slash);
    path = slash === -1 ? '' : rest.slice(slash);
    authority = authority.slice(authority.lastIndexOf('@') + 1);
    const ipv6 = /^(\[[^\]]*\])(?::.*)?$/.exec(authority);
    if (ipv6) host = ipv6[1]!;
    else {
      const colon = authority.indexOf(':');
      host = colon === -1 ? authority : authority.slice(0, colon);
      const after = colon === -1 ? '' : authority.slice(colon + 1);
      // `ssh://git@host:acme/api`: not a port but an scp-style path.
      if (after !== '' && !/^\d+$/.test(after)) path = `/${after}${path}`;
    }
  } else {
    // scp-like `[user@]host:path`; a `/` before the first `:` makes it a local path.
    const scp = /^(?:[^@/:]+@)?(\[[^\]]*\]|[^/:]+):(.*)$/.exec(text);
    if (!scp) return undefined;
    host = scp[1]!;
    path = scp[2]!;
  }
  host = host.toLowerCase();
  path = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');
  if (host === '' || path === '') return undefined;
  return `${host}/${path}`;
}
