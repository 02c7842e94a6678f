import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { relative, resolve, sep } from 'node:path';
import type { ImportItem } from '../adopt/plan.js';
import type { SourceFile, Source } from '../adopt/sources.js';
import type { TeamCatalog, TeamPlanItem } from '../adopt/team-catalog.js';
import type { Deps } from '../deps.js';
import { InterruptedError, OperationError, UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';

const SOURCE_NAMES = ['claude-code', 'claude-desktop', 'cursor', 'vscode', 'gemini', 'codex', 'opencode'];

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
  if (flags.from !== undefined && !SOURCE_NAMES.includes(flags.from)) {
    throw new UsageError(`unknown --from ${flags.from}`, `use one of ${SOURCE_NAMES.join(', ')}`);
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
      if (!source) throw new UsageError(`cannot tell which agent ${f} belongs to`, `name it: --from ${SOURCE_NAMES.join('|')}`);
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
    const { confirm } = await import('../ui/prompts.js');
    if (!(await confirm(`Import ${todo.length} server(s)${opts.rewrite ? ' and remove them from the project files' : ''}?`, true))) {
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

  const rewritten: string[] = [];
  if (opts.rewrite) {
    const { removeEntries, renderAgentFor } = await import('../adopt/rewrite.js');
    const byFile = new Map<string, ImportItem[]>();
    for (const item of imported) byFile.set(item.file, [...(byFile.get(item.file) ?? []), item]);
    for (const [file, list] of byFile) {
      const first = list[0]!;
      if (first.scope !== 'project' || !renderAgentFor(first.source)) {
        deps.io.warn(`${shown(file)} is a user file: --rewrite changes project files only; left as it is`);
        continue;
      }
      // Entries from ~/.claude.json's per-project section live elsewhere in that file: never touched here.
      const names = list.filter((i) => !i.where.startsWith('projects[')).map((i) => i.entry);
      if (await removeEntries(file, first.source, names)) rewritten.push(file);
    }
  }

  const data = importJson(items, imported, rewritten, false, shown);
  deps.io.result({ ...data, failed: failed.map((f) => ({ name: f.item.name, error: f.error })) }, () => {
    const lines = [planText(items, shown), ''];
    lines.push(`Imported ${imported.length}: ${imported.map((i) => i.name).join(', ') || 'none'}`);
    for (const f of failed) lines.push(`Failed ${f.item.name}: ${f.error}`);
    for (const file of rewritten) {
      const source = items.find((i) => i.file === file)!.source;
      lines.push(`Removed the imported entries from ${shown(file)}: run \`conn render --agent ${source}\` to write them back as conn-managed entries`);
    }
    const stored = imported.filter((i) => Object.keys(i.secrets).length);
    if (stored.length && !opts.rewrite) {
      lines.push('The secrets are now in the keychain; the source files still hold them: re-run with --rewrite for project files, then rotate any that were committed.');
    }
    return lines.join('\n');
  });
  if (failed.length) process.exitCode = 1;
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
    lines.push(`  ${item.entry} → ${item.name}  [${describeTarget(item)}]${item.enabled ? '' : ' (disabled)'}`);
    for (const [key, value] of Object.entries(item.fields)) if (key !== 'url') lines.push(`      ${key} = ${value}`);
    for (const s of item.secretPlan) {
      lines.push(s.store === 'keychain' ? `      ${s.field}: secret → keychain (${s.reason})` : `      ${s.field}: reference ${s.ref} (${s.reason})`);
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
            secrets: Object.fromEntries(i.secretPlan.map((s) => [s.field, s.store === 'keychain' ? { store: 'keychain', reason: s.reason } : { ref: s.ref, reason: s.reason }])),
          }),
      notes: i.notes.map((n) => n.replace('<name>', i.name)),
    })),
    imported: imported.map((i) => i.name),
    rewritten: rewritten.map(shown),
  };
}

// ── conn import --catalog ────────────────────────────────────────────────────────────────────

async function runCatalog(opts: ImportOptions, deps: Deps): Promise<void> {
  const { TeamCatalogSchema, planTeamImport, applyTeamUpdate, prefixed } = await import('../adopt/team-catalog.js');
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
    const { confirm } = await import('../ui/prompts.js');
    if (!(await confirm(`Apply ${changes.length} change(s)?`, true))) {
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
    const obsolete = await deps.catalog.update((c) => {
      const conn = c.connections[item.name]!;
      if (item.action === 'update') return applyTeamUpdate(conn, item.team, now);
      conn.secrets = [...new Set([...conn.secrets, ...Object.keys(item.team.secrets)])].sort();
      return [];
    });
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
          addAssignment(c, { connection: name, repos: a.repos, agents: a.agents, permission: a.permission }, now);
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
    const values = await store.getMany(needStore.map((w) => secretAccount(w.connection, w.field)));
    for (const w of needStore) if (values.get(secretAccount(w.connection, w.field)) == null) missing.push(w);
    if (missing.length && deps.io.canPrompt && !opts.json) {
      const { promptField } = await import('../ui/prompts.js');
      deps.io.err(`${missing.length} secret(s) to provide on this machine (Enter on an empty prompt skips it):`);
      for (const m of [...missing]) {
        const preset = registry.get(after.connections[m.connection]!.preset);
        const field = preset?.fields.find((f) => f.key === m.field);
        let value: string;
        try {
          value = await promptField({ key: m.field, label: `${m.connection} ${field?.label ?? m.field}`, secret: true, required: false, hint: field?.hint });
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
    unchanged: by('unchanged'),
    collisions: plan.filter((p) => p.action === 'collision').map((p) => ({ name: p.name, reason: p.reason })),
    missingSecrets: missing,
  };
}

function catalogText(plan: TeamPlanItem[], missing: { connection: string; field: string }[]): string {
  const verb: Record<string, string> = { add: 'add', update: 'update', unchanged: 'unchanged', collision: 'collision' };
  const lines = plan.map((p) => `${verb[p.action]!.padEnd(10)} ${p.name} (${p.team.preset})${p.reason ? `: ${p.reason}` : ''}`);
  if (plan.some((p) => p.action === 'collision')) lines.push('Collisions were not applied: choose another --prefix, or rename/remove the local connection.');
  if (missing.length) {
    lines.push('', 'Secrets this machine still lacks:');
    for (const m of missing) lines.push(`  ${m.connection}/${m.field}    conn edit ${m.connection} --secret ${m.field}`);
  }
  return lines.join('\n');
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('import [file...]')
    .description('Bring MCP servers from agent config files (or a team catalog) into conn, secrets into the keychain')
    .option('--from <agent>', `the agent the files belong to: ${SOURCE_NAMES.join(', ')} (default: from the file name; with no FILE, only that agent's files)`)
    .option('--dry-run', 'show what would be created and where each value goes; change nothing')
    .option('-y, --yes', 'import without asking')
    .option('--rewrite', 'remove the imported entries from the project files (then run conn render)')
    .option('--catalog <file>', 'import a team catalog written by conn export')
    .option('--prefix <prefix>', '--catalog: name the connections <prefix>-<name>')
    .option('--json', 'print JSON')
    .addHelpText('after', `
With no FILE, reads the project files of the current repo (.mcp.json, .cursor/mcp.json,
.vscode/mcp.json, .gemini/settings.json, .codex/config.toml, opencode.json) and the user files
under your home directory (~/.claude.json, ~/.cursor/mcp.json, Claude Desktop, VS Code, Gemini,
Codex, opencode). Values that look secret go to the keychain; \${VAR}, \${env:VAR} and {env:VAR}
become env:VAR references.

Examples:
  $ conn import --dry-run
  $ conn import .mcp.json --yes --rewrite && conn render
  $ conn import ~/.cursor/mcp.json --from cursor
  $ conn import --catalog conn-catalog.json --prefix acme --yes`)
    .action(async (files: string[], flags: ImportFlags) => run(parseImport(files, flags), await deps({ json: flags.json })));
}
