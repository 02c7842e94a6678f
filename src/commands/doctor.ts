import { byText } from '../catalog/names.js';
import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { Catalog, Connection } from '../catalog/model.js';
import type { Deps } from '../deps.js';
import { OperationError } from '../errors.js';
import { usesOAuth } from '../launch/build.js';
import type { SecretStore } from '../secrets/store.js';
import type { DepsFactory } from './types.js';

export interface DoctorOptions {
  /** Remove keychain items that belong to no connection, without asking. */
  removeOrphans?: boolean;
}

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

export async function run(opts: DoctorOptions, deps: Deps): Promise<void> {
  const checks: Check[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  checks.push({ check: 'node', ok: major > 20 || (major === 20 && minor >= 19), detail: `${process.version} (needs >= 20.19)` });
  try {
    mkdirSync(deps.home, { recursive: true, mode: 0o700 });
    accessSync(deps.home, constants.W_OK);
    checks.push({ check: 'config dir', ok: true, detail: `${deps.home} is writable` });
  } catch (err) {
    checks.push({ check: 'config dir', ok: false, detail: `${deps.home}: ${(err as Error).message}` });
  }
  let catalog: Catalog | undefined;
  try {
    catalog = await deps.catalog.read();
    checks.push({ check: 'catalog', ok: true, detail: `${deps.catalog.path}: ${Object.keys(catalog.connections).length} connection(s)` });
  } catch (err) {
    checks.push({ check: 'catalog', ok: false, detail: (err as Error).message });
  }
  let store: SecretStore | undefined;
  let items: string[] | undefined;
  try {
    store = await deps.secrets();
    items = await store.list();
    checks.push({ check: 'secret store', ok: true, detail: `${store.describe} reachable and unlocked` });
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    checks.push({ check: 'secret store', ok: false, detail: `${err.message}${err.hint ? ` (${err.hint})` : ''}` });
  }
  const registry = await deps.presets();
  for (const w of registry.warnings) checks.push({ check: 'user preset', ok: false, detail: w });

  // Each connection's secrets, checked the way a render resolves them (references included; an OAuth
  // token is looked at, not refreshed).
  const conns = Object.values(catalog?.connections ?? {}).sort((a, b) => byText(a.name, b.name));
  const resolved = await deps.credentials.resolve(conns.filter(hasSecrets), 'check');
  for (const conn of conns) {
    const unknownPreset = registry.get(conn.preset) ? '' : `unknown preset ${conn.preset}; `;
    const error = hasSecrets(conn) ? resolved.error(conn.name) : undefined;
    const state = !hasSecrets(conn) ? 'no secrets' : error ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : 'secrets present';
    checks.push({ check: `connection ${conn.name}`, ok: !error && !unknownPreset, detail: `${unknownPreset}${state}` });
  }

  // Keychain items of no connection (left by a crash during add or rename, or a remove elsewhere).
  const orphans = catalog && items ? orphanItems(items, catalog) : [];
  const removed: string[] = [];
  if (orphans.length && store) {
    const ask = !opts.removeOrphans && deps.io.canPrompt && !deps.io.json;
    if (ask) deps.io.err(`${orphans.length} item(s) in the ${store.describe} belong to no connection: ${orphans.join(', ')}`);
    if (opts.removeOrphans || (ask && (await deps.prompter.confirm(`Remove ${orphans.length === 1 ? 'it' : 'them'}?`, false)))) {
      for (const account of orphans) if (await store.delete(account)) removed.push(account);
    }
    const left = orphans.filter((a) => !removed.includes(a));
    checks.push({
      check: 'orphan secrets',
      ok: left.length === 0,
      detail: left.length ? `${left.length} item(s) belong to no connection: ${left.join(', ')} (conn doctor --remove-orphans)` : `removed ${removed.length}: ${removed.join(', ')}`,
    });
  }

  const ok = checks.every((c) => c.ok);
  deps.io.result({ ok, checks, orphans, removed }, (r) =>
    r.checks.map((c) => `${c.ok ? (deps.io.color ? deps.io.c.green('✓') : 'ok  ') : deps.io.color ? deps.io.c.red('✗') : 'FAIL'} ${c.check}: ${c.detail}`).join('\n'),
  );
  if (!ok) process.exitCode = 1;
}

function hasSecrets(conn: Connection): boolean {
  return conn.secrets.length > 0 || usesOAuth(conn);
}

/** Accounts `<name>/<field>` whose connection is not in the catalog. */
export function orphanItems(accounts: string[], catalog: Catalog): string[] {
  return accounts
    .filter((a) => {
      const slash = a.indexOf('/');
      return slash > 0 && !Object.hasOwn(catalog.connections, a.slice(0, slash));
    })
    .sort(byText);
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('doctor')
    .description("Check Node, the config dir, the keychain and every connection's secrets")
    .option('--remove-orphans', 'remove keychain items that belong to no connection, without asking')
    .option('--json', 'print JSON')
    .addHelpText('after', `
On a terminal, doctor offers to remove keychain items that belong to no connection (left by a crash
during add or rename); --remove-orphans does it without asking (for scripts).

Examples:
  $ conn doctor
  $ conn doctor --json
  $ conn doctor --remove-orphans`)
    .action(async (flags: { json?: boolean; removeOrphans?: boolean }) => run({ removeOrphans: flags.removeOrphans }, await deps({ json: flags.json })));
}
