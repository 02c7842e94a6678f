// Which upstream tools a permission level (and the assignment's tool lists) let through `conn serve` (SPEC §4).
import type { Permission, Tool, ToolClass } from '../catalog/model.js';
import { allowedByPermission, classifyTool } from '../access/tool-class.js';
import { describeToolLists, listsAllow, type ToolLists } from '../access/tool-list.js';

const SEVERITY: Record<ToolClass, number> = { read: 0, write: 1, destructive: 2 };

/** The shape of a tool as the SDK lists it: only what classification reads. */
export interface ListedTool {
  name: string;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean } | undefined;
}

export interface ToolGate {
  readonly permission: Permission;
  classOf(tool: ListedTool): ToolClass;
  allows(tool: ListedTool): boolean;
  /** The one-line reason a call is refused. */
  refusal(name: string): string;
}

/**
 * The preset's table wins. Otherwise the tool's live annotations — but never more permissive than
 * what `conn test` last recorded for it: a server cannot talk a tool into a lower class between
 * tests (re-run `conn test` to accept such a change). Unknown tools get the MCP defaults: destructive.
 */
export function createToolGate(permission: Permission, presetTable?: Record<string, ToolClass>, recorded?: Tool[], lists?: ToolLists): ToolGate {
  const before = new Map((recorded ?? []).map((t) => [t.name, t]));
  const classOf = (tool: ListedTool): ToolClass => {
    const live = classifyTool({ name: tool.name, ...(tool.annotations ? { annotations: pickHints(tool.annotations) } : {}) }, presetTable);
    if (presetTable && Object.hasOwn(presetTable, tool.name)) return live;
    const old = before.get(tool.name);
    if (!old) return live;
    const seen = classifyTool(old);
    return SEVERITY[seen] > SEVERITY[live] ? seen : live;
  };
  return {
    permission,
    classOf,
    allows: (tool) => allowedByPermission(classOf(tool), permission) && listsAllow(tool.name, lists),
    refusal: (name) =>
      listsAllow(name, lists) ? `tool ${name} is not allowed at permission ${permission}` : `tool ${name} is not in this assignment's tool list (${describeToolLists(lists)})`,
  };
}

function pickHints(a: NonNullable<ListedTool['annotations']>): NonNullable<Tool['annotations']> {
  const out: NonNullable<Tool['annotations']> = {};
  if (typeof a.readOnlyHint === 'boolean') out.readOnlyHint = a.readOnlyHint;
  if (typeof a.destructiveHint === 'boolean') out.destructiveHint = a.destructiveHint;
  return out;
}
