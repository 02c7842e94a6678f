import { jsonWriter } from './json-writer.js';
import { nonEmpty, nonEmptyList, remoteType, withReferences, writableSpec } from './spec-parts.js';

/**
 * Crush: `.crush.json`, `mcp` entries with `type` stdio/http/sse, `command`/`args`/`env` or
 * `url`/`headers`; values are shell-expanded, so `${VAR}` references work; denied tools in the
 * entry's `disabled_tools`.
 * Source: https://github.com/charmbracelet/crush#mcps
 */
export const crush = jsonWriter({
  agent: 'crush',
  file: '.crush.json',
  key: 'mcp',
  toolFilter: 'entry',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${${v}}`);
    const off = entry.settings?.disabled ? { disabled: true } : {};
    const disabled = nonEmptyList('disabled_tools', entry.deniedTools);
    if (spec.kind === 'stdio') return { type: 'stdio', command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...disabled, ...off };
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers), ...disabled, ...off };
  },
});
