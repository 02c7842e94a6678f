// Build step: validate every built-in preset with the schema and write them, defaults applied, to
// dist/presets.json, so the CLI loads them without zod. A broken built-in preset fails the build.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePresetFile } from '../src/presets/registry.js';

const dir = join(process.cwd(), 'presets');
const presets = readdirSync(dir)
  .filter((n) => n.endsWith('.json') && n !== 'schema.json')
  .sort()
  .map((n) => {
    const result = parsePresetFile(join(dir, n));
    if ('error' in result) throw new Error(result.error);
    return result.preset;
  });
writeFileSync(process.argv[2]!, JSON.stringify(presets));
