import type { Command } from 'commander';
import { repoIdentity, type RepoIdentity } from '../access/repo.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename } from 'node:path';
import { AGENTS, USER_LEVEL_AGENTS, type Agent } from '../catalog/constants.js';
import { parseAgents } from '../access/agents.js';
import { formatError, InterruptedError, OperationError, UsageError } from '../errors.js';
import { answerIfUnchanged, renderJobs, type RenderJob } from '../render/fast.js';
import { viaProxy } from '../render/accounts.js';
import { migrateLegacyStates, PROMPT_AGENTS, readState, renderedAgents, SECRETS_MODES, type RenderState, type SecretsMode } from '../render/state.js';
import { PROMPT_ONLY_VSCODE } from '../render/prompt.js';
import type { RenderOutcome } from '../render/render.js';
import type { Deps } from '../deps.js';
import { fdWriter } from '../ui/io.js';
import type { DepsFactory } from './types.js';
import { resolveAccess } from '../access/resolve.js';
import type { Catalog, Connection } from '../catalog/model.js';
import type { CredentialSet } from '../credentials/credentials.js';

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
  /** Refuse (exit 1, nothing written) above this many tools per agent. */
  maxTools?: number;
  /** `user`: write the named user-level agents' own config in the home directory (never from the hook). */
  scope?: 'user';
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
  maxTools?: string;
  scope?: string;
}

/** Where a user-level agent's config is, for messages (the writers stay unloaded on the fast path). */
const USER_FILES: Partial<Record<Agent, string>> = {
  'claude-desktop': 'claude_desktop_config.json',
  cline: 'cline_mcp_settings.json',
  windsurf: '~/.codeium/windsurf/mcp_config.json',
  goose: '~/.config/goose/config.yaml',
};

/**
 * A user-level agent (no project file) is rendered only with `--scope user`, and `--scope user` only
 * renders those: its file is read in every repo, so it gets only what applies to all of them.
 */
function checkScope(agents: Agent[] | 'all', scope: 'user' | undefined, auto: boolean): void {
  if (scope === 'user') {
    if (auto || agents === 'all' || agents.length === 0) throw new UsageError('--scope user needs the agents named', `e.g. conn render --agent ${USER_LEVEL_AGENTS[0]} --scope user`);
    const project = agents.filter((a) => !USER_LEVEL_AGENTS.includes(a));
    if (project.length) throw new UsageError(`${project.join(', ')} ${project.length === 1 ? 'has a project file' : 'have project files'}: --scope user is for ${USER_LEVEL_AGENTS.join(', ')}`, 'render it without --scope');
    return;
  }
  const user = agents === 'all' ? [] : agents.filter((a) => USER_LEVEL_AGENTS.includes(a));
  if (user.length) {
    throw new UsageError(
      `${user[0]} has no project file: its one config (${USER_FILES[user[0]!]}) is read in every repo`,
      `conn render --agent ${user[0]} --scope user writes it with the connections assigned to all repos (a per-repo assignment would leak into every repo); the shell hook never does`,
    );
  }
}

export function parseSecretsMode(value: string | undefined): SecretsMode | undefined {
  if (value === undefined) return undefined;
  if (!(SECRETS_MODES as readonly string[]).includes(value)) throw new UsageError(`unknown --secrets mode: ${value}`, 'use inline, env, proxy or prompt');
  return value as SecretsMode;
}

export function parseRender(flags: RenderFlags): RenderCommandOptions {
  const agents = flags.auto ? [] : parseAgents(flags.agent, ['claude-code']);
  const secrets = parseSecretsMode(flags.secrets);
  if (flags.scope !== undefined && flags.scope !== 'user' && flags.scope !== 'project') throw new UsageError(`unknown --scope: ${flags.scope}`, 'use project (the default) or user');
  const scope = flags.scope === 'user' ? 'user' : undefined;
  checkScope(agents, scope, Boolean(flags.auto));
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
    ...(flags.maxTools !== undefined ? { maxTools: parseMaxTools(flags.maxTools) } : {}),
    ...(scope ? { scope } : {}),
  };
}

function parseMaxTools(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`--max-tools must be a whole number, not ${value}`);
  return n;
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
export async function run(opts: RenderCommandOptions, deps: Deps, changed?: RepoIdentity): Promise<void> {
  checkScope(opts.agents, opts.scope, opts.auto);
  if (opts.scope === 'user') return runUserScope(opts, deps);
  const repo = changed ?? (await repoIdentity(opts.repo));
  const home = deps.home;
  migrateLegacyStates(home);
  const plain = !opts.dryRun && !opts.force && !opts.allowTracked && opts.agents !== 'all' && opts.maxTools === undefined;
  // `changed`: dist/fast.cjs has just asked, and found a change.
  if (plain && !changed) {
    const answer = await answerIfUnchanged(home, { ...opts, agents: opts.agents as Agent[] }, repo);
    if (answer !== false) {
      if (answer) fdWriter(1, () => process.stdout)(answer);
      return;
    }
  }
  let jobs = opts.agents === 'all' ? [] : renderJobs(home, repo.root, opts.agents, opts.secrets, opts.auto);
  refusePrompt(jobs, opts.auto);

  const snapshot = await deps.catalog.snapshot();
  // The values of every inline render here, in one resolve (one bulk keychain read), started now so
  // it runs while the presets and writers load. Errors surface where a value is used.
  const inlineConns = (agents: RenderJob[]) =>
    opts.dryRun ? [] : [...new Set(agents.filter((j) => j.secrets === 'inline').flatMap((j) => renderedConnections(snapshot.catalog, repo, j.agent)))];
  let credentials = startResolve(deps, inlineConns(jobs));
  const [{ renderAgent, detectAgents, agentFile }, registry] = await Promise.all([import('../render/render.js'), deps.presets()]);
  const catalog = snapshot.catalog;
  if (opts.agents === 'all') {
    const previously = renderedAgents(home, repo.root).map((s) => s.agent);
    const agents = detectAgents(repo.root, repo.remote, catalog, previously, AGENTS.filter((a) => !USER_LEVEL_AGENTS.includes(a)));
    if (agents.length === 0) throw new UsageError('no agent detected in this repo', `name one: --agent ${AGENTS.join('|')}`);
    jobs = renderJobs(home, repo.root, agents, opts.secrets, false);
    refusePrompt(jobs, true);
    credentials = startResolve(deps, inlineConns(jobs));
  }
  const outcomes: RenderOutcome[] = [];
  const before = new Map(jobs.map((j) => [j.agent, readState(home, repo.root, j.agent)]));
  const failures: Error[] = [];
  for (const job of jobs) {
    try {
      const outcome = await renderAgent(
        {
          root: repo.root, remote: repo.remote, isGit: repo.isGit, agent: job.agent, secrets: job.secrets, dryRun: opts.dryRun, force: opts.force, allowTracked: opts.allowTracked,
          ...(opts.maxTools !== undefined ? { maxTools: opts.maxTools } : {}),
          // Asked only when a registry server needs consent: checking for a terminal creates process.stdin (~3 ms).
          confirmRun: async (q: string) => (deps.io.canPrompt ? deps.prompter.confirm(q) : undefined),
        },
        deps,
        { snapshot, registry, ...(job.secrets === 'inline' && credentials ? { credentials } : {}) },
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
        const masked = o.secrets === 'prompt' ? 'no secret in it' : 'secrets masked';
        const others = o.unmanaged?.length ? ` (${o.unmanaged.join(', ')}: not conn's, shown as the file has them, unmasked)` : '';
        deps.io.err(`# ${o.file} (${o.agent}, --secrets ${o.secrets}; dry run, ${masked}${others}, nothing written)`);
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

/** The connections a render of `agent` here writes with their own values (not through conn serve). */
function renderedConnections(catalog: Catalog, repo: RepoIdentity, agent: Agent): Connection[] {
  return resolveAccess(catalog, repo, agent)
    .filter((d) => d.rendered)
    .map((d) => catalog.connections[d.connection]!)
    .filter((c) => !viaProxy(c, 'inline'));
}

function startResolve(deps: Deps, conns: Connection[]): Promise<CredentialSet> | undefined {
  if (!conns.length) return undefined;
  const pending = deps.credentials.resolve(conns, 'resolve');
  pending.catch(() => undefined); // reported where it is awaited
  return pending;
}

/** `--scope user`: each named agent's own config under the user's home directory; no git, no fast path. */
async function runUserScope(opts: RenderCommandOptions, deps: Deps): Promise<void> {
  const root = deps.env.HOME || homedir();
  if (!existsSync(root)) throw new OperationError(`home directory ${root} does not exist`, 'set HOME to your home directory');
  const agents = opts.agents as Agent[];
  const snapshot = await deps.catalog.snapshot();
  const [{ renderAgent }, registry] = await Promise.all([import('../render/render.js'), deps.presets()]);
  const { readState } = await import('../render/state.js');
  const outcomes: RenderOutcome[] = [];
  for (const agent of agents) {
    const secrets = opts.secrets ?? readState(deps.home, root, agent)?.secrets ?? 'inline';
    const outcome = await renderAgent(
      { root, isGit: false, agent, secrets, dryRun: opts.dryRun, force: opts.force, allowTracked: opts.allowTracked, userScope: true },
      deps,
      { snapshot, registry },
    );
    outcomes.push(outcome);
    if (!opts.quiet && !opts.json) for (const w of outcome.warnings) deps.io.warn(w);
  }
  await audit(deps, root, outcomes);
  if (opts.json) {
    deps.io.out(JSON.stringify(outcomes, null, 2));
    return;
  }
  for (const o of outcomes) {
    if (o.status === 'dry-run') {
      deps.io.err(`# ~/${o.file} (${o.agent}, --scope user, --secrets ${o.secrets}; dry run, secrets masked, nothing written)`);
      deps.io.out(o.content ?? '');
    } else if (o.status === 'written') {
      const list = o.entries.map((e) => `${e.name} (${e.permission})`).join(', ') || 'no servers';
      deps.io.out(`wrote ~/${o.file}: ${list}${o.removed.length ? `; removed ${o.removed.join(', ')}` : ''}`);
    } else if (!opts.quiet) deps.io.out(outcomes.length > 1 ? `~/${o.file}: unchanged` : 'unchanged');
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
    .option('--max-tools <n>', 'refuse (exit 1, nothing written) when an agent would see more than n tools')
    .option('--auto', 'shell hook mode: re-render the agents rendered here before; nothing if never rendered')
    .option('--scope <scope>', `project (default) or user: the user config of ${USER_LEVEL_AGENTS.join(', ')} (no project file), with only the connections assigned to all repos; never run by the hook`)
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'print nothing unless something changed or failed')
    .addHelpText('after', `
Examples:
  $ conn render                                  # ./.mcp.json for claude-code
  $ conn render --repo ~/src/api --agent cursor
  $ conn render --agent claude-code --secrets proxy   # no secret ever in the repo
  $ conn render --agent vscode --secrets prompt       # VS Code asks for each secret (inputs, password)
  $ conn render --agent all --dry-run
  $ conn render --agent cursor --secrets proxy --max-tools 80   # proxy: conn serve filters tools for Cursor
  $ conn render --agent claude-desktop --scope user --secrets proxy   # ~/.config/Claude/claude_desktop_config.json
  $ eval "$(conn hook zsh)"                       # re-render on every cd`)
    .action(async (flags: RenderFlags) => {
      const options = parseRender(flags);
      await run(options, await deps({ json: options.json, quiet: options.quiet }));
    });
}
