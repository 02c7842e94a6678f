import type { Command } from 'commander';
import { requireConnection } from '../catalog/connections.js';
import type { Deps } from '../deps.js';
import type { DepsFactory } from './types.js';

export interface EnableOptions {
  name: string;
  enabled: boolean;
}

export async function run(opts: EnableOptions, deps: Deps): Promise<void> {
  const changed = await deps.catalog.update((c) => {
    const conn = requireConnection(c, opts.name);
    const was = conn.enabled;
    conn.enabled = opts.enabled;
    if (was !== opts.enabled) conn.updatedAt = deps.clock().toISOString();
    return was !== opts.enabled;
  });
  const word = opts.enabled ? 'enabled' : 'disabled';
  deps.io.result({ name: opts.name, enabled: opts.enabled, changed }, () => (changed ? `${opts.name} ${word}` : `${opts.name} was already ${word}`));
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('enable <name>')
    .description('Enable a connection (it renders again where it applies)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ conn enable notion')
    .action(async (name: string, flags: { json?: boolean }) => run({ name, enabled: true }, await deps({ json: flags.json })));
  program
    .command('disable <name>')
    .description('Disable a connection without removing it (never rendered, not tested by default)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ conn disable notion')
    .action(async (name: string, flags: { json?: boolean }) => run({ name, enabled: false }, await deps({ json: flags.json })));
}
