// The registry itself, free of zod: the fast paths build it from presets validated at build time.
import { UsageError } from '../errors.js';
import type { Preset } from './schema.js';

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

export function makeRegistry(builtins: Preset[], user: Preset[], warnings: string[]): PresetRegistry {
  const presets = new Map<string, Preset>();
  for (const p of builtins) presets.set(p.id, p);
  const builtinIds = new Set(presets.keys());
  for (const p of user) presets.set(p.id, p);
  return {
    get: (id) => (presets.has(id) ? presets.get(id) : undefined),
    require(id) {
      const preset = presets.get(id);
      if (!preset) throw new UsageError(`unknown preset: ${id}`, 'see `conn presets` for the list');
      return preset;
    },
    all: () => [...presets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    builtinIds,
    warnings,
  };
}
