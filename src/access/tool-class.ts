// Tool classes and what each permission level allows (SPEC §4).
import type { Permission, Tool, ToolClass } from '../catalog/model.js';

const RANK: Record<Permission, number> = { read: 0, readwrite: 1, full: 2 };

export function permissionRank(p: Permission): number {
  return RANK[p];
}

export function lowerPermission(a: Permission, b: Permission): Permission {
  return RANK[a] <= RANK[b] ? a : b;
}

/**
 * The preset's own table first (it knows the server better than its annotations), then the tool's
 * annotations, then the MCP defaults: readOnlyHint false, destructiveHint true.
 */
export function classifyTool(tool: Tool, presetTable?: Record<string, ToolClass>): ToolClass {
  // Own keys only: a tool named `toString` must not find Object.prototype's.
  if (presetTable && Object.hasOwn(presetTable, tool.name)) return presetTable[tool.name]!;
  if (tool.annotations?.readOnlyHint === true) return 'read';
  if (tool.annotations?.destructiveHint === false) return 'write';
  return 'destructive';
}

export function allowedByPermission(cls: ToolClass, p: Permission): boolean {
  switch (p) {
    case 'read':
      return cls === 'read';
    case 'readwrite':
      return cls !== 'destructive';
    case 'full':
      return true;
  }
}

/** Names of the tools a permission level hides, in the order given. */
export function deniedTools(tools: Tool[], p: Permission, presetTable?: Record<string, ToolClass>): string[] {
  return tools.filter((t) => !allowedByPermission(classifyTool(t, presetTable), p)).map((t) => t.name);
}
