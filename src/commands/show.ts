import type { Command } from 'commander';
import { connectionView, requireConnection } from '../catalog/connections.js';
import type { Deps } from '../deps.js';
import { OperationError } from '../errors.js';
import { secretAccount } from '../secrets/store.js';
import { healthText } from '../ui/format.js';
import type { DepsFactory } from './types.js';

export interface ShowOptions {
  name: string;
}

export async function run(opts: ShowOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  const conn = requireConnection(catalog, opts.name);
  let present: Set<string> | undefined;
  let label: '(keychain)' | '(file)' = '(keychain)';
  const stored = conn.secrets.filter((f) => !conn.secretRefs?.[f]);
  if (stored.length) {
    try {
      const store = await deps.secrets();
      if (store.kind === 'file') label = '(file)';
      const values = await store.getMany(stored.map((f) => secretAccount(conn.name, f)));
      present = new Set([...values].filter(([, v]) => v !== null).map(([k]) => k));
    } catch (err) {
      if (!(err instanceof OperationError)) throw err;
      deps.io.warn(`cannot check secrets: ${err.message}`);
    }
  }
  const view = connectionView(conn, catalog, present, label);
  const tools = conn.health.tools?.map((t) => t.name);
  deps.io.result({ ...view, transport: conn.health.transport ?? null, server: conn.health.server ?? null, tools: tools ?? null }, (v) => {
    const lines = [
      `${v.name}`,
      `  preset:      ${v.preset}${v.matchedPreset ? ` (matches ${v.matchedPreset})` : ''}`,
      `  kind:        ${v.kind}`,
      `  enabled:     ${v.enabled ? 'yes' : 'no'}`,
      `  health:      ${healthText(v.health, deps.io, v.oauth?.state)}${v.checkedAt ? ` (checked ${v.checkedAt})` : ''}`,
    ];
    if (v.error) lines.push(`  error:       ${v.error}`);
    if (v.server) lines.push(`  server:      ${v.server.name}${v.server.version ? ` ${v.server.version}` : ''} over ${v.transport}`);
    if (v.registry) lines.push(`  registry:    ${v.registry.name} ${v.registry.version} (${v.registry.choice ?? ''} from ${v.registry.source}${v.registry.approved ? '' : ', not yet approved to run'})`);
    if (v.command) lines.push(`  command:     ${v.command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
    for (const [k, value] of Object.entries(v.fields)) lines.push(`  ${k}: ${value}`);
    for (const [k, state] of Object.entries(v.secrets)) lines.push(`  ${k}: ${state}`);
    if (v.tools) lines.push(`  tools:       ${v.tools.length} (${v.tools.slice(0, 8).join(', ')}${v.tools.length > 8 ? ', …' : ''})`);
    lines.push(`  assignments: ${v.assignments === 0 ? 'none (global: every repo and agent, full)' : v.assignments}`);
    return lines.join('\n');
  });
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('show <name>')
    .description('Show one connection; secret values are never shown, only (keychain) or (missing)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn show notion
  $ conn show notion --json`)
    .action(async (name: string, flags: { json?: boolean }) => run({ name }, await deps({ json: flags.json })));
}
