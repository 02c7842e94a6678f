import type { Command } from 'commander';
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { table } from '../ui/layout.js';
import type { DepsFactory } from './types.js';

export interface AuditOptions {
  connection?: string;
  repo?: string;
  since?: string;
  json: boolean;
}

interface AuditFlags {
  connection?: string;
  repo?: string;
  since?: string;
  json?: boolean;
}

export function parseAudit(flags: AuditFlags): AuditOptions {
  return { connection: flags.connection, repo: flags.repo, since: flags.since, json: Boolean(flags.json) };
}

export async function run(opts: AuditOptions, deps: Deps): Promise<void> {
  const { readAudit, filterAudit, parseSince } = await import('../audit/log.js');
  let since: Date | undefined;
  if (opts.since !== undefined) {
    since = parseSince(opts.since, deps.clock());
    if (!since) throw new UsageError(`invalid --since ${JSON.stringify(opts.since)}`, 'an ISO date (2026-11-01, 2026-11-01T09:00Z) or a span: 30m, 24h, 7d, 2w');
  }
  // A directory on disk means that repo (its git top, as render logs it); anything else matches part of the path.
  let repo = opts.repo;
  let repoExact = false;
  if (repo !== undefined && existsSync(resolve(repo))) {
    const { repoTop } = await import('../access/repo.js');
    repo = (await repoTop(realpathSync(resolve(repo)))).root;
    repoExact = true;
  }
  const entries = filterAudit(readAudit(deps.home), { connection: opts.connection, repo, repoExact, since });
  deps.io.result(entries, (list) => {
    if (!list.length) return 'no audit entries';
    const rows = [['TIME', 'COMMAND', 'CONNECTION', 'AGENT', 'PERMISSION', 'SECRETS', 'REPO']];
    for (const e of list) rows.push([e.time, e.command, e.connection ?? '-', e.agent ?? '-', e.permission ?? '-', e.secrets ?? '-', e.repo ?? '-']);
    return table(rows);
  });
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('audit')
    .description('Show the audit log: every render, serve start and OAuth connect (never a secret)')
    .option('--connection <name>', 'only this connection')
    .option('--repo <repo>', 'only this repo (a directory), or repos whose path contains this text')
    .option('--since <when>', 'only entries since an ISO date or a span (30m, 24h, 7d, 2w)')
    .option('--json', 'print JSON (an array of entries)')
    .addHelpText('after', `
The log is $CONN_HOME/audit.log (JSON lines), rotated at 1 MiB to audit.log.1 and audit.log.2.

Examples:
  $ conn audit --since 7d
  $ conn audit --connection notion --repo . --json`)
    .action(async (flags: AuditFlags) => run(parseAudit(flags), await deps({ json: flags.json })));
}
