// The YAML files of a folder of one-server blocks (Continue's `.continue/mcpServers/`): what render
// checks for name clashes and what `conn import` reads.
import { readdirSync } from 'node:fs';

/** The regular `*.yaml`/`*.yml` files in `dir`, sorted; none when there is no such folder. */
export function blockFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
