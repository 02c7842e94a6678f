import { byText } from '../catalog/names.js';
import type { Command } from 'commander';
import { requireConnection } from '../access/assignments.js';
import { describeToolLists } from '../access/tool-list.js';
import type { Assignment } from '../catalog/model.js';
import type { Deps } from '../deps.js';
import { table } from '../ui/layout.js';
import type { DepsFactory } from './types.js';

export interface AssignmentsOptions {
  /** Only this connection's assignments. */
  name?: string;
}

export async function run(opts: AssignmentsOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  if (opts.name !== undefined) requireConnection(catalog, opts.name);
  const assignments = catalog.assignments
    .filter((a) => opts.name === undefined || a.connection === opts.name)
    .sort((x, y) => byText(x.connection, y.connection) || byText(x.createdAt, y.createdAt));
  const assigned = new Set(catalog.assignments.map((a) => a.connection));
  const global = Object.keys(catalog.connections)
    .filter((n) => !assigned.has(n) && (opts.name === undefined || n === opts.name))
    .sort();
  deps.io.result<Assignment[]>(assignments, (rows) => {
    const lines: string[] = [];
    const withLists = rows.some((a) => a.tools?.length || a.denyTools?.length);
    if (rows.length > 0) {
      lines.push(
        table([
          ['ID', 'CONNECTION', 'REPOS', 'AGENTS', 'PERMISSION', ...(withLists ? ['TOOLS'] : [])],
          ...rows.map((a) => [a.id, a.connection, a.repos.join(', ') || 'all', a.agents.join(', ') || 'all', a.permission, ...(withLists ? [describeToolLists(a) || 'all'] : [])]),
        ]),
      );
    }
    if (global.length > 0) {
      if (lines.length) lines.push('');
      lines.push(`Global (no assignments; every repo and agent, full): ${global.join(', ')}`);
    }
    return lines.length ? lines.join('\n') : 'No connections yet. Add one with: conn add <preset>';
  });
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('assignments [name]')
    .description('List assignments (of one connection, or all), and which connections are global')
    .option('--json', 'print the assignments as a JSON array')
    .addHelpText('after', `
Examples:
  $ conn assignments
  $ conn assignments notion
  $ conn assignments --json | jq -r '.[] | select(.permission == "full") | .id'`)
    .action(async (name: string | undefined, flags: { json?: boolean }) => run({ name }, await deps({ json: flags.json })));
}
