import type { Command } from 'commander';

import { requireConnection } from '../catalog/connections.js';
import type { Connection } from '../catalog/model.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import { confirm } from '../ui/prompts.js';
import type { DepsFactory } from './types.js';

export interface UpdateOptions {
  name: string;
  yes: boolean;
}

/**
 * Moves a registry connection to the registry's latest version: the same kind of package (or remote)
 * is chosen again with the same inputs, the difference in what will run is shown, and it is applied
 * after a yes (a terminal, or --yes). Secrets stay where they are.
 */
export async function run(opts: UpdateOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  const conn = requireConnection(catalog, opts.name);
  if (!conn.registry) throw new UsageError(`${conn.name} was not added from the MCP Registry: nothing to update`);
  const [{ loadServer, onPathOf, materialize }, { choose, inputsOf, describeTarget }, { describeRun, consentDigest }] = await Promise.all([
    import('../registry/add.js'),
    import('../registry/convert.js'),
    import('../registry/consent.js'),
  ]);
  const fromFile = !/^https?:/.test(conn.registry.source);
  const { doc, source } = await loadServer(fromFile ? conn.registry.source : conn.registry.name, undefined, deps, true);
  const version = String(doc.version ?? '');
  if (version === conn.registry.version) {
    deps.io.result({ name: conn.name, version, updated: false }, () => `${conn.name} is at the latest version (${conn.registry!.name} ${version})`);
    return;
  }
  // The same registry type and identifier as before (the version aside), else the first that runs here.
  const before = (conn.registry.choice ?? '').replace(/@[^@/]*$/, '');
  const packages = (Array.isArray(doc.packages) ? doc.packages : []) as Record<string, unknown>[];
  const remotes = (Array.isArray(doc.remotes) ? doc.remotes : []) as Record<string, unknown>[];
  const samePackage = packages.findIndex((p) => describeTarget('package', p).replace(/@[^@/]*$/, '') === before);
  const sameRemote = remotes.findIndex((r) => describeTarget('remote', r) === before);
  const choice = choose(doc, samePackage >= 0 ? { package: String(samePackage + 1) } : sameRemote >= 0 ? { remote: String(sameRemote + 1) } : {}, onPathOf(deps.env));
  const inputs = inputsOf(choice.target);
  const values: Record<string, string> = {};
  for (const f of inputs) {
    const kept = conn.registry.inputs?.[f.key] ?? conn.fields[`env.${f.key}`];
    if (kept !== undefined) values[f.key] = kept;
  }
  const secretKeys = new Set(inputs.filter((f) => conn.secrets.includes(f.key)).map((f) => f.key));
  const made = await materialize(doc, choice, inputs, values, secretKeys, deps.home);
  const lacking = Object.keys(made.secretInputs).filter((s) => s !== 'token' && !conn.secrets.includes(s));
  const wantKind = choice.target.kind === 'remote' ? 'remote' : 'stdio';
  if (lacking.length || wantKind !== conn.kind) {
    throw new OperationError(
      `${conn.registry.name} ${version} ${lacking.length ? `needs the secret ${lacking.join(', ')} that ${conn.name} does not have` : `runs as ${wantKind}, ${conn.name} is ${conn.kind}`}`,
      `add it anew: conn remove ${conn.name} && conn add ${conn.registry.name}`,
    );
  }
  const next: Connection = { ...conn, fields: made.fields, ...(made.command ? { command: made.command } : {}) };
  const was = describeRun(conn);
  const will = describeRun(next);
  deps.io.err(`${conn.name}: ${conn.registry.name} ${conn.registry.version} → ${version}`);
  deps.io.err(`- ${was}`);
  deps.io.err(`+ ${will}`);
  const agreed = opts.yes || (deps.io.canPrompt && (await confirm(`Update ${conn.name} and run the new version?`)));
  if (!agreed) throw new OperationError(`${conn.name} not updated`, deps.io.canPrompt ? undefined : `pass --yes to update without a terminal: conn update ${conn.name} --yes`);
  await deps.catalog.update((c) => {
    const current = c.connections[conn.name];
    if (!current) throw new OperationError(`${conn.name} was removed meanwhile`);
    current.fields = made.fields;
    if (made.command) current.command = made.command;
    current.updatedAt = deps.clock().toISOString();
    current.registry = { ...current.registry!, version, source, choice: choice.target.label };
    current.registry.consent = consentDigest(current);
  });
  deps.io.result({ name: conn.name, version, updated: true, from: conn.registry.version }, () => `Updated ${conn.name} to ${conn.registry!.name} ${version}`);
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('update <name>')
    .description('Move a connection added from the MCP Registry to its latest version (shows the difference first)')
    .option('--yes', 'apply without asking (the new command or URL is still printed)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn update brave-search-mcp-server
  $ conn update brave-search-mcp-server --yes --json`)
    .action(async (name: string, flags: { yes?: boolean; json?: boolean }) => run({ name, yes: Boolean(flags.yes) }, await deps({ json: flags.json })));
}
