import type { Command } from 'commander';
import { requireConnection } from '../catalog/connections.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';

export interface RemoveOptions {
  name: string;
  yes: boolean;
}

export async function run(opts: RemoveOptions, deps: Deps): Promise<void> {
  const before = await deps.catalog.read();
  const conn = requireConnection(before, opts.name);
  if (!opts.yes) {
    if (!deps.io.canPrompt) throw new UsageError(`removing ${opts.name} needs --yes when not on a terminal`);
    const n = before.assignments.filter((a) => a.connection === opts.name).length;
    if (!(await deps.prompter.confirm(`Remove ${opts.name}${n ? ` and its ${n} assignment(s)` : ''} and its secrets?`))) {
      deps.io.err('Nothing removed.');
      return;
    }
  }
  if (conn.secrets.length || conn.oauth) await (await deps.secrets()).ready();
  const result = await deps.catalog.update(async (c) => {
    requireConnection(c, opts.name);
    // Secrets first: if the keychain is unreachable, nothing changes.
    let secretsRemoved = 0;
    if (conn.secrets.length || conn.oauth) {
      const store = await deps.secrets();
      const accounts = (await store.list()).filter((a) => a.startsWith(`${opts.name}/`));
      for (const account of accounts) if (await store.delete(account)) secretsRemoved++;
    }
    delete c.connections[opts.name];
    const assignments = c.assignments.filter((a) => a.connection === opts.name).length;
    c.assignments = c.assignments.filter((a) => a.connection !== opts.name);
    return { name: opts.name, removed: true, assignments, secrets: secretsRemoved };
  });
  deps.io.result(result, (r) => `Removed ${r.name} (${r.assignments} assignment(s), ${r.secrets} secret(s))`);
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('remove <name>')
    .alias('rm')
    .description('Remove a connection, its assignments and its keychain items')
    .option('-y, --yes', 'do not ask for confirmation (required when not on a terminal)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn remove notion
  $ conn remove notion --yes`)
    .action(async (name: string, flags: { yes?: boolean; json?: boolean }) =>
      run({ name, yes: Boolean(flags.yes) }, await deps({ json: flags.json })),
    );
}
