import { jsonWriter } from './json-writer.js';
import { nonEmpty, withoutReferences, writableSpec } from './spec-parts.js';

/**
 * Zed: `.zed/settings.json`, `context_servers` (every other setting and comment kept); stdio
 * `command`/`args`/`env`, remote `url`/`headers`. Zed expands no environment reference in settings,
 * so `--secrets env` is refused. Tools are switched per agent profile, not per server: none filtered.
 * Source: https://zed.dev/docs/ai/mcp
 */
export const zed = jsonWriter({
  agent: 'zed',
  file: '.zed/settings.json',
  key: 'context_servers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withoutReferences(writableSpec(entry), 'zed', entry.name);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    return { url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  expandsEnv: false,
});
