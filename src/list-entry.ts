// `conn list` without commander or the ES module bundle: what bin/conn.js runs for `conn list`
// (`--json` or nothing), built as dist/list.cjs. Anything else, and a catalog it cannot read
// plainly, falls through to the full CLI, which reports it properly.
import { run as runList } from './commands/list.js';
import { checkShape, parseCatalogText, readText } from './catalog/read.js';
import type { Catalog } from './catalog/model.js';
import { createIo } from './ui/io.js';
import { catalogPath, connHome } from './paths.js';

/** `args` without the leading `list`; false when the full CLI must parse them. */
export async function tryList(args: string[]): Promise<boolean> {
  if (!args.every((a) => a === '--json')) return false;
  // Reading and printing are the whole command: a failure before any output is the full CLI's to report.
  const home = connHome();
  const path = catalogPath(home);
  let catalog: Catalog | 'deep';
  try {
    catalog = checkShape(path, parseCatalogText(path, readText(path)));
  } catch {
    return false;
  }
  if (catalog === 'deep') return false;
  const known = catalog;
  await runList({}, { io: createIo({ json: args.length > 0 }), catalog: { read: async () => known }, clock: () => new Date() });
  return true;
}
