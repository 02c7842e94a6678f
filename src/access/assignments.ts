// Creating, removing and describing assignments. Pure: callers run these inside the catalog's
// locked read-modify-write, so a check and the change it guards happen under one lock.
import { randomBytes } from 'node:crypto';
// constants.js, not model.js: render's hot path imports this file and must not load zod.
import { AGENTS, PERMISSIONS, type Agent, type Permission } from '../catalog/constants.js';
import type { Assignment, Catalog } from '../catalog/model.js';
import { UsageError } from '../errors.js';
import { describeToolLists } from './tool-list.js';

export interface NewAssignment {
  connection: string;
  /** Matchers already parsed by `parseRepoMatcher`. Empty = all repos. */
  repos: string[];
  /** Empty = all agents. */
  agents: string[];
  permission: string;
  /** Tool globs (already parsed): only these tools; empty or absent = all the permission allows. */
  tools?: string[];
  /** Tool globs the agent never gets. */
  denyTools?: string[];
}

/** Six hex characters: short enough to type, random so two machines rarely collide. */
export function newAssignmentId(existing: Set<string>): string {
  for (;;) {
    const id = randomBytes(3).toString('hex');
    if (!existing.has(id)) return id;
  }
}

export function parsePermission(value: string): Permission {
  if ((PERMISSIONS as readonly string[]).includes(value)) return value as Permission;
  throw new UsageError(`invalid permission: ${value}`, `use one of ${PERMISSIONS.join(', ')}`);
}

export function parseAgent(value: string): Agent {
  if ((AGENTS as readonly string[]).includes(value)) return value as Agent;
  throw new UsageError(`unknown agent: ${value}`, `use one of ${AGENTS.join(', ')}`);
}

export function requireConnection(catalog: Catalog, name: string): void {
  if (Object.hasOwn(catalog.connections, name)) return;
  const names = Object.keys(catalog.connections).sort();
  throw new UsageError(
    `unknown connection: ${name}`,
    names.length ? `known: ${names.join(', ')}` : 'no connections yet: add one with conn add',
  );
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/**
 * Adds an assignment and returns it. The same scope and permission again returns the existing
 * assignment (scripts may re-run); the same scope with another permission is refused, since two
 * equal rules would silently resolve to the lower one.
 */
export function addAssignment(catalog: Catalog, input: NewAssignment, now: Date): Assignment {
  requireConnection(catalog, input.connection);
  const permission = parsePermission(input.permission);
  const agents = [...new Set(input.agents.map(parseAgent))];
  const repos = [...new Set(input.repos)];
  const tools = [...new Set(input.tools ?? [])];
  const denyTools = [...new Set(input.denyTools ?? [])];
  const same = catalog.assignments.find(
    (a) => a.connection === input.connection && sameSet(a.repos, repos) && sameSet(a.agents, agents),
  );
  const sameLists = (a: Assignment) => sameSet(a.tools ?? [], tools) && sameSet(a.denyTools ?? [], denyTools);
  if (same && same.permission === permission && sameLists(same)) return same;
  if (same) {
    const what = same.permission !== permission ? `permission ${same.permission}` : `tool lists (${describeToolLists(same) || 'none'})`;
    throw new UsageError(
      `${input.connection} already has this assignment with ${what} (${same.id})`,
      `remove it first: conn unassign ${same.id}`,
    );
  }
  const assignment: Assignment = {
    id: newAssignmentId(new Set(catalog.assignments.map((a) => a.id))),
    connection: input.connection,
    repos,
    agents,
    permission,
    ...(tools.length ? { tools } : {}),
    ...(denyTools.length ? { denyTools } : {}),
    createdAt: now.toISOString(),
  };
  catalog.assignments.push(assignment);
  return assignment;
}

export function removeAssignment(catalog: Catalog, id: string): Assignment {
  const index = catalog.assignments.findIndex((a) => a.id === id);
  if (index === -1) {
    throw new UsageError(`no assignment with id ${id}`, 'conn assignments lists them');
  }
  return catalog.assignments.splice(index, 1)[0]!;
}

/** `repo github.com/acme/api, agent claude-code` · `all repos, all agents`. */
export function describeScope(a: Pick<Assignment, 'repos' | 'agents'>): string {
  const list = (items: readonly string[], one: string, many: string, all: string) =>
    items.length === 0 ? all : `${items.length === 1 ? one : many} ${items.join(', ')}`;
  return `${list(a.repos, 'repo', 'repos', 'all repos')}, ${list(a.agents, 'agent', 'agents', 'all agents')}`;
}

/** `repo github.com/acme/api, agent claude-code → read` (`, tools read_* · deny delete_*` with lists). */
export function describeAssignment(a: Pick<Assignment, 'repos' | 'agents' | 'permission' | 'tools' | 'denyTools'>): string {
  const lists = describeToolLists(a);
  return `${describeScope(a)} → ${a.permission}${lists ? `, ${lists}` : ''}`;
}
