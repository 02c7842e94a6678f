import type { Command } from 'commander';
import { parseAgent } from '../access/assignments.js';
import { repoIdentity, type RepoIdentity } from '../access/repo.js';
import { resolveAccess, type Decision } from '../access/resolve.js';
import type { Agent } from '../catalog/model.js';
import { AGENTS, USER_LEVEL_AGENTS } from '../catalog/constants.js';
import { userLevelDecisions } from '../render/user-scope.js';
import type { Deps } from '../deps.js';
import { table } from '../ui/io.js';
import type { DepsFactory } from './types.js';

export interface ExplainOptions {
  repo: string;
  agent: Agent;
}

export interface ExplainFlags {
  repo?: string;
  agent?: string;
  json?: boolean;
}

/** The `--json` shape. */
export interface Explanation {
  repo: RepoIdentity;
  agent: Agent;
  connections: Decision[];
}

export function parseExplain(flags: ExplainFlags): ExplainOptions {
  return { repo: flags.repo ?? '.', agent: parseAgent(flags.agent ?? 'claude-code') };
}

export async function run(opts: ExplainOptions, deps: Deps): Promise<void> {
  const repo = await repoIdentity(opts.repo);
  const catalog = await deps.catalog.read();
  // A user-level agent's one file serves every repo: what `render --scope user` writes, whatever the repo.
  const user = USER_LEVEL_AGENTS.includes(opts.agent);
  const explanation: Explanation = { repo, agent: opts.agent, connections: user ? userLevelDecisions(catalog, opts.agent) : resolveAccess(catalog, repo, opts.agent) };
  deps.io.result(explanation, (e) => {
    const where = `${e.repo.root}${e.repo.remote ? ` (${e.repo.remote})` : e.repo.isGit ? ' (no origin remote)' : ' (not a git repo)'}`;
    const head = `repo:  ${where}\nagent: ${e.agent}${user ? ' (user-level: one file for every repo; conn render --scope user)' : ''}`;
    if (e.connections.length === 0) return `${head}\n\nNo connections yet. Add one with: conn add <preset>`;
    const mark = (d: Decision) => {
      const word = d.rendered ? 'yes' : 'no';
      if (!deps.io.color) return word;
      return d.rendered ? deps.io.c.green(`✓ ${word}`) : deps.io.c.dim(`✗ ${word}`);
    };
    return `${head}\n\n${table([
      ['CONNECTION', 'RENDERED', 'PERMISSION', 'WHY'],
      ...e.connections.map((d) => [d.connection, mark(d), d.permission ?? '-', d.text]),
    ])}`;
  });
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('explain')
    .description('Show, for a repo and an agent, every connection: whether it would be rendered there, and why')
    .option('--repo <dir>', 'the repo (any directory inside it)', '.')
    .option('--agent <agent>', AGENTS.join(', '), 'claude-code')
    .option('--json', 'print JSON: { repo: { root, isGit, remote? }, agent, connections: [{ connection, rendered, permission?, reason, assignment?, text }] }')
    .addHelpText('after', `
Examples:
  $ conn explain
  $ conn explain --repo ~/work/api --agent cursor
  $ conn explain --json | jq -r '.connections[] | select(.rendered) | .connection'`)
    .action(async (flags: ExplainFlags) => run(parseExplain(flags), await deps({ json: flags.json })));
}
