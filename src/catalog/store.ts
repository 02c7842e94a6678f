import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { catalogPath } from '../paths.js';
import { OperationError } from '../errors.js';
import { emptyCatalog } from './constants.js';
import type { Catalog } from './model.js';

/**
 * The catalog file. Reads are plain fs + JSON.parse; every change is one locked read-modify-write
 * through `update`, written atomically (temp file, fsync, rename), so two processes never lose each
 * other's changes and a crash never leaves a truncated file. (Not `conf`: it writes in place when
 * SNAP is set, as in snap-packaged terminals, and costs ~140 ms to load.)
 * A file that does not parse is never reset: the error names it and stops.
 */
export interface CatalogStore {
  path: string;
  read(): Promise<Catalog>;
  update<T>(fn: (catalog: Catalog) => T | Promise<T>): Promise<T>;
}

const LOCK_RETRIES = { retries: 200, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true };

export function createCatalogStore(home: string): CatalogStore {
  const path = catalogPath(home);
  return {
    path,
    async read() {
      return parseCatalog(path, readText(path), false);
    },
    async update(fn) {
      mkdirSync(home, { recursive: true, mode: 0o700 });
      const { default: lockfile } = await import('proper-lockfile');
      const release = await lockfile.lock(path, {
        lockfilePath: `${path}.lock`,
        retries: LOCK_RETRIES,
        // A killed conn leaves its lock behind; the holder refreshes it every stale/2, so 4 s is safe.
        stale: 4_000,
        realpath: false,
      }).catch((err: Error) => {
        throw new OperationError(`cannot lock the catalog ${path}: ${err.message}`);
      });
      try {
        const catalog = await parseCatalog(path, readText(path), true);
        const result = await fn(catalog);
        const { CatalogSchema } = await import('./model.js');
        const checked = CatalogSchema.parse(catalog);
        writeFileAtomic(path, `${JSON.stringify(checked, null, 2)}\n`, 0o600);
        return result;
      } finally {
        await release().catch(() => undefined);
      }
    },
  };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OperationError(`cannot read the catalog ${path}: ${(err as Error).message}`);
  }
}

/**
 * Read paths check the catalog's shape by hand (conn wrote it, through the full schema); the write
 * path validates it with the zod schema before changing anything. Loading zod costs ~20 ms, which
 * `conn list` and `conn render` should not pay.
 */
async function parseCatalog(path: string, text: string | undefined, full: boolean): Promise<Catalog> {
  if (text === undefined || text.trim() === '') return emptyCatalog();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new OperationError(`cannot parse the catalog ${path}: ${(err as Error).message}`, 'fix or move the file; conn never overwrites it');
  }
  if (!full) {
    const problem = shapeProblem(data);
    if (!problem) return data as Catalog;
    if (problem !== 'deep') throw new OperationError(`invalid catalog ${path}: ${problem}`, 'fix or move the file; conn never overwrites it');
  }
  const { CatalogSchema } = await import('./model.js');
  const parsed = CatalogSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OperationError(
      `invalid catalog ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      'fix or move the file; conn never overwrites it',
    );
  }
  return parsed.data;
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
