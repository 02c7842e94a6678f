// Tool drift: what a server's tool list changed since the last check. Pure.
import type { Tool } from '../catalog/model.js';

export interface ToolDrift {
  added: string[];
  removed: string[];
  /** Same name, different description/input schema (hash) or different annotations. */
  changed: string[];
}

const HINTS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;

/**
 * `previous` undefined means the connection was never checked: nothing to compare, so no drift.
 * A tool whose annotations changed counts as changed too: a read-only tool turning destructive
 * changes what a permission level lets through.
 */
export function diffTools(previous: Tool[] | undefined, next: Tool[]): ToolDrift {
  if (!previous) return { added: [], removed: [], changed: [] };
  const before = new Map(previous.map((t) => [t.name, t]));
  const after = new Map(next.map((t) => [t.name, t]));
  const added = [...after.keys()].filter((n) => !before.has(n));
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const changed: string[] = [];
  for (const [name, tool] of after) {
    const old = before.get(name);
    if (!old) continue;
    const hashChanged = old.hash !== undefined && tool.hash !== undefined && old.hash !== tool.hash;
    const hintsChanged = HINTS.some((h) => old.annotations?.[h] !== tool.annotations?.[h]);
    if (hashChanged || hintsChanged) changed.push(name);
  }
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

export function hasDrift(drift: ToolDrift): boolean {
  return drift.added.length + drift.removed.length + drift.changed.length > 0;
}
