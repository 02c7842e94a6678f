// `conn scan`: agent MCP config files (on disk, and with history in every commit) that hold
// secret-looking values. Findings name the file, server, key and kind of secret, never the value.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { detectSecret, argValues, tokenPrefixIn, type DetectContext, type SecretRule, type ValueSite } from './secrets-detect.js';
import { parseSourceText, projectFiles, SourceParseError, type Source } from './sources.js';

export interface ScanFinding {
  /** Relative to the scanned directory (history: to the repo top). */
  file: string;
  commit?: string;
  server: string;
  site: ValueSite | 'text';
  key: string;
  rule: SecretRule;
  reason: string;
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

/** Which agent a config file belongs to, by its path relative to the scanned root; undefined = not one. */
export function configSource(relPath: string): Source | undefined {
  const path = relPath.split(/[\\/]/).join('/');
  const name = path.split('/').pop()!;
  if (/^claude_desktop_config.*\.json$/.test(name)) return 'claude-desktop';
  // A bare mcp.json counts at the scanned root only (elsewhere it is too often something else).
  if (path === 'mcp.json') return 'mcp-json';
  for (const { file, source } of projectFiles()) {
    if (source === 'mcp-json') continue;
    if (path === file || path.endsWith(`/${file}`)) return source;
  }
  if (/\.ya?ml$/.test(name) && path.includes('.continue/mcpServers/')) return 'continue';
  return undefined;
}

/** Git pathspecs for the same files, for history scans. */
export const CONFIG_PATHSPECS = [
  ...projectFiles()
    .filter((f) => f.source !== 'mcp-json')
    .map((f) => `:(glob)**/${f.file}`),
  ':(glob)**/claude_desktop_config*.json',
  ':(glob)**/.continue/mcpServers/*.yaml',
  ':(top,literal)mcp.json',
];

/** Config files under `dir` (relative paths, sorted); node_modules and .git are skipped, symlinks not followed. */
export function findConfigFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(abs, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(path);
      } else if (e.isFile()) {
        const rel = relative(dir, path);
        if (configSource(rel)) out.push(rel.split(sep).join('/'));
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** Findings in one file's text. A file that does not parse is searched line by line for vendor tokens. */
export function scanText(text: string, file: string, ctx: DetectContext): ScanFinding[] {
  const source = configSource(file)!;
  let servers;
  try {
    servers = parseSourceText(text, { path: file, source, scope: 'project' });
  } catch (err) {
    if (!(err instanceof SourceParseError)) throw err;
    const out: ScanFinding[] = [];
    text.split('\n').forEach((line, i) => {
      const hit = tokenPrefixIn(line);
      if (hit) out.push({ file, server: '(unparsed file)', site: 'text', key: `line ${i + 1}`, rule: 'token-prefix', reason: `${hit[1]} (${hit[0]}…)` });
    });
    return out;
  }
  const out: ScanFinding[] = [];
  for (const s of servers) {
    const add = (site: ValueSite, key: string, value: string) => {
      const found = detectSecret(site, key, value, ctx);
      if (found) out.push({ file, server: s.name, site, key, rule: found.rule, reason: found.reason });
    };
    for (const [k, v] of Object.entries(s.env)) add('env', k, v);
    for (const [k, v] of Object.entries(s.headers)) add('header', k, v);
    for (const { key, value } of argValues(s.args)) add('arg', key, value);
    if (s.url) add('url', 'url', s.url);
  }
  return out;
}

export function scanDirectory(dir: string, files: string[], ctx: DetectContext): { findings: ScanFinding[]; unreadable: string[] } {
  const findings: ScanFinding[] = [];
  const unreadable: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      unreadable.push(file);
      continue;
    }
    findings.push(...scanText(text, file, ctx));
  }
  return { findings, unreadable };
}

function git(dir: string, args: string[], input?: string): { code: number | null; stdout: string } {
  const r = spawnSync('git', args, { cwd: dir, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.error ? null : r.status, stdout: r.stdout ?? '' };
}

/** The subset of `files` git ignores in `dir` (empty outside a git work tree). Tracked files never count as ignored. */
export function gitIgnored(dir: string, files: string[]): Set<string> {
  if (!files.length) return new Set();
  const r = git(dir, ['check-ignore', '-z', '--stdin'], files.join('\0') + '\0');
  if (r.code !== 0) return new Set();
  return new Set(r.stdout.split('\0').filter(Boolean));
}

export function isGitWorkTree(dir: string): boolean {
  return git(dir, ['rev-parse', '--is-inside-work-tree']).stdout.trim() === 'true';
}

/** Every commit (all refs) that added or changed a config file, with the findings in that version. */
export function scanHistory(dir: string, ctx: DetectContext): ScanFinding[] {
  const log = git(dir, ['log', '--all', '--format=%x01%H', '--name-only', '--diff-filter=AMR', '--', ...CONFIG_PATHSPECS]);
  if (log.code !== 0) return [];
  const findings: ScanFinding[] = [];
  const byBlob = new Map<string, ScanFinding[]>();
  for (const chunk of log.stdout.split('\x01')) {
    const [commit, ...paths] = chunk.trim().split('\n').map((l) => l.trim());
    if (!commit) continue;
    for (const path of paths.filter(Boolean)) {
      if (!configSource(path)) continue;
      const blob = git(dir, ['rev-parse', `${commit}:${path}`]).stdout.trim();
      if (!blob) continue;
      let found = byBlob.get(blob);
      if (!found) {
        const show = git(dir, ['cat-file', 'blob', blob]);
        found = show.code === 0 ? scanText(show.stdout, path, ctx) : [];
        byBlob.set(blob, found);
      }
      for (const f of found) findings.push({ ...f, commit });
    }
  }
  return findings;
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 10);
}
