import { dollarRef, entrySettings } from './settings.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, nonEmptyList, remoteType, withReferences, writableSpec } from './spec-parts.js';

/**
 * `.gemini/settings.json`: `mcpServers` (every other setting kept); remote entries use `url` + `type`
 * (`httpUrl` is deprecated); `${VAR}` references (`${VAR:-default}` for an imported default); denied tools in the entry's `excludeTools`, or
 * `includeTools` when the assignment names the tools (`conn assign --tools`).
 */
export const gemini = jsonWriter({
  agent: 'gemini',
  file: '.gemini/settings.json',
  key: 'mcpServers',
  toolFilter: 'entry',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), dollarRef(entry));
    // An allow list where the assignment narrowed the tools (a tool the server adds later stays out);
    // an empty one would mean "all" to Gemini, so then every tool is excluded by name instead.
    const exclude = entry.allowedTools?.length ? { includeTools: entry.allowedTools } : nonEmptyList('excludeTools', entry.deniedTools);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...entrySettings('gemini', entry, 'stdio'), ...exclude };
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers), ...entrySettings('gemini', entry, 'remote'), ...exclude };
  },
});
