// The full render: catalog + assignments → launch specs → the agent's own file, merged with what is
// there, written safely. The no-change path lives in fast.ts and never loads this module.
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { AGENTS, type Agent, type Permission } from '../catalog/constants.js';
import type { Catalog, Connection } from '../catalog/model.js';
import type { CatalogSnapshot } from '../catalog/store.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import type { CredentialSet } from '../credentials/credentials.js';
import { launchSpec, proxySpec, referenceValues, type ProxyPlace } from '../launch/build.js';
import { replacePlaceholders, type LaunchSpec } from '../launch/types.js';
import { connEntryScript } from '../paths.js';
import { presetFor } from '../presets/effective.js';
import type { PresetRegistry } from '../presets/registry.js';
import type { Preset } from '../presets/schema.js';
import { resolveAccess, type Decision } from '../access/resolve.js';
import { hasLists, hasWildcard, selectTools } from '../access/tool-list.js';
import { TOOL_LIMITS } from '../access/tool-budget.js';
import { canDisable, DEFAULT_SYNTAX } from './agents/settings.js';
import { CLAUDE_SETTINGS_FILE, mergeClaudeDeny, readClaudeDeny, writerFor, type RenderedEntry } from './agents/index.js';
import { readState, writeState, type RenderState, type SecretsMode, type SkippedEntry } from './state.js';
import { formatError } from '../errors.js';
import { inputsText } from './stamp.js';
import { sigOf, type FileSig } from '../file-sig.js';
import { viaProxy } from './accounts.js';
import { checkPromptIds, PROMPT_ONLY_VSCODE, promptInputsFor } from './prompt.js';
import { checkIgnored, ensureGitExcluded, guardSecretFile, isTrackedByGit, leakGuardFromFiles, removeSafely, writeSafely, type IgnoreCheck } from './write-safely.js';
import { userLevelDecisions } from './user-scope.js';
import { readExisting, readOutputs, shallow, type OutputFile } from './outputs.js';

export interface RenderOptions {
  root: string;
  remote?: string;
  isGit: boolean;
  agent: Agent;
  secrets: SecretsMode;
  dryRun: boolean;
  force: boolean;
  allowTracked: boolean;
  /** Refuse (exit 1, nothing written) when the agent would see more tools than this. */
  maxTools?: number;
  /**
   * `--scope user`: `root` is the user's home directory and the writer's file the agent's user config;
   * only connections for all repos are written, and proxy entries carry their permission, not a repo.
   */
  userScope?: boolean;
  /** Asks the user to approve a registry connection's first run; absent, or answering undefined (no terminal) = refuse. */
  confirmRun?: (question: string) => Promise<boolean | undefined>;
}

/** The JSON shape of one agent's render in `conn render --json` (stable). */
export interface RenderOutcome {
  agent: Agent;
  file: string;
  status: 'written' | 'unchanged' | 'dry-run';
  secrets: SecretsMode;
  entries: { name: string; permission: Permission; deniedTools: string[]; allowedTools?: string[] }[];
  /** Tools the agent will see in all (known from `conn test` records; `unknown` names those without one). */
  tools: { count: number; unknown: string[] };
  removed: string[];
  warnings: string[];
  /** Connections that apply but were left out: a secret of theirs does not resolve (the rest is rendered). */
  skipped: SkippedEntry[];
  /** The file as it would be written, secrets masked (dry-run only). */
  content?: string;
  /** Dry-run only: entries in the file that are not conn's, printed as the file has them (never masked). */
  unmanaged?: string[];
}

const MASK = '********';

export interface RenderLoaded {
  snapshot: CatalogSnapshot;
  registry: PresetRegistry;
  /** The values of this render's connections, already being resolved (inline renders). */
  credentials?: Promise<CredentialSet>;
}

export async function renderAgent(opts: RenderOptions, deps: Deps, loaded?: RenderLoaded): Promise<RenderOutcome> {
  const { catalog, sig: readSig } = loaded?.snapshot ?? (await deps.catalog.snapshot());
  const registry = loaded?.registry ?? (await deps.presets());
  const writer = writerFor(opts.agent);
  await writer.load?.();
  if (opts.secrets === 'prompt' && !writer.inputIds) throw new UsageError(PROMPT_ONLY_VSCODE, `${opts.agent} cannot ask for a secret: use --secrets env or proxy`);
  if (opts.secrets === 'env' && writer.expandsEnv === false) {
    throw new UsageError(`${opts.agent} expands no environment reference in ${writer.file}, so --secrets env cannot work there`, `render ${opts.agent} with --secrets proxy (conn serve reads the keychain) or --secrets inline`);
  }
  const inputs = inputsText({ home: deps.home, root: opts.root, remote: opts.remote, agent: opts.agent, secrets: opts.secrets });
  const state = readState(deps.home, opts.root, opts.agent);
  const managed = new Set(state?.entries ?? []);
  // Agents reading the same file (Claude Code and Copilot CLI: .mcp.json): the entries the other's
  // render owns are conn's too (no conflict), and this render never removes them.
  const siblings = new Set(
    AGENTS.filter((a) => a !== opts.agent && writerFor(a).file === writer.file).flatMap((a) => readState(deps.home, opts.root, a)?.entries ?? []),
  );
  const warnings: string[] = [];

  const decisions = (opts.userScope ? userLevelDecisions(catalog, opts.agent) : resolveAccess(catalog, { root: opts.root, remote: opts.remote }, opts.agent)).filter((d) => d.rendered);
  const chosen = decisions.map((d) => ({ decision: d, conn: catalog.connections[d.connection]!, preset: presetFor(catalog.connections[d.connection]!, registry) }));
  // SEP-1024: a registry connection is written into an agent's file only once its run is approved.
  if (!opts.dryRun && chosen.some((c) => c.conn.registry)) {
    await (await import('../registry/consent.js')).ensureConsent(chosen.map((c) => c.conn), deps.catalog, opts.confirmRun);
  }

  // The leak guard's two git questions per file, started now so they run while the keychain is read.
  const guarded = opts.isGit && opts.secrets === 'inline' && !opts.allowTracked && !opts.dryRun;
  const git = guarded ? leakGuard(opts.root) : undefined;
  if (git) for (const c of chosen) git(writer.blockFile ? writer.blockFile(c.conn.key ?? c.conn.name) : writer.file);

  // Every value the file needs, in one bulk read through the credentials port (inline mode only;
  // the render command may have started it already, while the presets and writers loaded).
  const inline = opts.secrets === 'inline' && !opts.dryRun;
  const direct = chosen.filter((c) => !viaProxy(c.conn, opts.secrets)).map((c) => c.conn);
  const credentials = inline ? await (loaded?.credentials ?? deps.credentials.resolve(direct, 'resolve')) : undefined;
  // A keychain that cannot be read at all is not one broken connection: rendering the rest would drop
  // every keychain-backed entry from the agent's file. The render fails whole, nothing written.
  if (credentials?.storeError && direct.some((c) => c.secrets.length > 0 || c.oauth)) throw credentials.storeError;
  const place: ProxyPlace = { root: opts.root, agent: opts.agent, node: process.execPath, entry: connEntryScript(), env: deps.env, home: deps.home, platform: process.platform, ...(opts.userScope ? { userScope: true } : {}) };

  const entries: RenderedEntry[] = [];
  const toolCount: { name: string; count: number }[] = [];
  const toolsUnknown: string[] = [];
  const expiries: number[] = [];
  const refreshes: number[] = [];
  const skipped: SkippedEntry[] = [];
  let volatile = false;
  const keyOwner = new Map<string, string>();
  for (const { decision, conn, preset } of chosen) {
    const permission = decision.permission as Permission;
    // Switched off in the agent file it came from: written switched off where the agent has a switch.
    if (conn.settings?.disabled && !canDisable(opts.agent)) {
      warnings.push(`${conn.name}: switched off in the file it was imported from, and ${opts.agent} has no per-entry switch: left out (conn enable ${conn.name} turns it on everywhere)`);
      continue;
    }
    let spec: LaunchSpec;
    try {
      if (viaProxy(conn, opts.secrets)) spec = proxySpec(conn, permission, place);
      else {
        const resolved = credentials?.values(conn.name);
        if (resolved?.expiresAt !== undefined) expiries.push(resolved.expiresAt);
        if (resolved?.refreshAt !== undefined) refreshes.push(resolved.refreshAt);
        const values = resolved ?? referenceValues(conn);
        spec = launchSpec(conn, preset, permission, values);
      }
    } catch (err) {
      // One connection whose secret does not resolve must not keep the others' entries from being
      // right: it is left out (its old entry removed), named, and retried on every render.
      if (!(err instanceof OperationError)) throw err;
      skipped.push({ name: conn.name, error: formatError(err) });
      volatile = true;
      continue;
    }
    if (inline && conn.secretRefs && Object.keys(conn.secretRefs).length) volatile = true;
    const lists = listsFor(conn, decision, permission, preset, opts, writer.toolFilter, warnings);
    const denied = lists.denied;
    const seen = viaProxy(conn, opts.secrets) || writer.toolFilter !== 'none' ? lists.visible : conn.health.tools?.length;
    if (seen === undefined) toolsUnknown.push(conn.name);
    else toolCount.push({ name: conn.name, count: seen });
    // Prompt mode: the agent asks for each secret; the file holds no value, so a dry run shows it as is.
    const prompts = opts.secrets === 'prompt' && spec.kind !== 'http-api' ? promptInputsFor(conn, preset, spec) : [];
    const key = conn.key ?? conn.name;
    const clash = keyOwner.get(key);
    if (clash) {
      throw new OperationError(`connections ${clash} and ${conn.name} would both write the entry ${key} for ${opts.agent}`, `give one another key: conn edit ${conn.name} --key NEW`);
    }
    keyOwner.set(key, conn.name);
    const userDisabled = conn.settings?.disabledTools ?? [];
    entries.push({
      name: key,
      spec: opts.dryRun && opts.secrets !== 'prompt' ? maskSpec(spec) : spec,
      deniedTools: userDisabled.length ? [...new Set([...denied, ...userDisabled])].sort() : denied,
      ...(lists.allowed ? { allowedTools: lists.allowed.filter((t) => !userDisabled.includes(t)) } : {}),
      ...(prompts.length ? { prompts } : {}),
      ...(conn.settings && !viaProxy(conn, opts.secrets) ? { settings: conn.settings } : {}),
      ...(inline || viaProxy(conn, opts.secrets) ? {} : refDefaults(conn)),
    });
    const refDefault = inline || viaProxy(conn, opts.secrets) ? {} : refDefaults(conn);
    if (refDefault.defaults && !DEFAULT_SYNTAX.includes(opts.agent)) {
      const vars = Object.keys(refDefault.defaults).join(', ');
      warnings.push(`${conn.name}: ${opts.agent} has no \${VAR:-default} syntax, so its file names ${vars} without the default: start the agent with conn exec --agent ${opts.agent} -- CMD (or eval "$(conn env --agent ${opts.agent})"), which sets an unset ${vars} to its default`);
    }
    if (opts.secrets === 'prompt') warnings.push(...envOnlyWarnings(conn, spec, opts.agent));
    warnings.push(...enforcementWarnings(conn, preset, permission, opts, writer.toolFilter, denied));
  }
  checkPromptIds(entries);
  const totalTools = toolCount.reduce((n, c) => n + c.count, 0);
  warnings.push(...toolLimitWarnings(opts.agent, totalTools, toolCount, opts.maxTools));
  if (writer.trustNote && entries.length) warnings.push(writer.trustNote);
  if (opts.secrets !== 'inline') checkEnvVarsDistinct(entries.map((e) => ({ name: e.name, vars: e.spec.secrets.map((u) => u.envVar) })));

  const wanted = new Set(entries.map((e) => e.name));
  const files = readOutputs(opts.root, writer, { managed, wanted });
  const existing = files.existing ?? null;
  const present = [...files.present.keys()];
  const conflicts = entries.filter((e) => present.includes(e.name) && !managed.has(e.name) && !siblings.has(e.name)).map((e) => e.name);
  if (conflicts.length && !opts.force) {
    throw new OperationError(
      `${[...new Set(conflicts.flatMap((n) => files.present.get(n)!))].join(', ')} already ${conflicts.length === 1 ? 'has its own entry' : 'have their own entries'} named ${conflicts.join(', ')}, not written by conn`,
      'rename the entry or the connection, or re-run with --force to replace it',
    );
  }
  const remove = [...managed].filter((n) => !wanted.has(n) && present.includes(n) && !siblings.has(n));
  // A folder of blocks: the user's own block of the same name is not conn's to change, and Continue loads both.
  if (writer.blockFile) {
    for (const e of entries) {
      const others = (files.present.get(e.name) ?? []).filter((rel) => rel !== writer.blockFile!(e.name) && rel !== writer.legacyFile);
      if (others.length) warnings.push(`${e.name}: ${others.join(', ')} also has a server named ${e.name}, not written by conn; ${opts.agent} loads both`);
    }
  }
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
  // No file and nothing to put in it: leave no file behind (outputs.ts).
  const outputs = files.merge(entries, remove, writer.toolFilter === 'top-level' ? previousRules : undefined, writer.inputIds ? previousInputs : undefined);
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
    entries: entries.map((e) => ({ name: e.name, permission: e.spec.permission, deniedTools: e.deniedTools, ...(e.allowedTools ? { allowedTools: e.allowedTools } : {}) })),
    removed: remove,
    warnings,
    tools: { count: totalTools, unknown: toolsUnknown },
    skipped,
  };
  if (opts.maxTools !== undefined && totalTools > opts.maxTools) {
    throw new OperationError(
      `${opts.agent} would see ${totalTools} tools here, more than --max-tools ${opts.maxTools}; nothing written (most: ${mostTools(toolCount)})`,
      'narrow them with conn assign NAME --tools/--deny-tools, or a lower --permission',
    );
  }
  if (opts.dryRun) return { ...outcome, status: 'dry-run', content: dryRunContent(writer.blockFile ? outputs : outputs.slice(0, 1), Boolean(writer.blockFile)), unmanaged: present.filter((n) => !wanted.has(n) && !managed.has(n)) };

  // Whether the file gets a secret value: a connection with a secret (or an OAuth token) rendered inline.
  const hasSecrets = inline && chosen.some(({ conn }) => !viaProxy(conn, opts.secrets) && (conn.secrets.length > 0 || Boolean(conn.oauth)));
  // A file written (null next: deleted, an emptied block) where its text changes.
  const changes = outputs.filter((f) => f.next !== f.existing);
  const sideChanged = sideNext !== null && sideNext !== sideExisting;
  // Every check before the first write: a render either finishes or leaves the files as they were.
  const writes = changes.filter((f) => f.next !== null);
  if (git && hasSecrets) {
    for (const f of writes) {
      if (await git(f.rel).tracked) {
        throw new OperationError(`${f.rel} is tracked by git: an inline render would put secrets into it`, 'use --secrets env or --secrets proxy, or --allow-tracked if you really mean it');
      }
    }
  }
  // Each file and its temp files are excluded, and git confirmed to ignore them, before a secret is
  // written (one at a time: each may add lines to the same exclude file).
  if (git && hasSecrets) for (const f of outputs.filter((o) => o.next !== null)) await guardSecretFile(opts.root, f.rel, git(f.rel).ignored);
  else if (git) for (const f of writes) await ensureGitExcluded(opts.root, f.rel, git(f.rel).ignored);
  // The side file (deny rules, no secret) first: a failure there leaves no secret behind, and the
  // deny rules are never missing while the entries are there.
  if (sideChanged) {
    await writeSafely(opts.root, CLAUDE_SETTINGS_FILE, sideNext!);
    outcome.status = 'written';
  }
  const done: OutputFile[] = [];
  try {
    for (const f of changes) {
      if (f.next === null) await removeSafely(opts.root, f.rel);
      else await writeSafely(opts.root, f.rel, f.next, { mode: opts.secrets === 'inline' ? 0o600 : undefined });
      done.push(f);
    }
  } catch (err) {
    // Undo what this render wrote, so the state (not saved) still says what is on disk.
    for (const f of done.reverse()) await restore(opts.root, f.rel, f.existing).catch(() => undefined);
    if (sideChanged) await restore(opts.root, CLAUDE_SETTINGS_FILE, sideExisting).catch(() => undefined);
    throw err;
  }
  if (changes.length) outcome.status = 'written';
  // The credentials port mirrors an OAuth refresh into the catalog (status only): the render has
  // accounted for it, so the catalog it rendered from is the one after that write, and the next `cd`
  // finds nothing changed.
  let catalogSig = readSig;
  for (const w of credentials?.catalogWrites ?? []) if (sameSig(w.before, catalogSig)) catalogSig = w.after;
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
    output: writer.blockFile ? sigOf(join(opts.root, writer.file), null) : sigOf(join(opts.root, outputs[0]!.rel), outputs[0]!.next),
    ...(writer.blockFile ? { blocks: Object.fromEntries(outputs.filter((f) => f.next !== null).map((f) => [f.rel, sigOf(join(opts.root, f.rel), f.next)])) } : {}),
    side: writer.toolFilter === 'side-file' ? sigOf(join(opts.root, CLAUDE_SETTINGS_FILE), sideChanged ? sideNext : sideExisting) : null,
    volatile,
    ...(expiries.length ? { expiresAt: new Date(Math.min(...expiries)).toISOString() } : {}),
    ...(refreshes.length ? { refreshAt: new Date(Math.min(...refreshes)).toISOString() } : {}),
    summary: { entries: outcome.entries, warnings, tools: outcome.tools },
    ...(skipped.length ? { skipped } : {}),
    renderedAt: deps.clock().toISOString(),
  };
  writeState(deps.home, newState);
  return outcome;
}

/**
 * The leak guard's two questions about a file (is it tracked; does git ignore it and its temp files),
 * asked once per file and startable early. Usually answered from .git/info/exclude and the index;
 * git is asked when that is not certain.
 */
function leakGuard(root: string): (rel: string) => { tracked: Promise<boolean>; ignored: Promise<IgnoreCheck> } {
  const asked = new Map<string, { tracked: Promise<boolean>; ignored: Promise<IgnoreCheck> }>();
  return (rel) => {
    let answer = asked.get(rel);
    if (!answer) {
      const known = leakGuardFromFiles(root, rel);
      answer = known
        ? { tracked: Promise.resolve(known.tracked), ignored: Promise.resolve({ code: known.ignored ? 0 : 1, file: known.ignored, temp: known.ignored }) }
        : { tracked: isTrackedByGit(root, rel), ignored: checkIgnored(root, rel) };
      // Asked ahead of need: an answer nobody awaits must not be an unhandled rejection.
      answer.tracked.catch(() => undefined);
      answer.ignored.catch(() => undefined);
      asked.set(rel, answer);
    }
    return answer;
  };
}

/** A dry run's text: the file as it would be written; a folder of blocks: each block, named, as one YAML stream. */
function dryRunContent(outputs: OutputFile[], blocks: boolean): string {
  if (!blocks) return outputs[0]?.next ?? '';
  return outputs
    .filter((f) => f.next !== null)
    .map((f) => `# ${f.rel}\n${f.next}`)
    .join('---\n');
}

/** `env:VAR:-default` references of a connection: VAR → default (see RenderedEntry.defaults). */
function refDefaults(conn: Connection): { defaults?: Record<string, string> } {
  const out: Record<string, string> = {};
  for (const ref of Object.values(conn.secretRefs ?? {})) {
    const m = /^env:([A-Za-z_][A-Za-z0-9_]*):-(.*)$/s.exec(ref);
    if (m) out[m[1]!] = m[2]!;
  }
  return Object.keys(out).length ? { defaults: out } : {};
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

/**
 * The tools one entry denies (and allows, when the assignment narrowed them), from the tools
 * `conn test` recorded. Before the first test only exact names can be written, and the render says
 * the lists cannot be checked yet.
 */
function listsFor(conn: Connection, decision: Decision, permission: Permission, preset: Preset, opts: RenderOptions, filter: string, warnings: string[]): { denied: string[]; allowed?: string[]; visible?: number } {
  const lists = decision.lists;
  const recorded = conn.health.tools;
  if (!recorded) {
    if (!hasLists(lists)) return { denied: [] };
    warnings.push(`${conn.name}: its tool lists cannot be checked yet (only exact names are written): run \`conn test ${conn.name}\``);
    const exact = (globs: string[] | undefined) => (globs ?? []).filter((g) => !hasWildcard(g));
    const allowed = lists?.tools?.length && exact(lists.tools).length === lists.tools.length ? exact(lists.tools) : undefined;
    return { denied: exact(lists?.denyTools), ...(allowed ? { allowed } : {}) };
  }
  const selection = selectTools(recorded, permission, preset.tools, lists);
  if (selection.unmatched.length) {
    warnings.push(`${conn.name}: ${selection.unmatched.join(', ')} ${selection.unmatched.length === 1 ? 'matches' : 'match'} none of its ${recorded.length} recorded tools`);
  }
  if (hasLists(lists) && filter === 'none' && !viaProxy(conn, opts.secrets) && selection.denied.length) {
    warnings.push(`${conn.name}: ${opts.agent} cannot filter single tools; its tool list is enforced only with --secrets proxy`);
  }
  return {
    denied: selection.denied,
    visible: selection.allowed.length,
    ...(lists?.tools?.length ? { allowed: selection.allowed.map((t) => t.name) } : {}),
  };
}

function mostTools(counts: { name: string; count: number }[]): string {
  return [...counts].sort((a, b) => b.count - a.count).slice(0, 3).map((c) => `${c.name} ${c.count}`).join(', ');
}

/** Past the agent's known limit: say so and name the connections with the most tools. */
function toolLimitWarnings(agent: Agent, total: number, counts: { name: string; count: number }[], maxTools: number | undefined): string[] {
  const known = TOOL_LIMITS[agent];
  if (!known || total <= known.limit || maxTools !== undefined) return [];
  return [
    `${agent} would see ${total} tools here, over its limit of ${known.limit} (${known.effect}; ${known.source}); most: ${mostTools(counts)}. Narrow them with conn assign NAME --tools/--deny-tools${agent === 'cursor' || agent === 'vscode' ? ', and render with --secrets proxy (this agent cannot filter tools itself)' : ''}`,
  ];
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

/** Puts a file back as it was before this render (`null`: there was none). */
async function restore(root: string, relPath: string, before: string | null): Promise<void> {
  if (before === null) await removeSafely(root, relPath);
  else await writeSafely(root, relPath, before);
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
    const file = writerFor(agent).file;
    // A file two agents read (.mcp.json) names the first of them only; the other comes by assignment.
    if (all.some((a) => a !== agent && all.indexOf(a) < all.indexOf(agent) && writerFor(a).file === file)) continue;
    try {
      lstatSync(join(root, file));
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

function sameSig(a: FileSig, b: FileSig): boolean {
  return a.hash === b.hash && a.stat === b.stat;
}
