import { byText } from '../catalog/names.js';
import { accessSync, constants, mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import type { Deps } from '../deps.js';
import { OperationError } from '../errors.js';
import { secretAccount } from '../secrets/store.js';
import type { DepsFactory } from './types.js';

export type DoctorOptions = Record<string, never>;

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

export async function run(_opts: DoctorOptions, deps: Deps): Promise<void> {
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
  let catalog;
  try {
    catalog = await deps.catalog.read();
    checks.push({ check: 'catalog', ok: true, detail: `${deps.catalog.path}: ${Object.keys(catalog.connections).length} connection(s)` });
  } catch (err) {
    checks.push({ check: 'catalog', ok: false, detail: (err as Error).message });
  }
  let present: Set<string> | undefined;
  try {
    const store = await deps.secrets();
    present = new Set(await store.list());
    checks.push({ check: 'secret store', ok: true, detail: `${store.describe} reachable and unlocked` });
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    checks.push({ check: 'secret store', ok: false, detail: `${err.message}${err.hint ? ` (${err.hint})` : ''}` });
  }
  const registry = await deps.presets();
  for (const w of registry.warnings) checks.push({ check: 'user preset', ok: false, detail: w });
  for (const conn of Object.values(catalog?.connections ?? {}).sort((a, b) => byText(a.name, b.name))) {
    const missing = present ? conn.secrets.filter((f) => !conn.secretRefs?.[f] && !present.has(secretAccount(conn.name, f))) : [];
    const unknownPreset = registry.get(conn.preset) ? '' : `unknown preset ${conn.preset}; `;
    checks.push({
      check: `connection ${conn.name}`,
      ok: missing.length === 0 && !unknownPreset,
      detail: present === undefined ? 'secrets not checked' : `${unknownPreset}${missing.length ? `missing secret(s): ${missing.join(', ')} (conn edit ${conn.name} --secret ${missing[0]})` : 'secrets present'}`,
    });
  }
  const ok = checks.every((c) => c.ok);
  deps.io.result({ ok, checks }, (r) =>
    r.checks.map((c) => `${c.ok ? (deps.io.color ? deps.io.c.green('✓') : 'ok  ') : deps.io.color ? deps.io.c.red('✗') : 'FAIL'} ${c.check}: ${c.detail}`).join('\n'),
  );
  if (!ok) process.exitCode = 1;
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('doctor')
    .description("Check Node, the config dir, the keychain and every connection's secrets")
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn doctor
  $ conn doctor --json`)
    .action(async (flags: { json?: boolean }) => run({}, await deps({ json: flags.json })));
}
