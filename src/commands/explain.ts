import type { Command } from 'commander';
import { parseAgent } from '../access/assignments.js';
import { repoIdentity, type RepoIdentity } from '../access/repo.js';
import { resolveAccess, type Decision } from '../access/resolve.js';
import type { Agent } from '../catalog/model.js';
import { AGENTS, USER_LEVEL_AGENTS } from '../catalog/constants.js';
import { userLevelDecisions } from '../render/user-scope.js';
import type { Deps } from '../deps.js';
import { table, wrapText } from '../ui/layout.js';
import { selectTools } from '../access/tool-list.js';
import { estimateTokens, toolDefinitionBytes, TOOL_LIMITS } from '../access/tool-budget.js';
import { presetFor } from '../presets/effective.js';
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

/** Per rendered connection: the tools the agent gets and an estimate of what their definitions cost. */
export interface ToolBudget {
  /** Tools the agent gets (permission and tool lists applied); absent before the first `conn test`. */
  tools?: number;
  /** All tools `conn test` recorded. */
  recorded?: number;
  /** bytes / 4 of name + description + input schema of the tools it gets (see README "Tool budget"). */
  tokens?: number;
}

/** The `--json` shape. */
export interface Explanation {
  repo: RepoIdentity;
  agent: Agent;
  connections: (Decision & ToolBudget)[];
  /** Sums over the rendered connections with a record; `unknown` names those without one. */
  total: { tools: number; tokens: number; unknown: string[]; limit?: number };
}

export function parseExplain(flags: ExplainFlags): ExplainOptions {
  return { repo: flags.repo ?? '.', agent: parseAgent(flags.agent ?? 'claude-code') };
}

export async function run(opts: ExplainOptions, deps: Deps): Promise<void> {
  const repo = await repoIdentity(opts.repo);
  const catalog = await deps.catalog.read();
  // A user-level agent's one file serves every repo: what `render --scope user` writes, whatever the repo.
  const user = USER_LEVEL_AGENTS.includes(opts.agent);
  const decisions = user ? userLevelDecisions(catalog, opts.agent) : resolveAccess(catalog, repo, opts.agent);
  const registry = decisions.some((d) => d.rendered && catalog.connections[d.connection]!.health.tools) ? await deps.presets() : undefined;
  const connections = decisions.map((d): Decision & ToolBudget => {
    const conn = catalog.connections[d.connection]!;
    const recorded = conn.health.tools;
    if (!d.rendered || !d.permission || !recorded || !registry) return d;
    const { allowed } = selectTools(recorded, d.permission, presetFor(conn, registry).tools, d.lists);
    const bytes = allowed.reduce((n, t) => n + toolDefinitionBytes(t), 0);
    return { ...d, tools: allowed.length, recorded: recorded.length, tokens: estimateTokens(bytes) };
  });
  const rendered = connections.filter((c) => c.rendered);
  const limit = TOOL_LIMITS[opts.agent]?.limit;
  const total = {
    tools: rendered.reduce((n, c) => n + (c.tools ?? 0), 0),
    tokens: rendered.reduce((n, c) => n + (c.tokens ?? 0), 0),
    unknown: rendered.filter((c) => c.tools === undefined).map((c) => c.connection),
    ...(limit !== undefined ? { limit } : {}),
  };
  const explanation: Explanation = { repo, agent: opts.agent, connections, total };
  deps.io.result(explanation, (e) => {
    const where = `${e.repo.root}${e.repo.remote ? ` (${e.repo.remote})` : e.repo.isGit ? ' (no origin remote)' : ' (not a git repo)'}`;
    const head = `repo:  ${where}\nagent: ${e.agent}${user ? ' (user-level: one file for every repo; conn render --scope user)' : ''}`;
    if (e.connections.length === 0) return `${head}\n\nNo connections yet. Add one with: conn add <preset>`;
    const mark = (d: Decision) => {
      const word = d.rendered ? 'yes' : 'no';
      if (!deps.io.color) return word;
      return d.rendered ? deps.io.c.green(`✓ ${word}`) : deps.io.c.dim(`✗ ${word}`);
    };
    const count = (d: Decision & ToolBudget) => (!d.rendered ? '-' : d.tools === undefined ? '?' : d.tools === d.recorded ? String(d.tools) : `${d.tools}/${d.recorded}`);
    const tokens = (d: Decision & ToolBudget) => (d.tokens === undefined ? '-' : `~${d.tokens}`);
    // The budget columns once conn knows some tools (after a conn test); before, the total says why not.
    const budget = e.connections.some((d) => d.tools !== undefined);
    const rows = table([
      ['CONNECTION', 'RENDERED', 'PERMISSION', ...(budget ? ['TOOLS', 'TOKENS'] : []), 'WHY'],
      ...e.connections.map((d) => [d.connection, mark(d), d.permission ?? '-', ...(budget ? [count(d), tokens(d)] : []), d.text]),
    ]);
    const over = e.total.limit !== undefined && e.total.tools > e.total.limit ? ` — over ${e.agent}'s limit of ${e.total.limit}` : '';
    const unknown = e.total.unknown.length ? `; not counted (no conn test yet): ${e.total.unknown.join(', ')}` : '';
    return `${head}\n\n${rows}\n\n${wrapText(`tools: ${e.total.tools}, ~${e.total.tokens} tokens of definitions (estimate: bytes/4)${over}${unknown}`)}`;
  });
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('explain')
    .description('Show, for a repo and an agent, every connection: whether it would be rendered there, and why')
    .option('--repo <dir>', 'the repo (any directory inside it)', '.')
    .option('--agent <agent>', AGENTS.join(', '), 'claude-code')
    .option('--json', 'print JSON: { repo: { root, isGit, remote? }, agent, connections: [{ connection, rendered, permission?, reason, assignment?, lists?, text, tools?, recorded?, tokens? }], total: { tools, tokens, unknown, limit? } }')
    .addHelpText('after', `
Examples:
  $ conn explain
  $ conn explain --repo ~/work/api --agent cursor
  $ conn explain --json | jq -r '.connections[] | select(.rendered) | .connection'
  $ conn explain --agent cursor --json | jq '.total'`)
    .action(async (flags: ExplainFlags) => run(parseExplain(flags), await deps({ json: flags.json })));
}
