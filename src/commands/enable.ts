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
    // `enable` also turns on an entry that was switched off in the agent file it was imported from.
    const offInFile = conn.settings?.disabled === true;
    const changed = conn.enabled !== opts.enabled || (opts.enabled && offInFile);
    conn.enabled = opts.enabled;
    if (opts.enabled && offInFile) delete conn.settings!.disabled;
    if (changed) conn.updatedAt = deps.clock().toISOString();
    return changed;
  });
  const word = opts.enabled ? 'enabled' : 'disabled';
  deps.io.result({ name: opts.name, enabled: opts.enabled, changed }, () => (changed ? `${opts.name} ${word}` : `${opts.name} was already ${word}`));
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('enable <name>')
    .description('Enable a connection (it renders again where it applies; an entry imported switched off is switched on)')
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
