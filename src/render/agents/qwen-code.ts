import { jsonWriter } from './json-writer.js';
import { nonEmpty, nonEmptyList, withReferences, writableSpec } from './spec-parts.js';

/**
 * Qwen Code (a Gemini CLI fork): `.qwen/settings.json`, `mcpServers` (every other setting kept);
 * Streamable HTTP as `httpUrl`, SSE as `url`; `${VAR}` references; denied tools in the entry's
 * `excludeTools`. Project servers must be approved (`qwen mcp approve`), bound to the expanded config.
 * Source: https://qwenlm.github.io/qwen-code-docs/en/users/features/mcp/
 */
export const qwenCode = jsonWriter({
  agent: 'qwen-code',
  file: '.qwen/settings.json',
  key: 'mcpServers',
  toolFilter: 'entry',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${${v}}`);
    const exclude = nonEmptyList('excludeTools', entry.deniedTools);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...exclude };
    const url = spec.transport === 'sse' ? { url: spec.url } : { httpUrl: spec.url };
    return { ...url, ...nonEmpty('headers', spec.headers), ...exclude };
  },
  trustNote: 'Qwen Code starts project MCP servers only once approved: run `qwen mcp approve --all` in this repo (again after a render changes them)',
});
