// The full render: catalog + assignments → launch specs → the agent's own file, merged with what is
// there, written safely. The no-change path lives in fast.ts and never loads this module.
import { lstatSync, readFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Agent, Permission } from '../catalog/constants.js';
import type { Catalog, Connection } from '../catalog/model.js';
import type { CatalogSnapshot } from '../catalog/store.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import { buildLaunchSpec } from '../launch/build.js';
import { replacePlaceholders, type LaunchSpec, type StdioSpec } from '../launch/types.js';
import { connEntryScript } from '../paths.js';
import { presetFor } from '../presets/effective.js';
import type { PresetRegistry } from '../presets/registry.js';
import type { Preset } from '../presets/schema.js';
import { resolveAccess, type Decision } from '../access/resolve.js';
import { deniedTools } from '../access/tool-class.js';
import { CLAUDE_SETTINGS_FILE, mergeClaudeDeny, readClaudeDeny, writerFor, type RenderedEntry } from './agents/index.js';
import { readState, writeState, type RenderState, type SecretsMode, type SkippedEntry } from './state.js';
import { formatError } from '../errors.js';
import { inputsText } from './stamp.js';
import { sigOf } from '../file-sig.js';
import { renderAccounts, viaProxy } from './accounts.js';
import { checkPromptIds, PROMPT_ONLY_VSCODE, promptInputsFor } from './prompt.js';
import { checkIgnored, ensureGitExcluded, guardSecretFile, isTrackedByGit, writeSafely } from './write-safely.js';

export interface RenderOptions {
  root: string;
  remote?: string;
  isGit: boolean;
  agent: Agent;
  secrets: SecretsMode;
  dryRun: boolean;
  force: boolean;
  allowTracked: boolean;
}

/** The JSON shape of one agent's render in `conn render --json` (stable). */
export interface RenderOutcome {
  agent: Agent;
  file: string;
  status: 'written' | 'unchanged' | 'dry-run';
  secrets: SecretsMode;
  entries: { name: string; permission: Permission; deniedTools: string[] }[];
  removed: string[];
  warnings: string[];
  /** Connections that apply but were left out: a secret of theirs does not resolve (the rest is rendered). */
  skipped: SkippedEntry[];
  /** The file as it would be written, secrets masked (dry-run only). */
  content?: string;
}

const MASK = '********';

export async function renderAgent(opts: RenderOptions, deps: Deps, loaded?: { snapshot: CatalogSnapshot; registry: PresetRegistry }): Promise<RenderOutcome> {
  const { catalog, sig: catalogSig } = loaded?.snapshot ?? (await deps.catalog.snapshot());
  const registry = loaded?.registry ?? (await deps.presets());
  const writer = writerFor(opts.agent);
  if (opts.secrets === 'prompt' && !writer.inputIds) throw new UsageError(PROMPT_ONLY_VSCODE, `${opts.agent} cannot ask for a secret: use --secrets env or proxy`);
  const inputs = inputsText({ home: deps.home, root: opts.root, remote: opts.remote, agent: opts.agent, secrets: opts.secrets });
  const state = readState(deps.home, opts.root, opts.agent);
  const managed = new Set(state?.entries ?? []);
  const warnings: string[] = [];

  const decisions = resolveAccess(catalog, { root: opts.root, remote: opts.remote }, opts.agent).filter((d) => d.rendered);
  const chosen = decisions.map((d) => ({ decision: d, conn: catalog.connections[d.connection]!, preset: presetFor(catalog.connections[d.connection]!, registry) }));

  // The leak guard's two git questions, started now so they run while the keychain is read.
  const guarded = opts.isGit && opts.secrets === 'inline' && !opts.allowTracked && !opts.dryRun;
  const git = guarded ? { tracked: isTrackedByGit(opts.root, writer.file), ignored: checkIgnored(opts.root, writer.file) } : undefined;

  // Read every secret the file needs in one keychain round trip (inline mode only).
  const inline = opts.secrets === 'inline' && !opts.dryRun;
  const accounts = inline ? renderAccounts(catalog, { root: opts.root, remote: opts.remote }, opts.agent, opts.secrets) : [];
  const store = accounts.length ? await deps.secrets() : undefined;
  const values = store ? await store.getMany(accounts) : undefined;

  const entries: RenderedEntry[] = [];
  const skipped: SkippedEntry[] = [];
  let volatile = false;
  for (const { decision, conn, preset } of chosen) {
    const permission = decision.permission as Permission;
    let spec: LaunchSpec;
    try {
      spec = viaProxy(conn, opts.secrets)
        ? proxySpec(conn, permission, opts, deps)
        : await buildLaunchSpec(conn, preset, { permission, secrets: inline ? 'resolve' : 'reference', store, values, env: deps.env });
    } catch (err) {
      // One connection whose secret does not resolve must not keep the others' entries from being
      // right: it is left out (its old entry removed), named, and retried on every render.
      if (!(err instanceof OperationError)) throw err;
      skipped.push({ name: conn.name, error: formatError(err) });
      volatile = true;
      continue;
    }
    if (inline && conn.secretRefs && Object.keys(conn.secretRefs).length) volatile = true;
    const denied = deniedTools(conn.health.tools ?? [], permission, preset.tools);
    // Prompt mode: the agent asks for each secret; the file holds no value, so a dry run shows it as is.
    const prompts = opts.secrets === 'prompt' && spec.kind !== 'http-api' ? promptInputsFor(conn, preset, spec) : [];
    entries.push({
      name: conn.name,
      spec: opts.dryRun && opts.secrets !== 'prompt' ? maskSpec(spec) : spec,
      deniedTools: denied,
      ...(prompts.length ? { prompts } : {}),
    });
    if (opts.secrets === 'prompt') warnings.push(...envOnlyWarnings(conn, spec, opts.agent));
    warnings.push(...enforcementWarnings(conn, preset, permission, opts, writer.toolFilter, denied));
  }
  checkPromptIds(entries);
  if (opts.secrets !== 'inline') checkEnvVarsDistinct(entries.map((e) => ({ name: e.name, vars: e.spec.secrets.map((u) => u.envVar) })));
  if (opts.agent === 'codex' && entries.length) {
    warnings.push('Codex reads .codex/config.toml only for trusted projects: trust this repo in ~/.codex/config.toml ([projects."<path>"] trust_level = "trusted")');
  }

  const path = join(opts.root, writer.file);
  const existing = readExisting(path, writer.file);
  const present = existing === null ? [] : shallow(writer.file, () => writer.serverNames(existing));
  const wanted = new Set(entries.map((e) => e.name));
  const conflicts = entries.filter((e) => present.includes(e.name) && !managed.has(e.name)).map((e) => e.name);
  if (conflicts.length && !opts.force) {
    throw new OperationError(
      `${writer.file} already has its own ${conflicts.length === 1 ? 'entry' : 'entries'} named ${conflicts.join(', ')}, not written by conn`,
      'rename the entry or the connection, or re-run with --force to replace it',
    );
  }
  const remove = [...managed].filter((n) => !wanted.has(n) && present.includes(n));
  const previousRules = state?.denyRules ?? [];

  // Prompt inputs (VS Code `inputs`): conn's own ids are remembered like its entries; a user's own
  // input with one of those ids is a conflict, as a same-named entry is.
  const promptIds = entries.flatMap((e) => (e.prompts ?? []).map((p) => p.id));
  const previousInputs = state?.promptInputs ?? [];
  if (writer.inputIds && existing !== null && promptIds.length) {
    const own = new Set(previousInputs);
    const presentInputs = shallow(writer.file, () => writer.inputIds!(existing));
    const taken = [...new Set(promptIds.filter((id) => presentInputs.includes(id) && !own.has(id)))];
    if (taken.length && !opts.force) {
      throw new OperationError(
        `${writer.file} already has its own ${taken.length === 1 ? 'input' : 'inputs'} with id ${taken.join(', ')}, not written by conn`,
        'rename or remove that input, or re-run with --force to replace it',
      );
    }
  }
  // No file and nothing to put in it: leave no file behind.
  const next =
    existing === null && entries.length === 0
      ? null
      : shallow(writer.file, () => writer.merge(existing, entries, remove, writer.toolFilter === 'top-level' ? previousRules : undefined, writer.inputIds ? previousInputs : undefined));
  const denyRules = entries.flatMap((e) => writer.denyRules(e));

  // Claude Code: deny rules live in .claude/settings.local.json, merged with the user's own rules.
  let sideNext: string | null = null;
  let sideExisting: string | null = null;
  let ownedRules = denyRules;
  if (writer.toolFilter === 'side-file') {
    sideExisting = readExisting(join(opts.root, CLAUDE_SETTINGS_FILE), CLAUDE_SETTINGS_FILE);
    const userRules = new Set(sideExisting === null ? [] : shallow(CLAUDE_SETTINGS_FILE, () => readClaudeDeny(sideExisting!)));
    for (const r of previousRules) userRules.delete(r);
    ownedRules = denyRules.filter((r) => !userRules.has(r));
    const removeRules = previousRules.filter((r) => !denyRules.includes(r));
    if (denyRules.length || removeRules.length) sideNext = shallow(CLAUDE_SETTINGS_FILE, () => mergeClaudeDeny(sideExisting, { add: denyRules, remove: removeRules }));
  }

  const outcome: RenderOutcome = {
    agent: opts.agent,
    file: writer.file,
    status: 'unchanged',
    secrets: opts.secrets,
    entries: entries.map((e) => ({ name: e.name, permission: e.spec.permission, deniedTools: e.deniedTools })),
    removed: remove,
    warnings,
    skipped,
  };
  if (opts.dryRun) return { ...outcome, status: 'dry-run', content: next ?? '' };

  const hasSecrets = inline && entries.some((e) => e.spec.secrets.length > 0 || (e.spec.kind === 'remote' && Object.keys(e.spec.headers).length > 0));
  const changed = next !== null && next !== existing;
  const sideChanged = sideNext !== null && sideNext !== sideExisting;
  // Every check before the first write: a render either finishes or leaves the files as they were.
  if (changed && git && (await git.tracked)) {
    throw new OperationError(
      `${writer.file} is tracked by git: an inline render would put secrets into it`,
      'use --secrets env or --secrets proxy, or --allow-tracked if you really mean it',
    );
  }
  // The file and its temp files are excluded, and git confirmed to ignore them, before a secret is written.
  if (git && hasSecrets) await guardSecretFile(opts.root, writer.file, git.ignored);
  else if (git && changed) await ensureGitExcluded(opts.root, writer.file, git.ignored);
  // The side file (deny rules, no secret) first: a failure there leaves no secret behind, and the
  // deny rules are never missing while the entries are there.
  if (sideChanged) {
    await writeSafely(opts.root, CLAUDE_SETTINGS_FILE, sideNext!);
    outcome.status = 'written';
  }
  if (changed) {
    try {
      await writeSafely(opts.root, writer.file, next!, { mode: opts.secrets === 'inline' ? 0o600 : undefined });
    } catch (err) {
      // Undo the side file, so the state (not saved) still says what is on disk.
      if (sideChanged) await restore(opts.root, CLAUDE_SETTINGS_FILE, sideExisting).catch(() => undefined);
      throw err;
    }
    outcome.status = 'written';
  }
  const newState: RenderState = {
    version: 2,
    root: opts.root,
    agent: opts.agent,
    file: writer.file,
    secrets: opts.secrets,
    entries: entries.map((e) => e.name),
    denyRules: writer.toolFilter === 'side-file' ? ownedRules : denyRules,
    ...(promptIds.length ? { promptInputs: [...new Set(promptIds)].sort() } : {}),
    inputs,
    catalog: catalogSig,
    output: sigOf(join(opts.root, writer.file), changed ? next : existing),
    side: writer.toolFilter === 'side-file' ? sigOf(join(opts.root, CLAUDE_SETTINGS_FILE), sideChanged ? sideNext : sideExisting) : null,
    volatile,
    summary: { entries: outcome.entries, warnings },
    ...(skipped.length ? { skipped } : {}),
    ...earliestExpiry(chosen.map((c) => c.conn)),
    renderedAt: deps.clock().toISOString(),
  };
  writeState(deps.home, newState);
  return outcome;
}

/** Where `conn serve` finds the catalog and secrets (none of it secret): only what differs from the defaults. */
function connLocation(env: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const out: Record<string, string> = env.CONN_HOME ? { CONN_HOME: home } : {};
  for (const key of ['CONN_KEYCHAIN_SERVICE', 'CONN_SECRET_STORE'] as const) if (env[key]) out[key] = env[key]!;
  return out;
}

function proxySpec(conn: Connection, permission: Permission, opts: RenderOptions, deps: Deps): StdioSpec {
  return {
    kind: 'stdio',
    name: conn.name,
    command: process.execPath,
    args: [connEntryScript(), 'serve', conn.name, '--repo', opts.root, '--agent', opts.agent],
    // Agents may start servers with a minimal environment: name the catalog and keychain explicitly.
    env: connLocation(deps.env, deps.home),
    // The keychain (Secret Service) is on the session bus: serve needs the agent's bus address.
    ...(process.platform === 'linux' ? { passEnv: ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'] } : {}),
    secrets: [],
    permission,
  };
}

function maskSpec(spec: LaunchSpec): LaunchSpec {
  const mask = (s: string) => replacePlaceholders(s, () => MASK);
  const maskMap = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, mask(v)]));
  if (spec.kind === 'stdio') return { ...spec, command: mask(spec.command), args: spec.args.map(mask), env: maskMap(spec.env), secrets: [] };
  return { ...spec, url: mask(spec.url), headers: maskMap(spec.headers), secrets: [] };
}

/**
 * Prompt mode: secrets that are no field of the connection (an OAuth access token, short-lived and
 * refreshed by conn) are not asked for; they stay env references, as in `--secrets env`.
 */
function envOnlyWarnings(conn: Connection, spec: LaunchSpec, agent: Agent): string[] {
  if (spec.kind === 'http-api') return [];
  return spec.secrets
    .filter((use) => !conn.secrets.includes(use.field))
    .map(
      (use) =>
        `${conn.name}: VS Code is not asked for ${use.field} (conn refreshes it); the entry references \${env:${use.envVar}}: start VS Code with the variables from \`conn env --agent ${agent}\`, or use --secrets proxy`,
    );
}

function enforcementWarnings(conn: Connection, preset: Preset, permission: Permission, opts: RenderOptions, filter: string, denied: string[]): string[] {
  if (permission === 'full' || viaProxy(conn, opts.secrets)) return [];
  const hasSwitch = Boolean(preset.permissions?.[permission]);
  if (!conn.health.tools) {
    return hasSwitch ? [] : [`${conn.name}: permission ${permission} is not enforced yet: run \`conn test ${conn.name}\` so conn knows its tools, or render with --secrets proxy`];
  }
  if (filter === 'none' && denied.length && !hasSwitch) {
    return [`${conn.name}: ${opts.agent} cannot deny single tools; permission ${permission} is enforced only with --secrets proxy`];
  }
  return [];
}

/** Runs a parse or merge of an existing file; a nesting deep enough to exhaust the stack is a one-line refusal. */
function shallow<T>(shown: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new OperationError(`${shown} is too deeply nested to read; it was left untouched`, 'flatten or move the file, or render for another agent');
    }
    throw err;
  }
}

/** Puts a file back as it was before this render (`null`: there was none). */
async function restore(root: string, relPath: string, before: string | null): Promise<void> {
  if (before === null) await unlink(join(root, relPath));
  else await writeSafely(root, relPath, before);
}

function readExisting(path: string, shown: string): string | null {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) throw new OperationError(`refusing to read ${shown}: it is a symlink`, 'replace it with a regular file');
    // A FIFO would block the read forever; a directory is no file to merge into.
    if (!st.isFile()) throw new OperationError(`refusing to use ${shown}: it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`, 'move it away, or render for another agent');
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') throw new OperationError(`cannot write ${shown}: a parent of it is not a directory`, 'move that file away, or render for another agent');
    throw err;
  }
}

function earliestExpiry(conns: Connection[]): { expiresAt?: string } {
  const times = conns.map((c) => c.oauth?.expiresAt).filter((t): t is string => Boolean(t)).sort();
  return times.length ? { expiresAt: times[0] } : {};
}

/**
 * CONN_<NAME>_<FIELD> is not injective (`acme/PROD_TOKEN` and `acme-prod/TOKEN` both give
 * CONN_ACME_PROD_TOKEN): two connections sharing a variable would hand one's secret to the other's
 * server, so that is refused, naming both.
 */
export function checkEnvVarsDistinct(conns: { name: string; vars: string[] }[]): void {
  const owner = new Map<string, string>();
  for (const { name, vars } of conns) {
    for (const v of new Set(vars)) {
      const other = owner.get(v);
      if (other !== undefined && other !== name) {
        throw new OperationError(`connections ${other} and ${name} would both use the variable ${v}`, `rename one of them: conn edit ${name} --rename NEW`);
      }
      owner.set(v, name);
    }
  }
}

/** The agent's project file, relative to the repo. */
export function agentFile(agent: Agent): string {
  return writerFor(agent).file;
}

/** Agents that `--agent all` renders: those whose files exist in the repo, those assigned here, those rendered before. */
export function detectAgents(root: string, remote: string | undefined, catalog: Catalog, previously: Agent[], all: readonly Agent[]): Agent[] {
  const found = new Set<Agent>(previously);
  for (const agent of all) {
    try {
      lstatSync(join(root, writerFor(agent).file));
      found.add(agent);
    } catch {
      /* not there */
    }
  }
  for (const agent of all) {
    const decisions: Decision[] = resolveAccess(catalog, { root, remote }, agent);
    const specific = catalog.assignments.some((a) => a.agents.includes(agent) && decisions.some((d) => d.assignment === a.id && d.rendered));
    if (specific) found.add(agent);
  }
  return all.filter((a) => found.has(a));
}
