import type { Command } from 'commander';
import { describeAssignment, removeAssignment } from '../access/assignments.js';
import type { Assignment } from '../catalog/model.js';
import type { Deps } from '../deps.js';
import type { DepsFactory } from './types.js';

export interface UnassignOptions {
  id: string;
}

export async function run(opts: UnassignOptions, deps: Deps): Promise<void> {
  const { removed, nowGlobal } = await deps.catalog.update((c) => {
    const a = removeAssignment(c, opts.id);
    const left = c.assignments.some((x) => x.connection === a.connection);
    return { removed: a, nowGlobal: !left && Object.hasOwn(c.connections, a.connection) };
  });
  // Removing the last assignment widens access to everything: never do that silently.
  if (nowGlobal) {
    deps.io.warn(`${removed.connection} has no assignments left: it is now global (every repo, every agent, full)`);
  }
  deps.io.result<Assignment>(removed, (a) => `Removed assignment ${a.id} of ${a.connection}: ${describeAssignment(a)}`);
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('unassign <id>')
    .description('Remove an assignment by id (see conn assignments)')
    .option('--json', 'print the removed assignment as JSON')
    .addHelpText('after', `
A connection whose last assignment is removed becomes global again (every repo, every agent, full).
To keep it from every repo instead, disable it: conn disable NAME.

Examples:
  $ conn unassign a1b2c3`)
    .action(async (id: string, flags: { json?: boolean }) => run({ id }, await deps({ json: flags.json })));
}
