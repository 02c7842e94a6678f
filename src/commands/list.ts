import { byText } from '../catalog/names.js';
import type { Command } from 'commander';
import { connectionView } from '../catalog/connections.js';
import type { Deps } from '../deps.js';
import { table } from '../ui/io.js';
import { healthText, since } from '../ui/format.js';
import type { DepsFactory } from './types.js';

export type ListOptions = Record<string, never>;

/** Needs only the catalog (read), the screen and the clock: the fast path (list-entry.ts) gives just those. */
export async function run(_opts: ListOptions, deps: Pick<Deps, 'io' | 'clock'> & { catalog: Pick<Deps['catalog'], 'read'> }): Promise<void> {
  const catalog = await deps.catalog.read();
  const views = Object.values(catalog.connections)
    .sort((a, b) => byText(a.name, b.name))
    .map((c) => connectionView(c, catalog));
  const now = deps.clock();
  deps.io.result(views, (rows) =>
    rows.length === 0
      ? 'No connections yet. Add one with: conn add <preset>   (see conn presets)'
      : table([
          ['NAME', 'PRESET', 'KIND', 'ENABLED', 'HEALTH', 'CHECKED', 'ASSIGNED'],
          ...rows.map((v) => [
            v.name,
            v.matchedPreset ? `${v.preset} (${v.matchedPreset})` : v.preset,
            v.kind,
            v.enabled ? 'yes' : 'no',
            healthText(v.health, deps.io, v.oauth?.state),
            v.checkedAt ? since(v.checkedAt, now) : '-',
            v.assignments === 0 ? 'global' : String(v.assignments),
          ]),
        ]),
  );
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('list')
    .alias('ls')
    .description('List connections: preset, kind, enabled, health, last checked, assignments')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn list
  $ conn list --json | jq -r '.[] | select(.health == "error") | .name'`)
    .action(async (flags: { json?: boolean }) => run({}, await deps({ json: flags.json })));
}
