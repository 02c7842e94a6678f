import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the catalog lives: CONN_HOME, else the OS config dir for `conn` (what `conf` would pick). */
export function connHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CONN_HOME) return resolve(env.CONN_HOME);
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Preferences', 'conn');
  if (process.platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'conn', 'Config');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'conn');
}

export function catalogPath(home: string): string {
  return join(home, 'config.json');
}

let root: string | undefined;
/** The package root (holds presets/ and bin/), found from this file whether bundled in dist/ or run from src/. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'presets', 'schema.json')) || !existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('conn: cannot find its package root (presets/ missing)');
    dir = up;
  }
  return (root = dir);
}

/** The script an agent launches for `conn serve` (absolute, so PATH does not matter). */
export function connEntryScript(): string {
  return join(packageRoot(), 'bin', 'conn.js');
}
