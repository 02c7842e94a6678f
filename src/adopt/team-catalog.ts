// The team catalog: connections (and optionally assignments) without a single secret value, to
// commit to a repo and import on every developer's machine and CI runner. A stored secret becomes
// `{ "provide": true }` (each machine brings its own); a reference is kept as is.
import { z } from 'zod';
import { AGENTS, NAME_PATTERN, PERMISSIONS, type Assignment, type Catalog, type Connection } from '../catalog/model.js';
import { isSecretRef, refProblem } from '../secrets/refs.js';
import { originChange } from '../catalog/origin-change.js';
import type { Preset } from '../presets/schema.js';

export const TEAM_CATALOG_FORMAT = 'conn-team-catalog';
export const TEAM_CATALOG_VERSION = 1;
/** Where editors find the JSON Schema (schemas/team-catalog.schema.json in the conn package). */
export const TEAM_CATALOG_SCHEMA_URL = 'urn:conn:team-catalog:1';

const SecretSpecSchema = z.union([
  z.object({ ref: z.string().refine(isSecretRef, 'not a secret reference (env:VAR, file:/path, op://…, vault:path#key)').refine((r) => !refProblem(r), 'a vault: path or key may not start with "-"') }).strict(),
  z.object({ provide: z.literal(true) }).strict(),
]);
export type SecretSpec = z.infer<typeof SecretSpecSchema>;

export const TeamConnectionSchema = z
  .object({
    name: z.string().regex(NAME_PATTERN, 'names are lower-case letters, digits and dashes'),
    preset: z.string().min(1),
    matchedPreset: z.string().optional(),
    enabled: z.boolean().default(true),
    fields: z.record(z.string(), z.string()).default({}),
    command: z.array(z.string()).min(1).optional(),
    secrets: z.record(z.string(), SecretSpecSchema).default({}),
  })
  .strict();
export type TeamConnection = z.infer<typeof TeamConnectionSchema>;

export const TeamAssignmentSchema = z
  .object({
    connection: z.string().regex(NAME_PATTERN),
    repos: z.array(z.string()).default([]),
    agents: z.array(z.enum(AGENTS)).default([]),
    permission: z.enum(PERMISSIONS),
    tools: z.array(z.string()).optional(),
    denyTools: z.array(z.string()).optional(),
  })
  .strict();
export type TeamAssignment = z.infer<typeof TeamAssignmentSchema>;

export const TeamCatalogSchema = z
  .object({
    $schema: z.string().optional(),
    format: z.literal(TEAM_CATALOG_FORMAT),
    version: z.literal(TEAM_CATALOG_VERSION),
    connections: z.array(TeamConnectionSchema),
    assignments: z.array(TeamAssignmentSchema).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.connections.forEach((conn, i) => {
      if (names.has(conn.name)) ctx.addIssue({ code: 'custom', path: ['connections', i, 'name'], message: `duplicate connection ${conn.name}` });
      names.add(conn.name);
    });
    c.assignments?.forEach((a, i) => {
      if (!names.has(a.connection)) ctx.addIssue({ code: 'custom', path: ['assignments', i, 'connection'], message: `no connection ${a.connection} in this file` });
    });
  });
export type TeamCatalog = z.infer<typeof TeamCatalogSchema>;

export function teamConnection(conn: Connection): TeamConnection {
  const secrets: Record<string, SecretSpec> = {};
  for (const field of conn.secrets) {
    const ref = conn.secretRefs?.[field];
    secrets[field] = ref ? { ref } : { provide: true };
  }
  return {
    name: conn.name,
    preset: conn.preset,
    ...(conn.matchedPreset ? { matchedPreset: conn.matchedPreset } : {}),
    enabled: conn.enabled,
    fields: { ...conn.fields },
    ...(conn.command ? { command: [...conn.command] } : {}),
    secrets,
  };
}

export function teamAssignment(a: Assignment): TeamAssignment {
  return {
    connection: a.connection,
    repos: [...a.repos],
    agents: [...a.agents],
    permission: a.permission,
    ...(a.tools?.length ? { tools: [...a.tools] } : {}),
    ...(a.denyTools?.length ? { denyTools: [...a.denyTools] } : {}),
  };
}

/** The export document for `names` (all connections when empty), sorted by name. */
export function buildTeamCatalog(catalog: Catalog, names: string[], withAssignments: boolean): TeamCatalog {
  const chosen = (names.length ? names : Object.keys(catalog.connections)).slice().sort();
  const doc: TeamCatalog = {
    $schema: TEAM_CATALOG_SCHEMA_URL,
    format: TEAM_CATALOG_FORMAT,
    version: TEAM_CATALOG_VERSION,
    connections: chosen.map((n) => teamConnection(catalog.connections[n]!)),
  };
  if (withAssignments) doc.assignments = catalog.assignments.filter((a) => chosen.includes(a.connection)).map(teamAssignment);
  return doc;
}

/** `--prefix acme` → `acme-notion`. */
export function prefixed(name: string, prefix: string | undefined): string {
  if (!prefix) return name;
  return `${prefix.replace(/-+$/, '')}-${name}`;
}

export type TeamAction = 'add' | 'update' | 'unchanged' | 'collision';

export interface TeamPlanItem {
  name: string;
  action: TeamAction;
  /** For collisions: why it cannot be applied. */
  reason?: string;
  /** For updates: what changes, one line each (URL, command, fields, secrets; never a value of a secret). */
  changes?: string[];
  team: TeamConnection;
}

/** What importing `team` into `catalog` would do to each connection (pure; see import.ts for the writes). */
export function planTeamImport(team: TeamCatalog, catalog: Catalog, prefix?: string): TeamPlanItem[] {
  return team.connections.map((source) => {
    const name = prefixed(source.name, prefix);
    const t = { ...source, name };
    const existing = Object.hasOwn(catalog.connections, name) ? catalog.connections[name] : undefined;
    if (!existing) return { name, action: 'add', team: t };
    if (existing.preset !== t.preset) {
      return { name, action: 'collision', team: t, reason: `${name} exists here with preset ${existing.preset}, the file has ${t.preset}` };
    }
    return { name, action: sameDefinition(existing, t) ? 'unchanged' : 'update', team: t };
  });
}

function sameDefinition(conn: Connection, t: TeamConnection): boolean {
  const mine = teamConnection(conn);
  const norm = (c: TeamConnection) =>
    JSON.stringify([c.matchedPreset ?? null, sortObj(c.fields), c.command ?? null, sortObj(Object.fromEntries(Object.entries(c.secrets).map(([k, v]) => [k, 'ref' in v ? v.ref : 'provide'])))]);
  // A secret this machine keeps as a reference while the team says "provide" is a local choice, not a change.
  const theirs = { ...t, secrets: Object.fromEntries(Object.entries(t.secrets).map(([k, v]) => [k, 'provide' in v && mine.secrets[k] ? mine.secrets[k]! : v])) };
  return norm(mine) === norm(theirs);
}

function sortObj(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Applies a team definition to an existing connection (inside the catalog lock): fields, command,
 * matched preset and references come from the file; local state (enabled, health, assignments,
 * stored secrets) stays. Returns the fields whose stored values are no longer used (a reference
 * replaced them, or the file no longer has the field): the caller deletes them from the store.
 */
export function applyTeamUpdate(conn: Connection, t: TeamConnection, now: Date): string[] {
  const obsolete: string[] = [];
  for (const field of conn.secrets) if (!(field in t.secrets) && !conn.secretRefs?.[field]) obsolete.push(field);
  conn.fields = { ...t.fields };
  if (t.command) conn.command = [...t.command];
  else delete conn.command;
  if (t.matchedPreset) conn.matchedPreset = t.matchedPreset;
  else delete conn.matchedPreset;
  const refs: Record<string, string> = {};
  for (const [field, spec] of Object.entries(t.secrets)) {
    if ('ref' in spec) {
      refs[field] = spec.ref;
      if (conn.secrets.includes(field) && !conn.secretRefs?.[field]) obsolete.push(field);
    } else if (conn.secretRefs?.[field]) refs[field] = conn.secretRefs[field]!;
  }
  conn.secrets = [...new Set([...conn.secrets.filter((f) => f in t.secrets), ...Object.keys(t.secrets)])].sort();
  if (Object.keys(refs).length) conn.secretRefs = refs;
  else delete conn.secretRefs;
  conn.updatedAt = now.toISOString();
  return obsolete;
}

/**
 * What a team update changes on an existing connection, one line each, for the plan the user confirms:
 * the URL (and what a move to another origin does to its credentials), the command, other fields, and
 * which secrets change source. Secret values never appear.
 */
export function describeTeamUpdate(conn: Connection, t: TeamConnection, preset: Preset): string[] {
  const lines: string[] = [];
  const move = originChange(conn, preset, t.fields);
  const keys = [...new Set([...Object.keys(conn.fields), ...Object.keys(t.fields)])].sort();
  const show = (v: string | undefined) => (v === undefined ? '(unset)' : v);
  for (const key of keys) {
    const before = conn.fields[key];
    const after = t.fields[key];
    if (before === after) continue;
    let line = `${key}: ${show(before)} → ${show(after)}`;
    if (key === 'url' && move) {
      const notes = [
        ...(move.dropsOAuth ? ['the OAuth sign-in is dropped'] : []),
        ...(move.headerSecrets.length ? [`the stored ${move.headerSecrets.join(', ')} will be sent to ${move.to}`] : []),
      ];
      line += ` (another origin${notes.length ? `: ${notes.join('; ')}` : ''})`;
    }
    lines.push(line);
  }
  const before = conn.command?.join(' ');
  const after = t.command?.join(' ');
  if (before !== after) lines.push(`command: ${show(before)} → ${show(after)}`);
  for (const field of [...new Set([...conn.secrets, ...Object.keys(t.secrets)])].sort()) {
    const mine = conn.secretRefs?.[field] ? `reference ${conn.secretRefs[field]}` : conn.secrets.includes(field) ? 'stored here' : undefined;
    const spec = t.secrets[field];
    const theirs = spec === undefined ? undefined : 'ref' in spec ? `reference ${spec.ref}` : mine ?? 'to provide';
    if (mine !== theirs) lines.push(`secret ${field}: ${show(mine)} → ${theirs === undefined ? '(removed)' : theirs}`);
  }
  return lines;
}
