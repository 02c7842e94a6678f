// Which of a connection's tools an agent gets: the permission level's tools, narrowed to the
// assignment's `--tools` globs when it has any, minus its `--deny-tools` globs (issue: tools that fit
// the agent). Pure: the recorded tool list comes from the caller (what `conn test` saw).
import type { Permission, Tool, ToolClass } from '../catalog/model.js';
import { UsageError } from '../errors.js';
import { allowedByPermission, classifyTool } from './tool-class.js';

/** The per-assignment lists, as stored: globs over tool names (`*` any run, `?` one character). */
export interface ToolLists {
  tools?: string[];
  denyTools?: string[];
}

/** Tool names are free text from the server, but a glob is typed by a person: keep it printable. */
const GLOB_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function parseToolGlobs(values: readonly string[], flag: string): string[] {
  const globs = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const glob of globs) {
    if (!GLOB_PATTERN.test(glob)) throw new UsageError(`${flag}: not a tool name or glob: ${JSON.stringify(glob)}`, 'use tool names with * and ? (no spaces)');
  }
  return [...new Set(globs)];
}

const cache = new Map<string, RegExp>();
function globRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = [...glob].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('');
    re = new RegExp(`^${body}$`, 's');
    cache.set(glob, re);
  }
  return re;
}

export function matchesToolGlob(glob: string, name: string): boolean {
  return globRegExp(glob).test(name);
}

export const hasWildcard = (glob: string): boolean => /[*?]/.test(glob);

/** The lists alone (no permission): may an agent see a tool of this name? */
export function listsAllow(name: string, lists: ToolLists | undefined): boolean {
  if (!lists) return true;
  if (lists.tools?.length && !lists.tools.some((g) => matchesToolGlob(g, name))) return false;
  return !(lists.denyTools ?? []).some((g) => matchesToolGlob(g, name));
}

export const hasLists = (lists: ToolLists | undefined): boolean => Boolean(lists?.tools?.length || lists?.denyTools?.length);

export interface ToolSelection {
  /** Recorded tools the agent gets, in the server's order. */
  allowed: Tool[];
  /** Names of recorded tools it does not get (by permission or by the lists). */
  denied: string[];
  /** Globs that match none of the recorded tools (a typo, or a tool the server no longer has). */
  unmatched: string[];
}

/** Applies permission and lists to the recorded tools. */
export function selectTools(recorded: Tool[], permission: Permission, presetTable: Record<string, ToolClass> | undefined, lists: ToolLists | undefined): ToolSelection {
  const allowed: Tool[] = [];
  const denied: string[] = [];
  for (const tool of recorded) {
    if (allowedByPermission(classifyTool(tool, presetTable), permission) && listsAllow(tool.name, lists)) allowed.push(tool);
    else denied.push(tool.name);
  }
  const globs = [...(lists?.tools ?? []), ...(lists?.denyTools ?? [])];
  const unmatched = globs.filter((g) => !recorded.some((t) => matchesToolGlob(g, t.name)));
  return { allowed, denied, unmatched: [...new Set(unmatched)] };
}

/** `tools read_*, search · deny delete_*` — for tables and explanations; empty when no lists. */
export function describeToolLists(lists: ToolLists | undefined): string {
  const parts: string[] = [];
  if (lists?.tools?.length) parts.push(`tools ${lists.tools.join(', ')}`);
  if (lists?.denyTools?.length) parts.push(`deny ${lists.denyTools.join(', ')}`);
  return parts.join(' · ');
}
