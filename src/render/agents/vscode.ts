import { entrySettings } from './settings.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, remoteType, withReferences, writableSpec } from './spec-parts.js';

/**
 * `.vscode/mcp.json`: `servers` with `type` (the user's own `inputs` are kept); `${env:VAR}` references,
 * or with `--secrets prompt` `${input:ID}` and one `inputs` item per secret, which VS Code asks for
 * (hidden) when it starts the server and keeps in its own secret storage.
 */
export const vscode = jsonWriter({
  agent: 'vscode',
  file: '.vscode/mcp.json',
  key: 'servers',
  toolFilter: 'none',
  entry(entry) {
    const prompted = new Map((entry.prompts ?? []).map((p) => [p.envVar, p.id]));
    const spec = withReferences(writableSpec(entry), (v) => (prompted.has(v) ? `\${input:${prompted.get(v)}}` : `\${env:${v}}`));
    if (spec.kind === 'stdio') {
      return { type: 'stdio', command: spec.command, args: spec.args, ...nonEmpty('env', spec.env), ...entrySettings('vscode', entry, 'stdio') };
    }
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers), ...entrySettings('vscode', entry, 'remote') };
  },
  promptInputs: {
    key: 'inputs',
    item: (input) => ({ type: 'promptString', id: input.id, description: input.description, password: true }),
  },
});
