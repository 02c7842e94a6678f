import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { catalogPath } from '../paths.js';
import { OperationError } from '../errors.js';
import { checkShape, FIX_HINT, parseCatalogText, readText } from './read.js';
import type { Catalog } from './model.js';
import { readWithSig, sigOf, type FileSig } from '../file-sig.js';

/**
 * The catalog file. Reads are plain fs + JSON.parse; every change is one locked read-modify-write
 * through `update`, written atomically (temp file, fsync, rename), so two processes never lose each
 * other's changes and a crash never leaves a truncated file. (Not `conf`: it writes in place when
 * SNAP is set, as in snap-packaged terminals, and costs ~140 ms to load.)
 * A file that does not parse is never reset: the error names it and stops.
 */
export interface CatalogSnapshot {
  catalog: Catalog;
  sig: FileSig;
}

export interface CatalogStore {
  path: string;
  read(): Promise<Catalog>;
  /** The catalog with the signature of the exact text it was parsed from (what a render remembers). */
  snapshot(): Promise<CatalogSnapshot>;
  update<T>(fn: (catalog: Catalog) => T | Promise<T>): Promise<T>;
  /**
   * `update`, also saying which file it changed from and to: a reader that has just read the `before`
   * file (a render) may take `after` as its own, when the change is one it has accounted for.
   */
  updateTracked<T>(fn: (catalog: Catalog) => T | Promise<T>): Promise<{ result: T; before: FileSig; after: FileSig }>;
}

const LOCK_RETRIES = { retries: 200, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true };

export function createCatalogStore(home: string): CatalogStore {
  const path = catalogPath(home);
  return {
    path,
    async read() {
      return parseCatalog(path, readText(path), false);
    },
    async snapshot() {
      const { text, sig } = readCatalogWithSig(path);
      return { catalog: await parseCatalog(path, text, false), sig };
    },
    async update(fn) {
      return (await updateTracked(fn)).result;
    },
    updateTracked: (fn) => updateTracked(fn),
  };
  async function updateTracked<T>(fn: (catalog: Catalog) => T | Promise<T>): Promise<{ result: T; before: FileSig; after: FileSig }> {
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
      const { text, sig: before } = readCatalogWithSig(path);
      const catalog = await parseCatalog(path, text, true);
      const result = await fn(catalog);
      const { CatalogSchema } = await import('./model.js');
      const checked = CatalogSchema.parse(catalog);
      const next = `${JSON.stringify(checked, null, 2)}\n`;
      writeFileAtomic(path, next, 0o600);
      return { result, before, after: sigOf(path, next) };
    } finally {
      await release().catch(() => undefined);
    }
  }
}

/**
 * Read paths check the catalog's shape by hand (conn wrote it, through the full schema); the write
 * path validates it with the zod schema before changing anything. Loading zod costs ~20 ms, which
 * `conn list` and `conn render` should not pay.
 */
async function parseCatalog(path: string, text: string | undefined, full: boolean): Promise<Catalog> {
  const data = parseCatalogText(path, text);
  if (!full) {
    const quick = checkShape(path, data);
    if (quick !== 'deep') return quick;
  }
  const { CatalogSchema } = await import('./model.js');
  const parsed = CatalogSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OperationError(`invalid catalog ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, FIX_HINT);
  }
  return parsed.data;
}

function readCatalogWithSig(path: string): ReturnType<typeof readWithSig> {
  try {
    return readWithSig(path);
  } catch (err) {
    throw new OperationError(`cannot read the catalog ${path}: ${(err as Error).message}`);
  }
}
