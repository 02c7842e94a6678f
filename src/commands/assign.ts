import type { Command } from 'commander';
import { addAssignment, describeAssignment, parseAgent, parsePermission } from '../access/assignments.js';
import { parseRepoMatcher } from '../access/match.js';
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
}

export interface AssignFlags {
  repo?: string[];
  agent?: string[];
  permission?: string;
  json?: boolean;
}

export function parseAssign(name: string, flags: AssignFlags, cwd: string = process.cwd()): AssignOptions {
  return {
    name,
    repos: (flags.repo ?? []).map((r) => parseRepoMatcher(r, cwd)),
    agents: (flags.agent ?? []).map(parseAgent),
    permission: parsePermission(flags.permission ?? 'readwrite'),
  };
}

export async function run(opts: AssignOptions, deps: Deps): Promise<void> {
  const { assignment, created, wasGlobal } = await deps.catalog.update((c) => {
    const before = c.assignments.filter((a) => a.connection === opts.name).length;
    const a = addAssignment(c, { connection: opts.name, repos: opts.repos, agents: opts.agents, permission: opts.permission }, deps.clock());
    const after = c.assignments.filter((x) => x.connection === opts.name).length;
    return { assignment: a, created: after > before, wasGlobal: before === 0 };
  });
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
    .option('--json', 'print the assignment as JSON')
    .addHelpText('after', `
A connection with no assignments is global (every repo, every agent, full). Once it has one, only
matching assignments grant access; the most specific wins (repo over all repos, then agent over all
agents), and on a tie the lower permission.

Examples:
  $ conn assign notion --repo github.com/acme/api --agent claude-code --permission read
  $ conn assign sentry --repo 'github.com/acme/*'
  $ conn assign postgres --repo . --repo ~/work/billing --permission full
  $ conn assign slack --agent cursor --agent vscode`)
    .action(async (name: string, flags: AssignFlags) => run(parseAssign(name, flags), await deps({ json: flags.json })));
}
