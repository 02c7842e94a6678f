import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { PresetSchema, type Preset } from './schema.js';

export interface PresetRegistry {
  get(id: string): Preset | undefined;
  /** The preset, or a UsageError naming the unknown id. */
  require(id: string): Preset;
  all(): Preset[];
  /** Ids of the presets shipped with conn (user presets may override their content, not this list). */
  builtinIds: ReadonlySet<string>;
  /** One line per user preset that was skipped because it is broken. */
  warnings: string[];
}

const MAX_PRESET_BYTES = 256 * 1024;

/** Built-in presets from presets/, then user presets from $CONN_HOME/presets/ (added or overriding). */
export function loadPresets(home: string): PresetRegistry {
  const presets = new Map<string, Preset>();
  const warnings: string[] = [];
  for (const { file, preset } of readDir(join(packageRoot(), 'presets'), (msg) => {
    // A broken built-in preset is a bug in conn itself: fail loudly.
    throw new Error(msg);
  })) {
    void file;
    presets.set(preset.id, preset);
  }
  const builtinIds = new Set(presets.keys());
  for (const { preset } of readDir(join(home, 'presets'), (msg) => warnings.push(`${msg}; skipped`))) {
    presets.set(preset.id, preset);
  }
  return {
    get: (id) => presets.get(id),
    require(id) {
      const preset = presets.get(id);
      if (!preset) throw new UsageError(`unknown preset: ${id}`, 'see `conn presets` for the list');
      return preset;
    },
    all: () => [...presets.values()].sort((a, b) => a.id.localeCompare(b.id)),
    builtinIds,
    warnings,
  };
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
