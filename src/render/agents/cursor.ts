import { entrySettings } from './settings.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, withReferences, writableSpec } from './spec-parts.js';

/** `.cursor/mcp.json`: `mcpServers`; Cursor tells stdio from remote by `command`/`url`; `${env:VAR}` references. */
export const cursor = jsonWriter({
  agent: 'cursor',
  file: '.cursor/mcp.json',
  key: 'mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${env:${v}}`);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...entrySettings('cursor', entry, 'stdio') };
    return { url: spec.url, ...nonEmpty('headers', spec.headers), ...entrySettings('cursor', entry, 'remote') };
  },
});
