// Reading the catalog without zod, proper-lockfile or anything else the write path needs: what
// `conn list` and the fast paths use. A shape only the full schema can judge comes back as 'deep'.
import { readFileSync } from 'node:fs';
import { OperationError } from '../errors.js';
import { emptyCatalog } from './constants.js';
import type { Catalog } from './model.js';

export const FIX_HINT = 'fix or move the file; conn never overwrites it';

/** The catalog's text, or undefined when there is no catalog yet. */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OperationError(`cannot read the catalog ${path}: ${(err as Error).message}`);
  }
}

/** JSON of the catalog text; no text (or only blanks) is the empty catalog. */
export function parseCatalogText(path: string, text: string | undefined): unknown {
  if (text === undefined || text.trim() === '') return emptyCatalog();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OperationError(`cannot parse the catalog ${path}: ${(err as Error).message}`, FIX_HINT);
  }
}

/** The catalog when its shape looks right; throws when it is clearly wrong; 'deep' when zod must say. */
export function checkShape(path: string, data: unknown): Catalog | 'deep' {
  const problem = shapeProblem(data);
  if (!problem) return data as Catalog;
  if (problem === 'deep') return 'deep';
  throw new OperationError(`invalid catalog ${path}: ${problem}`, FIX_HINT);
}

/** undefined: looks right; a message: clearly wrong; 'deep': needs the full schema to say. */
function shapeProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return '(root): expected an object';
  const c = data as Record<string, unknown>;
  if (c.version !== 1) return `version: expected 1, found ${JSON.stringify(c.version)}`;
  if (typeof c.connections !== 'object' || c.connections === null || Array.isArray(c.connections)) return 'connections: expected an object';
  if (!Array.isArray(c.assignments)) return 'assignments: expected an array';
  for (const conn of Object.values(c.connections as Record<string, unknown>)) {
    const k = conn as Record<string, unknown> | null;
    if (!k || typeof k.name !== 'string' || typeof k.preset !== 'string' || !Array.isArray(k.secrets) || typeof k.fields !== 'object' || typeof k.health !== 'object') return 'deep';
  }
  for (const a of c.assignments as unknown[]) {
    const k = a as Record<string, unknown> | null;
    if (!k || typeof k.id !== 'string' || !Array.isArray(k.repos) || !Array.isArray(k.agents)) return 'deep';
  }
  return undefined;
}
