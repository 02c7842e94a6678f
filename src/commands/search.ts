import type { Command } from 'commander';

import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { table } from '../ui/layout.js';
import type { DepsFactory } from './types.js';

export interface SearchOptions {
  query: string;
  limit: number;
}

export function parseSearch(query: string, flags: { limit?: string }): SearchOptions {
  const limit = flags.limit === undefined ? 20 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError(`--limit must be a whole number from 1 to 100, not ${JSON.stringify(flags.limit)}`);
  if (!query.trim()) throw new UsageError('search needs some words', 'conn search github');
  return { query: query.trim(), limit };
}

export async function run(opts: SearchOptions, deps: Deps): Promise<void> {
  const [{ registryClient }, { summarize }] = await Promise.all([import('../registry/client.js'), import('../registry/summary.js')]);
  const client = registryClient(deps.home, deps.env, () => deps.clock());
  const answer = await client.search(opts.query, opts.limit);
  if (answer.staleNote) deps.io.warn(answer.staleNote);
  const rows = summarize(answer.data.slice(0, opts.limit), await deps.presets());
  deps.io.result(rows, (r) =>
    r.length === 0
      ? `No servers match ${JSON.stringify(opts.query)} in ${client.base}`
      : table([
          ['NAME', 'VERSION', 'RUNS', 'SECRETS', 'DESCRIPTION'],
          ...r.map((s) => [
            s.name,
            s.version,
            s.runs.join(','),
            s.secrets ? 'yes' : 'no',
            `${s.preset ? `[preset ${s.preset}] ` : ''}${s.title ? `${s.title}: ` : ''}${s.description}`.slice(0, 100),
          ]),
        ]),
  );
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('search <query>')
    .description('Search the MCP Registry (CONN_REGISTRY_URL, default the official one) for servers to add')
    .option('--limit <n>', 'at most this many results (1–100, default 20)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Answers are cached in $CONN_HOME/registry-cache for 5 minutes; an unreachable registry falls back to
the cached answer with a note. [preset X] marks a server a built-in preset already covers.

Examples:
  $ conn search github
  $ conn search "web search" --limit 5 --json
  $ CONN_REGISTRY_URL=https://registry.example.com conn search postgres`)
    .action(async (query: string, flags: { limit?: string; json?: boolean }) => run(parseSearch(query, flags), await deps({ json: flags.json })));
}
