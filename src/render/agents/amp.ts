import { jsonWriter } from './json-writer.js';
import { nonEmpty, withReferences, writableSpec } from './spec-parts.js';

/**
 * Amp: `.amp/settings.json`, the `"amp.mcpServers"` key (a dotted key, not a path; every other
 * setting kept); stdio `command`/`args`/`env`, remote `url`/`headers`; only `${VAR}` expands.
 * Amp's `amp.tools.disable` names tools without their server, so conn filters no single tool here
 * (use --secrets proxy). Workspace servers must be approved: `amp mcp approve <name>`.
 * Source: https://ampcode.com/manual#mcp
 */
export const amp = jsonWriter({
  agent: 'amp',
  file: '.amp/settings.json',
  key: 'amp.mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${${v}}`);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    return { url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  trustNote: 'Amp runs workspace MCP servers only once approved: run `amp mcp approve <name>` for each server in this repo',
});
