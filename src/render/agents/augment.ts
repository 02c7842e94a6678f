import { jsonWriter } from './json-writer.js';
import { nonEmpty, remoteType, withoutReferences, writableSpec } from './spec-parts.js';

/**
 * Augment (Auggie CLI): `.augment/settings.json`, `mcpServers` (other settings kept); stdio
 * `command`/`args`/`env`, remote `type` http/sse with `url`/`headers`. Its docs describe no
 * environment expansion, so `--secrets env` is refused. No per-tool filter in the file.
 * Source: https://docs.augmentcode.com/cli/integrations
 */
export const augment = jsonWriter({
  agent: 'augment',
  file: '.augment/settings.json',
  key: 'mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withoutReferences(writableSpec(entry), 'augment', entry.name);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  expandsEnv: false,
});
