import { jsonWriter } from './json-writer.js';
import { nonEmpty, remoteType, withReferences, writableSpec } from './spec-parts.js';

/** `.vscode/mcp.json`: `servers` with `type` (the file's `inputs` are kept); `${env:VAR}` references. */
export const vscode = jsonWriter({
  agent: 'vscode',
  file: '.vscode/mcp.json',
  key: 'servers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${env:${v}}`);
    if (spec.kind === 'stdio') {
      return { type: 'stdio', command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    }
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
});
