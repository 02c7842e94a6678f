import type { Command } from 'commander';
import { isAbsolute } from 'node:path';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';

export interface ExportOptions {
  names: string[];
  assignments: boolean;
}

export async function run(opts: ExportOptions, deps: Deps): Promise<void> {
  const [{ buildTeamCatalog }, { requireConnection }, catalog] = await Promise.all([
    import('../adopt/team-catalog.js'),
    import('../catalog/connections.js'),
    deps.catalog.read(),
  ]);
  for (const name of opts.names) requireConnection(catalog, name);
  if (!opts.names.length && !Object.keys(catalog.connections).length) throw new UsageError('no connections to export', 'add one with `conn add <preset>`');
  const doc = buildTeamCatalog(catalog, [...new Set(opts.names)], opts.assignments);
  const local = doc.assignments?.filter((a) => a.repos.some((r) => isAbsolute(r)));
  if (local?.length) {
    deps.io.warn(`${local.length} assignment(s) name repos by local path, which other machines do not share: prefer host/owner/name (conn assign --repo github.com/acme/api)`);
  }
  const provide = doc.connections.flatMap((c) => Object.entries(c.secrets).filter(([, s]) => 'provide' in s).map(([f]) => `${c.name}/${f}`));
  if (provide.length) deps.io.err(`${provide.length} secret(s) each machine provides itself: ${provide.join(', ')}`);
  // Always JSON: the document is the result.
  deps.io.out(JSON.stringify(doc, null, 2));
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('export [name...]')
    .description('Print a team catalog (JSON, no secret values) to commit and import elsewhere')
    .option('--assignments', 'include the assignments of the exported connections')
    .addHelpText('after', `
Stored secrets are written as { "provide": true } (each machine brings its own); references
(env:VAR, file:/path, op://…, vault:path#key) are kept as they are.

Examples:
  $ conn export > conn-catalog.json
  $ conn export notion sentry --assignments > conn-catalog.json
  $ conn import --catalog conn-catalog.json --yes        # on another machine`)
    .action(async (names: string[], flags: { assignments?: boolean }) => run({ names, assignments: Boolean(flags.assignments) }, await deps()));
}
