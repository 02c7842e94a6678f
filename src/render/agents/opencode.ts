import type { RenderedEntry } from './types.js';
import { entrySettings } from './settings.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, toolIdPart, withReferences, writableSpec } from './spec-parts.js';

/**
 * `opencode.json`: `mcp` entries (`local` with a command array and `environment`, or `remote`);
 * `{env:VAR}` references; denied tools as top-level `tools: {"<server>_<tool>": false}` — opencode
 * names an MCP tool `<server>_<tool>`, each part with characters outside [a-zA-Z0-9_-] turned into `_`.
 */
export const opencode = jsonWriter({
  agent: 'opencode',
  file: 'opencode.json',
  key: 'mcp',
  toolFilter: 'top-level',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `{env:${v}}`);
    if (spec.kind === 'stdio') {
      return { type: 'local', command: [spec.command, ...spec.args], ...nonEmpty('environment', spec.env), ...entrySettings('opencode', entry, 'stdio') };
    }
    return { type: 'remote', url: spec.url, ...nonEmpty('headers', spec.headers), ...entrySettings('opencode', entry, 'remote') };
  },
  topLevelDeny: { key: 'tools', rules: opencodeDenyRules, value: false },
});

export function opencodeDenyRules(entry: RenderedEntry): string[] {
  return entry.deniedTools.map((tool) => `${toolIdPart(entry.name)}_${toolIdPart(tool)}`);
}
