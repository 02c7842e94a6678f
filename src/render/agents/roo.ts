import { jsonWriter } from './json-writer.js';
import { nonEmpty, nonEmptyList, withReferences, writableSpec } from './spec-parts.js';

/**
 * Roo Code: `.roo/mcp.json`, `mcpServers`; stdio `command`/`args`/`env`, remote with `type`
 * `streamable-http` or `sse`, `url`, `headers`; `${env:VAR}` references; denied tools in the
 * entry's `disabledTools`.
 * Source: https://docs.roocode.com/features/mcp/using-mcp-in-roo
 */
export const roo = jsonWriter({
  agent: 'roo',
  file: '.roo/mcp.json',
  key: 'mcpServers',
  toolFilter: 'entry',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${env:${v}}`);
    const off = entry.settings?.disabled ? { disabled: true } : {};
    const disabled = nonEmptyList('disabledTools', entry.deniedTools);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...disabled, ...off };
    return { type: spec.transport === 'sse' ? 'sse' : 'streamable-http', url: spec.url, ...nonEmpty('headers', spec.headers), ...disabled, ...off };
  },
});
