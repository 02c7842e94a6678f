import { entrySettings } from './settings.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, nonEmptyList, withReferences, writableSpec } from './spec-parts.js';

/** `.kiro/settings/mcp.json`: `mcpServers`; `${VAR}` references; denied tools in the entry's `disabledTools`. */
export const kiro = jsonWriter({
  agent: 'kiro',
  file: '.kiro/settings/mcp.json',
  key: 'mcpServers',
  toolFilter: 'entry',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${${v}}`);
    const disabled = nonEmptyList('disabledTools', entry.deniedTools);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...entrySettings('kiro', entry, 'stdio'), ...disabled };
    return { url: spec.url, ...nonEmpty('headers', spec.headers), ...entrySettings('kiro', entry, 'remote'), ...disabled };
  },
});
