// Built-in presets as validated (defaults applied) by the build: dist/presets.json. Loading them
// needs no zod; only user presets, when there are any, go through the schema.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { makeRegistry, type PresetRegistry } from './registry-core.js';
import type { Preset } from './schema.js';

export async function openPresets(home: string): Promise<PresetRegistry> {
  let builtins: Preset[] | undefined;
  try {
    builtins = JSON.parse(readFileSync(join(packageRoot(), 'dist', 'presets.json'), 'utf8')) as Preset[];
  } catch {
    builtins = undefined; // running from source: validate presets/ at run time
  }
  const hasUser = (() => {
    try {
      return readdirSync(join(home, 'presets')).some((n) => n.endsWith('.json'));
    } catch {
      return false;
    }
  })();
  if (builtins && !hasUser) return makeRegistry(builtins, [], []);
  const { loadPresets } = await import('./registry.js');
  return loadPresets(home);
}
