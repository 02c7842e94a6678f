import type { Command } from 'commander';
import type { Deps } from '../deps.js';
import type { Preset } from '../presets/schema.js';
import { table } from '../ui/layout.js';
import type { DepsFactory } from './types.js';

export interface PresetsOptions {
  id?: string;
}

/** The JSON shape of `conn presets --json` entries (stable). */
export function presetSummary(p: Preset) {
  return {
    id: p.id,
    name: p.name,
    category: p.category,
    kind: p.kind,
    description: p.description,
    secrets: p.fields.filter((f) => f.secret).map((f) => f.key),
    remote: p.remote?.url,
    auth: p.remote?.auth,
  };
}

export async function run(opts: PresetsOptions, deps: Deps): Promise<void> {
  const registry = await deps.presets();
  if (opts.id) {
    const preset = registry.require(opts.id);
    deps.io.result(preset, showText);
    return;
  }
  const all = registry.all();
  deps.io.result(all.map(presetSummary), (rows) =>
    table([['ID', 'KIND', 'CATEGORY', 'DESCRIPTION'], ...rows.map((p) => [p.id, p.kind, p.category, p.description])]),
  );
}

function showText(p: Preset): string {
  const lines = [`${p.name} (${p.id})`, p.description, '', `kind: ${p.kind}`, `category: ${p.category}`];
  if (p.launch) lines.push(`launch: ${[p.launch.command, ...p.launch.args].join(' ')}`);
  if (p.remote) lines.push(`remote: ${p.remote.url} (auth: ${p.remote.auth})`);
  if (p.fields.length) {
    lines.push('', 'fields:');
    for (const f of p.fields) {
      const flags = [f.required ? 'required' : 'optional', f.secret ? 'secret' : '', f.default !== undefined ? `default ${f.default}` : '']
        .filter(Boolean)
        .join(', ');
      lines.push(`  ${f.key}  ${f.label} (${flags})${f.hint ? ` — ${f.hint}` : ''}`);
    }
  }
  if (p.permissions) {
    lines.push('', 'permission switches:');
    for (const [level, m] of Object.entries(p.permissions)) lines.push(`  ${level}: ${JSON.stringify(m)}`);
  }
  for (const note of p.notes ?? []) lines.push('', note);
  if (p.docs) lines.push('', `docs: ${p.docs}`);
  return lines.join('\n');
}

export function register(program: Command, deps: DepsFactory): void {
  const presets = program
    .command('presets')
    .description('List the built-in and user presets')
    .option('--json', 'print JSON')
    .enablePositionalOptions()
    .addHelpText('after', `
Examples:
  $ conn presets
  $ conn presets show notion
  $ conn presets --json | jq -r '.[].id'

User presets: JSON files in $CONN_HOME/presets/ add to or override the built-in ones.`)
    .action(async (flags: { json?: boolean }) => run({}, await deps({ json: flags.json })));
  presets
    .command('show <id>')
    .description('Show one preset: launch, fields, permission switches')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn presets show github
  $ conn presets show remote --json`)
    .action(async (id: string, flags: { json?: boolean }) => run({ id }, await deps({ json: flags.json })));
}
