import { jsonWriter } from './json-writer.js';
import { nonEmpty, withoutReferences, writableSpec } from './spec-parts.js';

/**
 * JetBrains Junie: `.junie/mcp/mcp.json`, `mcpServers`; stdio `command`/`args`/`env`, remote
 * `url`/`headers`. Its docs describe no environment expansion, so `--secrets env` is refused. No
 * per-tool filter in the file.
 * Source: https://www.jetbrains.com/help/junie/model-context-protocol-mcp.html
 */
export const junie = jsonWriter({
  agent: 'junie',
  file: '.junie/mcp/mcp.json',
  key: 'mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withoutReferences(writableSpec(entry), 'junie', entry.name);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    return { url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  expandsEnv: false,
});
