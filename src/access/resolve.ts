// Which connections a repo and an agent receive, with what permission, and why (SPEC §1, §3 Access).
import { byText } from '../catalog/names.js';
import type { Agent, Assignment, Catalog, Permission } from '../catalog/model.js';
import { describeAssignment } from './assignments.js';
import { matchesRepo, type RepoRef } from './match.js';
import { permissionRank } from './tool-class.js';
import { hasLists, type ToolLists } from './tool-list.js';

export type DecisionReason = 'disabled' | 'global' | 'assignment' | 'no-match';

export interface Decision {
  connection: string;
  rendered: boolean;
  permission?: Permission;
  reason: DecisionReason;
  /** The winning assignment's id (reason `assignment`). */
  assignment?: string;
  /** The winning assignment's tool lists (reason `assignment`, when it has any). */
  lists?: ToolLists;
  /** One line for people: `assignment a1b2c3: repo github.com/acme/api, agent claude-code → read`. */
  text: string;
}

export function assignmentApplies(a: Assignment, repo: RepoRef, agent: Agent): boolean {
  return (
    (a.repos.length === 0 || a.repos.some((m) => matchesRepo(m, repo))) &&
    (a.agents.length === 0 || a.agents.includes(agent))
  );
}

/** Repo-specific outranks agent-specific, which outranks neither. */
function specificity(a: Assignment): number {
  return (a.repos.length > 0 ? 2 : 0) + (a.agents.length > 0 ? 1 : 0);
}

/** Best first: most specific, then the lower permission, then the oldest (stable for ties). */
function compareAssignments(x: Assignment, y: Assignment): number {
  return (
    specificity(y) - specificity(x) ||
    permissionRank(x.permission) - permissionRank(y.permission) ||
    byText(x.createdAt, y.createdAt) ||
    byText(x.id, y.id)
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One decision per connection, sorted by name. Pure: the repo's identity is resolved by the caller. */
export function resolveAccess(catalog: Catalog, repo: RepoRef, agent: Agent): Decision[] {
  const names = Object.keys(catalog.connections).sort();
  return names.map((name): Decision => {
    const connection = catalog.connections[name]!;
    if (!connection.enabled) return { connection: name, rendered: false, reason: 'disabled', text: 'disabled' };
    const own = catalog.assignments.filter((a) => a.connection === name);
    if (own.length === 0) {
      return {
        connection: name,
        rendered: true,
        permission: 'full',
        reason: 'global',
        text: 'global (no assignments): full',
      };
    }
    const matching = own.filter((a) => assignmentApplies(a, repo, agent)).sort(compareAssignments);
    const winner = matching[0];
    if (!winner) {
      return {
        connection: name,
        rendered: false,
        reason: 'no-match',
        text: `no matching assignment (${plural(own.length, 'assignment')} for other repos/agents)`,
      };
    }
    // Name the matcher that matched, not every repo the assignment lists: that is the "why".
    const matched = {
      repos: winner.repos.filter((m) => matchesRepo(m, repo)).slice(0, 1),
      agents: winner.agents.length > 0 ? [agent] : [],
      permission: winner.permission,
      tools: winner.tools,
      denyTools: winner.denyTools,
    };
    const lists: ToolLists = { ...(winner.tools?.length ? { tools: winner.tools } : {}), ...(winner.denyTools?.length ? { denyTools: winner.denyTools } : {}) };
    const others = matching.length - 1;
    const overridden = others > 0 ? ` (over ${plural(others, 'other matching assignment')})` : '';
    return {
      connection: name,
      rendered: true,
      permission: winner.permission,
      reason: 'assignment',
      assignment: winner.id,
      ...(hasLists(lists) ? { lists } : {}),
      text: `assignment ${winner.id}: ${describeAssignment(matched)}${overridden}`,
    };
  });
}
