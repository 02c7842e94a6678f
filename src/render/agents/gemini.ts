import { entrySettings } from './settings.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, nonEmptyList, remoteType, withReferences, writableSpec } from './spec-parts.js';

/**
 * `.gemini/settings.json`: `mcpServers` (every other setting kept); remote entries use `url` + `type`
 * (`httpUrl` is deprecated); `${VAR}` references; denied tools in the entry's `excludeTools`.
 */
export const gemini = jsonWriter({
  agent: 'gemini',
  file: '.gemini/settings.json',
  key: 'mcpServers',
  toolFilter: 'entry',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${${v}}`);
    const exclude = nonEmptyList('excludeTools', entry.deniedTools);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...entrySettings('gemini', entry, 'stdio'), ...exclude };
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers), ...entrySettings('gemini', entry, 'remote'), ...exclude };
  },
});
