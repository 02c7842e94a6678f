import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ScanFinding } from '../adopt/scan.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';

export interface ScanOptions {
  dir: string;
  history: boolean;
  includeIgnored: boolean;
  json: boolean;
}

interface ScanFlags {
  history?: boolean;
  includeIgnored?: boolean;
  json?: boolean;
}

export function parseScan(dir: string | undefined, flags: ScanFlags): ScanOptions {
  const abs = resolve(dir ?? '.');
  if (!statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`not a directory: ${dir}`);
  return { dir: abs, history: Boolean(flags.history), includeIgnored: Boolean(flags.includeIgnored), json: Boolean(flags.json) };
}

export async function run(opts: ScanOptions, deps: Deps): Promise<void> {
  const scan = await import('../adopt/scan.js');
  const { detectContext } = await import('../adopt/plan.js');
  const ctx = detectContext(await deps.presets());
  const all = scan.findConfigFiles(opts.dir);
  // Files git ignores are not about to be committed (a `conn render --secrets inline` file is one of them).
  const ignored = opts.includeIgnored ? new Set<string>() : scan.gitIgnored(opts.dir, all);
  const files = all.filter((f) => !ignored.has(f));
  const { findings, unreadable } = scan.scanDirectory(opts.dir, files, ctx);
  let history: ScanFinding[] = [];
  if (opts.history) {
    if (!scan.isGitWorkTree(opts.dir)) throw new UsageError(`--history needs a git repo: ${opts.dir} is not in one`);
    history = scan.scanHistory(opts.dir, ctx);
  }
  const found = [...findings, ...history];
  const where = (f: ScanFinding) =>
    f.site === 'text' || f.site === 'url' ? f.key : f.site === 'arg' ? (f.key.startsWith('arg ') ? f.key.replace('arg', 'argument') : `argument --${f.key}`) : `${f.site} ${f.key}`;
  const line = (f: ScanFinding) => `${f.commit ? `${scan.shortCommit(f.commit)} ` : ''}${f.file}: server ${f.server}, ${where(f)}: ${f.reason}`;
  deps.io.result({ files, ignored: [...ignored], unreadable, findings, history: opts.history ? history : undefined }, () => {
    const lines = found.map(line);
    if (!found.length) lines.push(`no secret-looking values in ${files.length} agent config file(s)${opts.history ? ' or their git history' : ''}`);
    if (ignored.size) lines.push(`(skipped ${ignored.size} file(s) git ignores: ${[...ignored].join(', ')}; --include-ignored to scan them)`);
    return lines.join('\n');
  });
  for (const f of unreadable) deps.io.warn(`cannot read ${f}`);
  if (found.length) {
    if (!opts.json) {
      deps.io.err(`found ${found.length} secret-looking value(s): move them into conn (conn import --rewrite), render with --secrets env or proxy${history.length ? ', and rotate every secret that was ever committed' : ''}`);
    }
    process.exitCode = 1;
  }
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('scan [dir]')
    .description('Find agent MCP config files holding secret-looking values (values never printed); exit 1 when any')
    .option('--history', 'also search every commit of the git history')
    .option('--include-ignored', 'also scan files git ignores (such as an inline render)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Looks for .mcp.json, .cursor/mcp.json, .vscode/mcp.json, .gemini/settings.json,
.codex/config.toml, opencode.json(c), .kiro/settings/mcp.json, .roo/mcp.json, .amazonq/mcp.json,
claude_desktop_config*.json, mcp.json at the top, .qwen/settings.json, .amp/settings.json, kilo.json(c),
.zed/settings.json, .crush.json, .augment/settings.json and .junie/mcp/mcp.json (node_modules and .git
skipped). Exit 1 when a secret-looking value is found, 0 when clean: usable as a pre-commit hook.

Examples:
  $ conn scan
  $ conn scan ~/src/api --history
  $ printf '#!/bin/sh\\nexec conn scan\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit`)
    .action(async (dir: string | undefined, flags: ScanFlags) => run(parseScan(dir, flags), await deps({ json: flags.json })));
}
