// The inputs stamp for the no-change fast path: everything a render depends on that conn can see
// without loading the catalog schema, the presets or the keychain.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogPath } from '../paths.js';
import { sha256, type SecretsMode } from './state.js';
import pkg from '../../package.json' with { type: 'json' };

export interface StampInputs {
  home: string;
  root: string;
  remote?: string;
  agent: string;
  secrets: SecretsMode;
}

export function inputsStamp(inputs: StampInputs): string {
  let catalog = '';
  try {
    catalog = readFileSync(catalogPath(inputs.home), 'utf8');
  } catch {
    /* no catalog yet: the empty string stands for it */
  }
  return sha256(
    JSON.stringify([pkg.version, process.execPath, inputs.root, inputs.remote ?? '', inputs.agent, inputs.secrets, sha256(catalog), userPresetsStamp(inputs.home)]),
  );
}

/** Names, sizes and mtimes of the user presets: editing one changes the stamp. */
function userPresetsStamp(home: string): string {
  const dir = join(home, 'presets');
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return '';
  }
  return names
    .map((n) => {
      const st = statSync(join(dir, n), { throwIfNoEntry: false });
      return `${n}:${st?.size}:${st?.mtimeMs}`;
    })
    .join('|');
}

/** sha256 of a file's content, or null when it does not exist. */
export function fileHash(path: string): string | null {
  try {
    return sha256(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
