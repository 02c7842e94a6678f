import type { RenderedEntry } from './types.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, toolIdPart, withoutReferences, writableSpec } from './spec-parts.js';

/**
 * Kilo CLI (an opencode fork): `kilo.json`, `mcp` entries in opencode's older layout (`local` with a
 * command array and `environment`, or `remote` with `url`/`headers`); denied tools as top-level
 * `tools: {"<server>_<tool>": false}` as in opencode. Kilo expands no reference in a project file
 * (`{env:VAR}` makes it skip the file or drop the server), so `--secrets env` is refused.
 * Source: https://kilo.ai/docs/features/mcp/using-mcp-in-kilo-code (and opencode's config schema)
 */
export const kilo = jsonWriter({
  agent: 'kilo',
  file: 'kilo.json',
  key: 'mcp',
  toolFilter: 'top-level',
  entry(entry) {
    const spec = withoutReferences(writableSpec(entry), 'kilo', entry.name);
    if (spec.kind === 'stdio') {
      return { type: 'local', command: [spec.command, ...spec.args], ...nonEmpty('environment', spec.env) };
    }
    return { type: 'remote', url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  topLevelDeny: { key: 'tools', rules: kiloDenyRules, value: false },
  expandsEnv: false,
});

export function kiloDenyRules(entry: RenderedEntry): string[] {
  return entry.deniedTools.map((tool) => `${toolIdPart(entry.name)}_${toolIdPart(tool)}`);
}
