// The render's inputs besides the files it reads: compared as text by the no-change fast path.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };

export interface StampInputs {
  home: string;
  root: string;
  remote?: string;
  agent: string;
  secrets: string;
}

/**
 * Which files the writers write, raised when that changes within a version (2: Continue's one block
 * per server instead of one file), so the shell hook renders again once after an upgrade.
 */
const LAYOUT = 2;

/** Everything a render depends on besides the catalog and the files: version, layout, node, repo, agent, mode, user presets. */
export function inputsText(inputs: StampInputs): string {
  return JSON.stringify([pkg.version, LAYOUT, process.execPath, inputs.root, inputs.remote ?? '', inputs.agent, inputs.secrets, userPresetsStamp(inputs.home)]);
}

/** Names, sizes and mtimes of the user presets: editing one changes the inputs. */
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

