import type { Command } from 'commander';
import { repoIdentity, type RepoIdentity } from '../access/repo.js';
import { AGENTS, type Agent } from '../catalog/constants.js';
import { connHome } from '../paths.js';
import { formatError, InterruptedError, OperationError, UsageError } from '../errors.js';
import { basename } from 'node:path';
import { answerIfUnchanged, renderJobs, type RenderJob } from '../render/fast.js';
import { renderAccounts } from '../render/accounts.js';
import { BULK_READ_FROM } from '../secrets/store.js';
import { migrateLegacyStates, PROMPT_AGENTS, readState, renderedAgents, type RenderState, type SecretsMode } from '../render/state.js';
import { PROMPT_ONLY_VSCODE } from '../render/prompt.js';
import type { RenderOutcome } from '../render/render.js';
import type { Deps } from '../deps.js';
import type { DepsFactory } from './types.js';

export const SECRETS_MODES = ['inline', 'env', 'proxy', 'prompt'] as const;

export interface RenderCommandOptions {
  repo: string;
  /** Agents named; empty with `auto` = those rendered here before. */
  agents: Agent[] | 'all';
  secrets?: SecretsMode;
  dryRun: boolean;
  force: boolean;
  allowTracked: boolean;
  auto: boolean;
  json: boolean;
  quiet: boolean;
}

export interface RenderFlags {
  repo?: string;
  agent?: string[];
  secrets?: string;
  dryRun?: boolean;
  force?: boolean;
  allowTracked?: boolean;
  auto?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function parseAgents(values: string[] | undefined, fallback: Agent[]): Agent[] | 'all' {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.includes('all')) return 'all';
  if (names.length === 0) return fallback;
  for (const n of names) if (!(AGENTS as readonly string[]).includes(n)) throw new UsageError(`unknown agent: ${n}`, `agents: ${AGENTS.join(', ')}, all`);
  return [...new Set(names)] as Agent[];
}

export function parseSecretsMode(value: string | undefined): SecretsMode | undefined {
  if (value === undefined) return undefined;
  if (!(SECRETS_MODES as readonly string[]).includes(value)) throw new UsageError(`unknown --secrets mode: ${value}`, 'use inline, env, proxy or prompt');
  return value as SecretsMode;
}

export function parseRender(flags: RenderFlags): RenderCommandOptions {
  const agents = flags.auto ? [] : parseAgents(flags.agent, ['claude-code']);
  const secrets = parseSecretsMode(flags.secrets);
  if (secrets === 'prompt' && agents !== 'all') refusePrompt(agents.map((agent) => ({ agent, secrets })), false);
  return {
    repo: flags.repo ?? '.',
    agents,
    secrets,
    dryRun: Boolean(flags.dryRun),
    force: Boolean(flags.force),
    allowTracked: Boolean(flags.allowTracked),
    auto: Boolean(flags.auto),
    json: Boolean(flags.json),
    quiet: Boolean(flags.quiet),
  };
}

/**
 * `--secrets prompt` only where the agent asks for the value itself (VS Code): any other agent in the
 * render is bad usage (exit 2), found before anything is read or written. `all`: the agents
 * `--agent all` (or `--auto`) picked here, named, so the user can render them separately.
 */
export function refusePrompt(jobs: RenderJob[], picked: boolean): void {
  const cannot = jobs.filter((j) => j.secrets === 'prompt' && !PROMPT_AGENTS.includes(j.agent)).map((j) => j.agent);
  if (cannot.length === 0) return;
  throw new UsageError(
    picked ? `${PROMPT_ONLY_VSCODE}; this render would also write ${cannot.join(', ')}` : PROMPT_ONLY_VSCODE,
    picked ? `render --agent vscode --secrets prompt, and the others without it` : `for ${cannot.join(', ')} use --secrets env or proxy`,
  );
}

/**
 * Renders each agent's file. The common case (nothing changed since the last render) is answered
 * here from a stamp; only a real change loads the catalog, presets, keychain and writers.
 */
export async function run(opts: RenderCommandOptions, depsFor: DepsFactory, changed?: RepoIdentity): Promise<void> {
  const repo = changed ?? (await repoIdentity(opts.repo));
  const home = connHome();
  migrateLegacyStates(home);
  const plain = !opts.dryRun && !opts.force && !opts.allowTracked && opts.agents !== 'all';
  // `changed`: dist/fast.cjs has just asked, and found a change.
  if (plain && !changed && (await answerIfUnchanged(home, { ...opts, agents: opts.agents as Agent[] }, repo))) return;
  let jobs = opts.agents === 'all' ? [] : renderJobs(home, repo.root, opts.agents, opts.secrets, opts.auto);
  refusePrompt(jobs, opts.auto);

  const deps = await depsFor({ json: opts.json, quiet: opts.quiet });
  const snapshot = await deps.catalog.snapshot();
  // A render that will read several keychain items in one bulk read: start it now (binding, D-Bus
  // pre-flight, the read), so it runs while the presets and writers load and the entries are built.
  // Errors surface where the values are used.
  // (Opened first: the pre-flight's dbus-send starts before the binding loads.)
  if (!opts.dryRun && jobs.some((j) => renderAccounts(snapshot.catalog, repo, j.agent, j.secrets).length > BULK_READ_FROM)) {
    (await deps.secrets().catch(() => undefined))?.prefetch?.();
  }
  const [{ renderAgent, detectAgents, agentFile }, registry] = await Promise.all([import('../render/render.js'), deps.presets()]);
  const catalog = snapshot.catalog;
  if (opts.agents === 'all') {
    const previously = renderedAgents(home, repo.root).map((s) => s.agent);
    const agents = detectAgents(repo.root, repo.remote, catalog, previously, AGENTS);
    if (agents.length === 0) throw new UsageError('no agent detected in this repo', `name one: --agent ${AGENTS.join('|')}`);
    jobs = renderJobs(home, repo.root, agents, opts.secrets, false);
    refusePrompt(jobs, true);
  }
  const outcomes: RenderOutcome[] = [];
  const before = new Map(jobs.map((j) => [j.agent, readState(home, repo.root, j.agent)]));
  const failures: Error[] = [];
  for (const job of jobs) {
    try {
      const outcome = await renderAgent(
        { root: repo.root, remote: repo.remote, isGit: repo.isGit, agent: job.agent, secrets: job.secrets, dryRun: opts.dryRun, force: opts.force, allowTracked: opts.allowTracked },
        deps,
        { snapshot, registry },
      );
      outcomes.push(outcome);
      if (!opts.quiet && !opts.json) for (const w of outcome.warnings) deps.io.warn(w);
    } catch (err) {
      // Several files, or the shell hook: say which agent and file failed; the hook goes on with the others.
      const named = jobs.length > 1 || opts.auto ? nameFailure(err, `${agentFile(job.agent)} (${job.agent})`) : err;
      if (!opts.auto) throw named;
      failures.push(named as Error);
    }
  }
  await audit(deps, repo.root, outcomes);
  if (opts.json) deps.io.out(JSON.stringify(outcomes, null, 2));
  else if (opts.auto) {
    const line = changeLine(repo.root, outcomes, before);
    if (line) deps.io.err(line);
  } else {
    for (const o of outcomes) {
      if (o.status === 'dry-run') {
        deps.io.err(`# ${o.file} (${o.agent}, --secrets ${o.secrets}; dry run, ${o.secrets === 'prompt' ? 'no secret in it' : 'secrets masked'}, nothing written)`);
        deps.io.out(o.content ?? '');
      } else if (o.status === 'written') {
        // Changes are reported even with --quiet, then on stderr, so `conn exec` leaves the agent's
        // stdout to the agent.
        const list = o.entries.map((e) => `${e.name} (${e.permission})`).join(', ') || 'no servers';
        const line = `wrote ${o.file}: ${list}${o.removed.length ? `; removed ${o.removed.join(', ')}` : ''}`;
        if (opts.quiet) deps.io.err(line);
        else deps.io.out(line);
      } else if (!opts.quiet) deps.io.out(outcomes.length > 1 ? `${o.file}: unchanged` : 'unchanged');
    }
  }
  reportSkipped(deps, opts, outcomes, before);
  const last = failures.pop();
  for (const f of failures) deps.io.err(`conn: ${formatError(f)}`);
  if (last) throw last;
}

/** The same error, its message prefixed with the file and agent it is about. */
function nameFailure(err: unknown, label: string): unknown {
  if (err instanceof UsageError) return new UsageError(`${label}: ${err.message}`, err.hint);
  if (err instanceof OperationError) return new OperationError(`${label}: ${err.message}`, err.hint);
  if (err instanceof InterruptedError) return err;
  return new OperationError(`${label}: ${formatError(err)}`);
}

/**
 * The shell hook's report: one short line per repo naming what changed in each file written
 * (`api: updated .mcp.json (+mem, -notion, sentry read→full)`), nothing when nothing was written.
 */
export function changeLine(root: string, outcomes: RenderOutcome[], before: Map<Agent, RenderState | undefined>): string | undefined {
  const parts = outcomes
    .filter((o) => o.status === 'written')
    .map((o) => {
      const prev = before.get(o.agent);
      const had = new Map((prev?.summary?.entries ?? (prev?.entries ?? []).map((name) => ({ name, permission: '' }))).map((e) => [e.name, e.permission]));
      const changes = [
        ...o.entries.filter((e) => !had.has(e.name)).map((e) => `+${e.name}`),
        ...o.removed.map((n) => `-${n}`),
        ...o.entries.filter((e) => had.get(e.name) && had.get(e.name) !== e.permission).map((e) => `${e.name} ${had.get(e.name)}→${e.permission}`),
      ];
      return changes.length ? `${o.file} (${changes.join(', ')})` : o.file;
    });
  return parts.length ? `${basename(root)}: updated ${parts.join('; ')}` : undefined;
}

/**
 * Connections left out because a secret does not resolve: named once per repo with the fix (the hook
 * stays quiet about one it already reported), and the render exits 1.
 */
function reportSkipped(deps: Deps, opts: RenderCommandOptions, outcomes: RenderOutcome[], before: Map<Agent, RenderState | undefined>): void {
  const skipped = new Map<string, string>();
  for (const o of outcomes) for (const s of o.skipped) if (!skipped.has(s.name)) skipped.set(s.name, s.error);
  if (skipped.size === 0) return;
  const known = new Set([...before.values()].flatMap((s) => (s?.skipped ?? []).map((k) => `${k.name}\0${k.error}`)));
  for (const [name, error] of skipped) {
    if (opts.auto && known.has(`${name}\0${error}`)) continue;
    process.exitCode = 1;
    deps.io.err(`conn: ${name} was left out of the render (the other entries are written): ${error}`);
  }
}

async function audit(deps: Deps, repo: string, outcomes: RenderOutcome[]): Promise<void> {
  const written = outcomes.filter((o) => o.status === 'written');
  if (!written.length) return;
  try {
    const { appendAudit } = await import('../audit/log.js');
    const time = deps.clock().toISOString();
    appendAudit(deps.home, written.flatMap((o) => o.entries.map((e) => ({ time, command: 'render', repo, agent: o.agent, connection: e.name, permission: e.permission, secrets: o.secrets }))));
  } catch (err) {
    deps.io.warn(`could not write the audit log: ${(err as Error).message}`);
  }
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('render')
    .description("Write the agent's project MCP file with exactly the connections that apply here")
    .option('--repo <dir>', 'repo directory (resolved to the top of its git work tree)', '.')
    .option('--agent <agent...>', `agent(s): ${AGENTS.join(', ')}, or all`)
    .option('--secrets <mode>', 'inline (values in the file, mode 0600, git-excluded), env (references; see conn env/exec), proxy (conn serve reads the keychain), prompt (vscode only: VS Code asks for each secret); default: the mode last used here, else inline')
    .option('--dry-run', 'print the file it would write (secrets masked); change nothing')
    .option('--force', 'replace same-named entries that conn did not write')
    .option('--allow-tracked', 'allow an inline render into a file tracked by git')
    .option('--auto', 'shell hook mode: re-render the agents rendered here before; nothing if never rendered')
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'print nothing unless something changed or failed')
    .addHelpText('after', `
Examples:
  $ conn render                                  # ./.mcp.json for claude-code
  $ conn render --repo ~/src/api --agent cursor
  $ conn render --agent claude-code --secrets proxy   # no secret ever in the repo
  $ conn render --agent vscode --secrets prompt       # VS Code asks for each secret (inputs, password)
  $ conn render --agent all --dry-run
  $ eval "$(conn hook zsh)"                       # re-render on every cd`)
    .action(async (flags: RenderFlags) => run(parseRender(flags), deps));
}
