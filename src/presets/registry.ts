import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { makeRegistry, type PresetRegistry } from './registry-core.js';
import { PresetSchema, type Preset } from './schema.js';

export type { PresetRegistry } from './registry-core.js';

const MAX_PRESET_BYTES = 256 * 1024;

/** Built-in presets from presets/, then user presets from $CONN_HOME/presets/ (added or overriding). */
export function loadPresets(home: string): PresetRegistry {
  const builtins: Preset[] = [];
  const user: Preset[] = [];
  const warnings: string[] = [];
  for (const { preset } of readDir(join(packageRoot(), 'presets'), (msg) => {
    // A broken built-in preset is a bug in conn itself: fail loudly.
    throw new Error(msg);
  })) builtins.push(preset);
  for (const { preset } of readDir(join(home, 'presets'), (msg) => warnings.push(`${msg}; skipped`))) user.push(preset);
  return makeRegistry(builtins, user, warnings);
}

function* readDir(dir: string, onError: (message: string) => void): Generator<{ file: string; preset: Preset }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json') && n !== 'schema.json').sort();
  } catch {
    return;
  }
  for (const name of names) {
    const file = join(dir, name);
    const parsed = parsePresetFile(file);
    if ('error' in parsed) onError(parsed.error);
    else yield { file, preset: parsed.preset };
  }
}

export function parsePresetFile(file: string): { preset: Preset } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { error: `preset ${file}: ${(err as Error).message}` };
  }
  if (text.length > MAX_PRESET_BYTES) return { error: `preset ${file}: larger than ${MAX_PRESET_BYTES / 1024} KiB` };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { error: `preset ${file}: not valid JSON (${(err as Error).message})` };
  }
  const result = PresetSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return { error: `preset ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { preset: result.data };
}
