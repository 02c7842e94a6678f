import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import type { ImportItem } from '../adopt/plan.js';
import type { SourceFile } from '../adopt/sources.js';
import { SOURCES, type Source } from '../adopt/source-names.js';
import type { TeamCatalog, TeamPlanItem } from '../adopt/team-catalog.js';
import type { Deps } from '../deps.js';
import { InterruptedError, OperationError, UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';
import { table } from '../ui/layout.js';

export interface ImportOptions {
  files: string[];
  from?: Source;
  dryRun: boolean;
  yes: boolean;
  rewrite: boolean;
  json: boolean;
  catalog?: string;
  prefix?: string;
  cwd: string;
}

interface ImportFlags {
  from?: string;
  dryRun?: boolean;
  yes?: boolean;
  rewrite?: boolean;
  json?: boolean;
  catalog?: string;
  prefix?: string;
}

export function parseImport(files: string[], flags: ImportFlags, cwd = process.cwd()): ImportOptions {
  if (flags.from !== undefined && !(SOURCES as readonly string[]).includes(flags.from)) {
    throw new UsageError(`unknown --from ${flags.from}`, `use one of ${SOURCES.join(', ')}`);
  }
  if (flags.catalog !== undefined) {
    if (files.length) throw new UsageError('--catalog imports a team catalog: give no other FILE');
    if (flags.rewrite || flags.from) throw new UsageError('--rewrite and --from apply to agent config files, not to --catalog');
  } else if (flags.prefix !== undefined) throw new UsageError('--prefix applies to --catalog only');
  if (flags.prefix !== undefined && !/^[a-z0-9][a-z0-9-]{0,30}$/.test(flags.prefix)) {
    throw new UsageError(`invalid --prefix ${JSON.stringify(flags.prefix)}`, 'lower-case letters, digits and dashes');
  }
  return {
    files,
    from: flags.from as Source | undefined,
    dryRun: Boolean(flags.dryRun),
    yes: Boolean(flags.yes),
    rewrite: Boolean(flags.rewrite),
    json: Boolean(flags.json),
    catalog: flags.catalog,
    prefix: flags.prefix,
    cwd,
  };
}

export async function run(opts: ImportOptions, deps: Deps): Promise<void> {
  if (opts.catalog !== undefined) return runCatalog(opts, deps);
  const { defaultSources, inferSource, projectScope, readSource, SourceParseError } = await import('../adopt/sources.js');
  const home = deps.env.HOME ?? homedir();

  let files: SourceFile[];
  if (opts.files.length) {
    files = opts.files.map((f) => {
      const path = resolve(opts.cwd, f);
      const source = opts.from ?? inferSource(path);
      if (!source) throw new UsageError(`cannot tell which agent ${f} belongs to`, `name it: --from ${SOURCES.join('|')}`);
      return { path, source, scope: projectScope(path, source, home) };
    });
  } else {
    const { repoTop } = await import('../access/repo.js');
    const root = (await repoTop(opts.cwd)).root;
    files = defaultSources(root, home, deps.env, opts.from);
    if (!files.length) {
      deps.io.result({ dryRun: opts.dryRun, items: [], imported: [], rewritten: [] }, () => 'no agent MCP config files found here or in your home directory');
      return;
    }
  }

  const entries = [];
  for (const file of files) {
    try {
      entries.push({ file, servers: readSource(file) });
    } catch (err) {
      if (!(err instanceof SourceParseError)) throw err;
      // A file named on the command line must parse; a default location that does not is skipped.
      if (opts.files.length) throw new OperationError(err.message, 'fix the file; conn import never changes a file it cannot parse');
      deps.io.warn(`${err.message}; skipped`);
    }
  }
  const [registry, catalog] = await Promise.all([deps.presets(), deps.catalog.read()]);
  const { planImport } = await import('../adopt/plan.js');
  const items = await planImport(entries, catalog, registry);
  const todo = items.filter((i) => !i.skip);
  const shown = (p: string) => showPath(p, opts.cwd, home);

  if (opts.dryRun || !todo.length) {
    deps.io.result(importJson(items, [], [], opts.dryRun, shown), () => planText(items, shown) || 'no MCP servers in those files');
    return;
  }
  if (!opts.yes) {
    if (!deps.io.canPrompt) {
      throw new UsageError(
        `would import ${todo.length} server(s): ${todo.map((i) => `${i.name} (${i.preset.id}) from ${shown(i.file)}`).join(', ')}; nothing imported (no terminal to confirm)`,
        're-run with --yes, or --dry-run to see what each value becomes',
      );
    }
    deps.io.out(planText(items, shown));
    if (!(await deps.prompter.confirm(`Import ${todo.length} server(s)${opts.rewrite ? ' and remove them from the project files' : ''}?`, true))) {
      deps.io.err('nothing imported');
      return;
    }
  }

  const { commitNewConnection } = await import('../catalog/connections.js');
  const imported: ImportItem[] = [];
  const failed: { item: ImportItem; error: string }[] = [];
  for (const item of todo) {
    try {
      await commitNewConnection(
        deps.catalog,
        () => deps.secrets(),
        registry,
        {
          name: item.name,
          preset: item.preset,
          fields: item.fields,
          secrets: item.secrets,
          secretRefs: item.secretRefs,
          command: item.command,
          enabled: item.enabled,
          matchedPreset: item.matchedPreset,
          key: item.key,
          transport: item.transport,
          settings: item.settings,
        },
        deps.clock(),
      );
      imported.push(item);
    } catch (err) {
      // The keychain being unreachable fails every item alike: stop at the first.
      if (err instanceof OperationError && !imported.length) throw err;
      failed.push({ item, error: err instanceof Error ? err.message : String(err) });
    }
  }

  // Fields the file left to the agent to ask for (`${input:id}`): listed on the connection (so show
  // and doctor report them missing), asked for now on a terminal.
  const missing = imported.flatMap((i) => i.missing.map((field) => ({ item: i, field })));
  if (missing.length) {
    await deps.catalog.update((c) => {
      for (const { item, field } of missing) {
        const conn = c.connections[item.name];
        if (conn) conn.secrets = [...new Set([...conn.secrets, field])].sort();
      }
    });
    if (deps.io.canPrompt && !opts.json) {
      const { promptField } = await import('../ui/prompts.js');
      const { secretAccount } = await import('../secrets/store.js');
      const store = await deps.secrets();
      for (const m of [...missing]) {
        const value = await promptField({ key: m.field, label: `${m.item.name} ${m.field}`, secret: true, required: false });
        if (value === '') continue;
        await store.set(secretAccount(m.item.name, m.field), value);
        missing.splice(missing.indexOf(m), 1);
      }
    }
  }

  const rewritten: string[] = [];
  const kept: { file: string; reason: string }[] = [];
  if (opts.rewrite) {
    const { removeEntries, renderAgentFor } = await import('../adopt/rewrite.js');
    const byFile = new Map<string, ImportItem[]>();
    for (const item of imported) byFile.set(item.file, [...(byFile.get(item.file) ?? []), item]);
    for (const [file, list] of byFile) {
      const first = list[0]!;
      if (first.scope !== 'project') {
        deps.io.warn(`${shown(file)} is a user file: --rewrite changes project files only; left as it is`);
        continue;
      }
      if (!renderAgentFor(first.source)) {
        deps.io.warn(`${shown(file)}: conn renders no ${first.source} file, so --rewrite left it as it is (the entries stay there)`);
        continue;
      }
      // Entries from ~/.claude.json's per-project section live elsewhere in that file: never touched here.
      // An entry switched off where the agent has a switch is removed too: the render writes it back
      // switched off. One imported disabled (no such switch: `conn disable`) stays as it is.
      const names = list.filter((i) => !i.where.startsWith('projects[') && i.enabled).map((i) => i.entry);
      const inputs = list.filter((i) => i.enabled).flatMap((i) => Object.values(i.settings.inputs ?? {}));
      // Check first that `conn render` can write the replacements, so the file is never left emptied.
      const blocked = await rewriteBlocked(file, renderAgentFor(first.source)!, list, deps);
      if (blocked) {
        kept.push({ file, reason: blocked });
        deps.io.warn(`${shown(file)}: entries left in place: ${blocked}`);
        continue;
      }
      try {
        if (await removeEntries(file, first.source, names, inputs)) rewritten.push(file);
      } catch (err) {
        // Imported, but the file could not be rewritten safely (a symlinked .cursor/…): say so, fail.
        if (!(err instanceof OperationError)) throw err;
        deps.io.warn(`${shown(file)} left as it is: ${err.message}`);
        process.exitCode = 1;
      }
    }
  }

  const data = importJson(items, imported, rewritten, false, shown);
  const extra = { failed: failed.map((f) => ({ name: f.item.name, error: f.error })), missingSecrets: missing.map((m) => ({ connection: m.item.name, field: m.field })), kept: kept.map((k) => ({ file: shown(k.file), reason: k.reason })) };
  deps.io.result({ ...data, ...extra }, () => {
    const lines = [planText(items, shown), ''];
    lines.push(`Imported ${imported.length}: ${imported.map((i) => i.name).join(', ') || 'none'}`);
    for (const f of failed) lines.push(`Failed ${f.item.name}: ${f.error}`);
    for (const file of rewritten) {
      const agent = items.find((i) => i.file === file)!.source;
      lines.push(`Removed the imported entries from ${shown(file)}: run \`conn render --agent ${agent}\` to write them back as conn-managed entries`);
    }
    if (missing.length) {
      lines.push('Secrets still missing (the file left them to the agent to ask for):');
      for (const m of missing) lines.push(`  ${m.item.name}/${m.field}    conn edit ${m.item.name} --secret ${m.field}`);
    }
    const stored = imported.filter((i) => Object.keys(i.secrets).length);
    if (stored.length && !opts.rewrite) {
      lines.push('The secrets are now in the keychain; the source files still hold them: re-run with --rewrite for project files, then rotate any that were committed.');
    }
    return lines.join('\n');
  });
  if (failed.length) process.exitCode = 1;
}

/**
 * Why `conn render` could not write back a file's imported entries (so --rewrite must not remove
 * them), or undefined when it can: the file must be the one the agent's render writes, and a render
 * in the mode used here must not be refused by the leak guard (a git-tracked file getting secrets).
 */
async function rewriteBlocked(file: string, agent: import('../catalog/constants.js').Agent, items: ImportItem[], deps: Deps): Promise<string | undefined> {
  const { dirname, join } = await import('node:path');
  const { realpathSync } = await import('node:fs');
  const { repoTop } = await import('../access/repo.js');
  const { writerFor } = await import('../render/agents/index.js');
  const { readState } = await import('../render/state.js');
  const { isTrackedByGit } = await import('../render/write-safely.js');
  const writer = writerFor(agent);
  // Block writers (Continue): any block in the folder; the render writes each entry to its own block.
  const inFolder = writer.blockFile !== undefined && dirname(file).endsWith(`/${writer.file}`);
  let dir = dirname(file);
  for (const _ of writer.file.split('/').slice(inFolder ? 0 : 1)) dir = dirname(dir);
  const top = await repoTop(dir);
  // The folder the file's path names as its repo (not where a symlinked .cursor/ leads: the rewrite
  // itself refuses to write through that, and says so).
  if (top.root !== realpathSync(dir) || !(inFolder || file.endsWith(`/${writer.file}`))) return `conn render --agent ${agent} writes ${writer.file} at the repo top, not this file`;
  const mode = readState(deps.home, top.root, agent)?.secrets ?? 'inline';
  const secret = items.some((i) => Object.keys(i.secrets).length || Object.keys(i.secretRefs).length || i.missing.length);
  const written = writer.blockFile ? items.map((i) => writer.blockFile!(i.name)) : [writer.file];
  if (mode === 'inline' && secret && top.isGit && (await Promise.all(written.map((f) => isTrackedByGit(top.root, f)))).some(Boolean)) {
    return `it is tracked by git and an inline render would put secrets into it; write them as references instead: conn render --agent ${agent} --secrets env --force`;
  }
  return undefined;
}

function showPath(path: string, cwd: string, home: string): string {
  const rel = relative(cwd, path);
  if (rel && !rel.startsWith('..') && !rel.startsWith(sep)) return rel;
  if (path.startsWith(home + sep)) return `~${path.slice(home.length)}`;
  return path;
}

function describeTarget(item: ImportItem): string {
  if (item.preset.id === 'custom') return `custom: ${item.command!.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`;
  if (item.preset.id === 'remote') return `remote ${item.fields.url}${item.matchedPreset ? ` (matches ${item.matchedPreset})` : ''}`;
  return `preset ${item.preset.id}${item.match ? `, matched by ${item.match}` : ''}`;
}

/** The plan as text: per file, each entry → the connection, each field and where its value goes. Never a value of a secret. */
export function planText(items: ImportItem[], shown: (p: string) => string): string {
  const lines: string[] = [];
  let file: string | undefined;
  for (const item of items) {
    if (item.file !== file) {
      file = item.file;
      lines.push(`${shown(item.file)} (${item.source}, ${item.scope}):`);
    }
    if (item.skip) {
      lines.push(`  ${item.entry}: skipped: ${item.skip}`);
      continue;
    }
    lines.push(`  ${item.entry} → ${item.name}  [${describeTarget(item)}]${item.enabled ? (item.settings.disabled ? ' (switched off)' : '') : ' (disabled)'}`);
    if (item.key) lines.push(`      key ${JSON.stringify(item.key)} kept: agents still see the entry under its name`);
    if (item.transport) lines.push(`      transport ${item.transport} kept`);
    for (const [k, v] of Object.entries(item.settings)) if (k !== 'inputs') lines.push(`      ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    for (const [key, value] of Object.entries(item.fields)) if (key !== 'url') lines.push(`      ${key} = ${value}`);
    for (const s of item.secretPlan) {
      lines.push(
        s.store === 'keychain'
          ? `      ${s.field}: secret → keychain (${s.reason})`
          : s.store === 'missing'
            ? `      ${s.field}: secret to provide (${s.reason.replace('<name>', item.name)})`
            : `      ${s.field}: reference ${s.ref} (${s.reason})`,
      );
    }
    for (const note of item.notes) lines.push(`      note: ${note.replace('<name>', item.name)}`);
  }
  return lines.join('\n');
}

function importJson(items: ImportItem[], imported: ImportItem[], rewritten: string[], dryRun: boolean, shown: (p: string) => string) {
  return {
    dryRun,
    items: items.map((i) => ({
      file: shown(i.file),
      agent: i.source,
      scope: i.scope,
      entry: i.entry,
      name: i.name,
      ...(i.skip
        ? { skipped: i.skip }
        : {
            preset: i.preset.id,
            ...(i.matchedPreset ? { matchedPreset: i.matchedPreset } : {}),
            ...(i.match ? { match: i.match } : {}),
            enabled: i.enabled,
            fields: i.fields,
            ...(i.command ? { command: i.command } : {}),
            ...(i.key ? { key: i.key } : {}),
            ...(i.transport ? { transport: i.transport } : {}),
            ...(Object.keys(i.settings).length ? { settings: i.settings } : {}),
            secrets: Object.fromEntries(
              i.secretPlan.map((s) => [s.field, s.store === 'reference' ? { ref: s.ref, reason: s.reason } : { store: s.store, reason: s.reason.replace('<name>', i.name) }]),
            ),
          }),
      notes: i.notes.map((n) => n.replace('<name>', i.name)),
    })),
    imported: imported.map((i) => i.name),
    rewritten: rewritten.map(shown),
  };
}

// ── conn import --catalog ────────────────────────────────────────────────────────────────────

async function runCatalog(opts: ImportOptions, deps: Deps): Promise<void> {
  const { TeamCatalogSchema, planTeamImport, applyTeamUpdate, describeTeamUpdate, prefixed } = await import('../adopt/team-catalog.js');
  const { originChange } = await import('../catalog/origin-change.js');
  const { CLIENT_FIELD, TOKENS_FIELD } = await import('../oauth/storage.js');
  const path = resolve(opts.cwd, opts.catalog!);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    // A path that does not exist is bad usage (exit 2), as for agent files; a file that is there but
    // cannot be read or parsed is a failed operation (exit 1), as the README's exit codes say.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`cannot read the team catalog ${opts.catalog}: no such file`);
    throw new OperationError(`cannot parse the team catalog ${opts.catalog}: ${(err as Error).message.split('\n')[0]}`, 'fix the file; nothing was imported');
  }
  const parsed = TeamCatalogSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OperationError(`invalid team catalog ${opts.catalog}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, 'nothing was imported');
  }
  const team: TeamCatalog = parsed.data;
  const registry = await deps.presets();
  const catalog = await deps.catalog.read();
  const plan = planTeamImport(team, catalog, opts.prefix);
  for (const item of plan) {
    if (item.action === 'collision') continue;
    const preset = registry.get(item.team.preset);
    if (!preset) {
      item.action = 'collision';
      item.reason = `unknown preset ${item.team.preset} (a user preset on the exporting machine? copy it to $CONN_HOME/presets/)`;
    } else if (preset.id === 'custom' && !item.team.command) {
      item.action = 'collision';
      item.reason = `${item.name}: a custom connection needs a command`;
    } else if (item.action === 'add') {
      const { checkNewName } = await import('../catalog/connections.js');
      try {
        checkNewName(item.name, preset, catalog, registry);
      } catch (err) {
        item.action = 'collision';
        item.reason = (err as Error).message;
      }
    }
  }
  for (const item of plan) {
    if (item.action === 'update') item.changes = describeTeamUpdate(catalog.connections[item.name]!, item.team, registry.require(item.team.preset));
  }
  const changes = plan.filter((p) => p.action === 'add' || p.action === 'update');
  if (opts.dryRun) {
    deps.io.result(catalogJson(plan, [], true), () => catalogText(plan, []));
    return;
  }
  if (changes.length && !opts.yes) {
    if (!deps.io.canPrompt) {
      throw new UsageError(
        `would ${changes.map((p) => `${p.action} ${p.name}`).join(', ')}; nothing imported (no terminal to confirm)`,
        're-run with --yes, or --dry-run',
      );
    }
    deps.io.out(catalogText(plan, []));
    if (!(await deps.prompter.confirm(`Apply ${changes.length} change(s)?`, true))) {
      deps.io.err('nothing imported');
      return;
    }
  }

  const { commitNewConnection, checkDraftValues } = await import('../catalog/connections.js');
  const { secretAccount } = await import('../secrets/store.js');
  const now = deps.clock();
  for (const item of changes) {
    const preset = registry.require(item.team.preset);
    const refs = Object.fromEntries(Object.entries(item.team.secrets).flatMap(([k, v]) => ('ref' in v ? [[k, v.ref]] : [])));
    const errors = checkDraftValues(preset, item.team.fields, refs).filter((p) => p.severity === 'error');
    if (errors.length) {
      item.action = 'collision';
      item.reason = errors.map((e) => e.message).join('; ');
      continue;
    }
    if (item.action === 'add') {
      await commitNewConnection(
        deps.catalog,
        () => deps.secrets(),
        registry,
        { name: item.name, preset, fields: item.team.fields, secrets: {}, secretRefs: refs, command: item.team.command, enabled: item.team.enabled, matchedPreset: item.team.matchedPreset },
        now,
      );
    }
    // Fields to provide are listed on the connection too, so `show` and `doctor` report them (missing).
    let signedOut = false;
    const obsolete = await deps.catalog.update((c) => {
      const conn = c.connections[item.name]!;
      if (item.action === 'update') {
        // A URL moved to another origin: the OAuth sign-in was for the old one (the plan said so).
        if (originChange(conn, preset, item.team.fields)?.dropsOAuth) {
          delete conn.oauth;
          signedOut = true;
        }
        return applyTeamUpdate(conn, item.team, now);
      }
      conn.secrets = [...new Set([...conn.secrets, ...Object.keys(item.team.secrets)])].sort();
      return [];
    });
    if (signedOut) obsolete.push(TOKENS_FIELD, CLIENT_FIELD);
    if (obsolete.length) {
      const store = await deps.secrets();
      for (const field of obsolete) await store.delete(secretAccount(item.name, field)).catch(() => false);
    }
  }

  let assignmentsAdded = 0;
  const assignmentProblems: string[] = [];
  if (team.assignments?.length) {
    const { addAssignment } = await import('../access/assignments.js');
    const applied = new Set(plan.filter((p) => p.action !== 'collision').map((p) => p.name));
    await deps.catalog.update((c) => {
      for (const a of team.assignments!) {
        const name = prefixed(a.connection, opts.prefix);
        if (!applied.has(name)) continue;
        const before = c.assignments.length;
        try {
          addAssignment(c, { connection: name, repos: a.repos, agents: a.agents, permission: a.permission, tools: a.tools, denyTools: a.denyTools }, now);
          assignmentsAdded += c.assignments.length - before;
        } catch (err) {
          assignmentProblems.push(`${name}: ${(err as Error).message}`);
        }
      }
    });
  }

  // Secrets this machine still lacks: "provide" fields with no stored value.
  const missing: { connection: string; field: string }[] = [];
  const wanted = plan
    .filter((p) => p.action !== 'collision')
    .flatMap((p) => Object.entries(p.team.secrets).filter(([, v]) => 'provide' in v).map(([field]) => ({ connection: p.name, field })));
  const after = await deps.catalog.read();
  const needStore = wanted.filter((w) => !after.connections[w.connection]?.secretRefs?.[w.field]);
  if (needStore.length) {
    const store = await deps.secrets();
    // Which items exist, from the list of accounts: no secret value is read to know what is missing.
    const present = new Set(await store.list());
    for (const w of needStore) if (!present.has(secretAccount(w.connection, w.field))) missing.push(w);
    if (missing.length && deps.io.canPrompt && !opts.json) {
      deps.io.err(`${missing.length} secret(s) to provide on this machine (Enter on an empty prompt skips it):`);
      for (const m of [...missing]) {
        const preset = registry.get(after.connections[m.connection]!.preset);
        const field = preset?.fields.find((f) => f.key === m.field);
        let value: string;
        try {
          value = await deps.prompter.field({ key: m.field, label: `${m.connection} ${field?.label ?? m.field}`, secret: true, required: false, hint: field?.hint });
        } catch (err) {
          // The catalog changes (and any secret typed before) are already written: say so, not "nothing was saved".
          if (!(err instanceof InterruptedError)) throw err;
          const left = missing.map((x) => `${x.connection}/${x.field}`).join(', ');
          throw new InterruptedError(`interrupted: the catalog changes were applied; still to provide: ${left} (conn edit NAME --secret FIELD)`);
        }
        if (value === '') continue;
        await store.set(secretAccount(m.connection, m.field), value);
        missing.splice(missing.indexOf(m), 1);
      }
    }
  }
  const result = { ...catalogJson(plan, missing, false), assignmentsAdded, ...(assignmentProblems.length ? { assignmentProblems } : {}) };
  deps.io.result(result, () => {
    const lines = [catalogText(plan, missing)];
    if (assignmentsAdded) lines.push(`Added ${assignmentsAdded} assignment(s)`);
    for (const p of assignmentProblems) lines.push(`assignment not added: ${p}`);
    return lines.join('\n');
  });
  if (plan.some((p) => p.action === 'collision')) process.exitCode = 1;
}

function catalogJson(plan: TeamPlanItem[], missing: { connection: string; field: string }[], dryRun: boolean) {
  const by = (a: string) => plan.filter((p) => p.action === a).map((p) => p.name);
  return {
    dryRun,
    added: by('add'),
    updated: by('update'),
    changes: Object.fromEntries(plan.filter((p) => p.action === 'update').map((p) => [p.name, p.changes ?? []])),
    unchanged: by('unchanged'),
    collisions: plan.filter((p) => p.action === 'collision').map((p) => ({ name: p.name, reason: p.reason })),
    missingSecrets: missing,
  };
}

function catalogText(plan: TeamPlanItem[], missing: { connection: string; field: string }[]): string {
  const verb: Record<string, string> = { add: 'add', update: 'update', unchanged: 'unchanged', collision: 'collision' };
  const lines = plan.flatMap((p) => [
    `${verb[p.action]!.padEnd(10)} ${p.name} (${p.team.preset})${p.reason ? `: ${p.reason}` : ''}`,
    ...(p.changes ?? []).map((c) => `${' '.repeat(11)}${c}`),
  ]);
  if (plan.some((p) => p.action === 'collision')) lines.push('Collisions were not applied: choose another --prefix, or rename/remove the local connection.');
  if (missing.length) {
    lines.push('', 'Secrets this machine still lacks:');
    lines.push(table(missing.map((m) => [`  ${m.connection}/${m.field}`, `conn edit ${m.connection} --secret ${m.field}`]), 4));
  }
  return lines.join('\n');
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('import [file...]')
    .description('Bring MCP servers from agent config files (or a team catalog) into conn, secrets into the keychain')
    .option('--from <agent>', `the agent the files belong to: ${SOURCES.join(', ')} (default: from the file name; with no FILE, only that agent's files)`)
    .option('--dry-run', 'show what would be created and where each value goes; change nothing')
    .option('-y, --yes', 'import without asking')
    .option('--rewrite', 'remove the imported entries from the project files (then run conn render)')
    .option('--catalog <file>', 'import a team catalog written by conn export')
    .option('--prefix <prefix>', '--catalog: name the connections <prefix>-<name>')
    .option('--json', 'print JSON')
    .addHelpText('after', `
With no FILE, reads the project files of the current repo (.mcp.json, .cursor/mcp.json,
.vscode/mcp.json, .gemini/settings.json, .codex/config.toml, opencode.json, .kiro/settings/mcp.json,
.roo/mcp.json, .amazonq/mcp.json, mcp.json, .qwen/settings.json, .amp/settings.json, kilo.json,
.zed/settings.json, .crush.json, .augment/settings.json, .junie/mcp/mcp.json) and the user files under
your home directory (~/.claude.json, ~/.cursor/mcp.json, Claude Desktop, VS Code, Gemini, Codex,
opencode, Kiro, Amazon Q). Values that look secret go to the keychain; \${VAR}, \${env:VAR}, {env:VAR}
and \${VAR:-default} become env:VAR references; \${input:id} is a secret to provide. Each entry keeps
its key, transport and settings (cwd, envFile, timeout, autoApprove, disabled tools, headers), written
back by render.

Examples:
  $ conn import --dry-run
  $ conn import .mcp.json --yes --rewrite && conn render
  $ conn import ~/.cursor/mcp.json --from cursor
  $ conn import --catalog conn-catalog.json --prefix acme --yes`)
    .action(async (files: string[], flags: ImportFlags) => run(parseImport(files, flags), await deps({ json: flags.json })));
}
