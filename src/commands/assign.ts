import type { Command } from 'commander';
import { addAssignment, describeAssignment, parseAgent, parsePermission } from '../access/assignments.js';
import { parseRepoMatcher } from '../access/match.js';
import { matchesToolGlob, parseToolGlobs } from '../access/tool-list.js';
import type { Agent, Assignment, Permission } from '../catalog/model.js';
import { AGENTS } from '../catalog/constants.js';
import type { Deps } from '../deps.js';
import { collect } from './flags.js';
import type { DepsFactory } from './types.js';

export interface AssignOptions {
  name: string;
  /** Parsed matchers; empty = all repos. */
  repos: string[];
  /** Empty = all agents. */
  agents: Agent[];
  permission: Permission;
  /** Tool globs: only these tools (within the permission). Empty = all. */
  tools?: string[];
  /** Tool globs the agent never gets. */
  denyTools?: string[];
}

export interface AssignFlags {
  repo?: string[];
  agent?: string[];
  permission?: string;
  tools?: string[];
  denyTools?: string[];
  json?: boolean;
}

export function parseAssign(name: string, flags: AssignFlags, cwd: string = process.cwd()): AssignOptions {
  return {
    name,
    repos: (flags.repo ?? []).map((r) => parseRepoMatcher(r, cwd)),
    agents: (flags.agent ?? []).map(parseAgent),
    permission: parsePermission(flags.permission ?? 'readwrite'),
    ...(flags.tools?.length ? { tools: parseToolGlobs(flags.tools, '--tools') } : {}),
    ...(flags.denyTools?.length ? { denyTools: parseToolGlobs(flags.denyTools, '--deny-tools') } : {}),
  };
}

export async function run(opts: AssignOptions, deps: Deps): Promise<void> {
  const { assignment, created, wasGlobal } = await deps.catalog.update((c) => {
    const before = c.assignments.filter((a) => a.connection === opts.name).length;
    const a = addAssignment(c, { connection: opts.name, repos: opts.repos, agents: opts.agents, permission: opts.permission, tools: opts.tools, denyTools: opts.denyTools }, deps.clock());
    const after = c.assignments.filter((x) => x.connection === opts.name).length;
    return { assignment: a, created: after > before, wasGlobal: before === 0 };
  });
  // A glob that matches none of the recorded tools is most likely a typo: say so now, not at render.
  const recorded = (await deps.catalog.read()).connections[opts.name]?.health.tools;
  const globs = [...(opts.tools ?? []), ...(opts.denyTools ?? [])];
  if (globs.length && !recorded) {
    deps.io.warn(`${opts.name}: the tool lists cannot be checked yet: run \`conn test ${opts.name}\` so conn knows its tools`);
  } else if (globs.length && recorded) {
    const unmatched = globs.filter((g) => !recorded.some((t) => matchesToolGlob(g, t.name)));
    if (unmatched.length) deps.io.warn(`${opts.name}: ${unmatched.join(', ')} ${unmatched.length === 1 ? 'matches' : 'match'} none of its ${recorded.length} recorded tools (see conn tools ${opts.name} --cached)`);
  }
  // The first assignment takes the connection away from every other repo and agent: say so.
  if (created && wasGlobal) {
    deps.io.warn(`${opts.name} was global; from now on only its assignments grant access (see conn explain)`);
  }
  deps.io.result<Assignment>(assignment, (a) =>
    created
      ? `Assigned ${a.connection} (${a.id}): ${describeAssignment(a)}`
      : `${a.connection} already has this assignment (${a.id}): ${describeAssignment(a)}`,
  );
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('assign <name>')
    .description('Let a repo and/or an agent use a connection, with a permission level; prints the new id')
    .option('--repo <repo>', 'a path, or host/owner/name (origin remote); * globs allowed; repeatable (default: all repos)', collect, [])
    .option('--agent <agent>', `${AGENTS.join(', ')}; repeatable (default: all agents)`, collect, [])
    .option('--permission <level>', 'read, readwrite or full', 'readwrite')
    .option('--tools <glob...>', 'only these tools (within the permission); * and ? globs, space- or comma-separated')
    .option('--deny-tools <glob...>', 'never these tools; * and ? globs')
    .option('--json', 'print the assignment as JSON')
    .addHelpText('after', `
A connection with no assignments is global (every repo, every agent, full). Once it has one, only
matching assignments grant access; the most specific wins (repo over all repos, then agent over all
agents), and on a tie the lower permission. The tools an agent gets are the permission's tools,
narrowed to --tools when given, minus --deny-tools; conn render writes them in the agent's own
mechanism where it has one, and conn serve (--secrets proxy) enforces them for every agent.

Examples:
  $ conn assign notion --repo github.com/acme/api --agent claude-code --permission read
  $ conn assign sentry --repo 'github.com/acme/*'
  $ conn assign postgres --repo . --repo ~/work/billing --permission full
  $ conn assign slack --agent cursor --agent vscode
  $ conn assign github --repo . --agent claude-code --permission read --tools 'get_*' 'list_*' search_code
  $ conn assign memory --agent gemini --permission full --deny-tools 'delete_*' create_relations`)
    .action(async (name: string, flags: AssignFlags) => run(parseAssign(name, flags), await deps({ json: flags.json })));
}
