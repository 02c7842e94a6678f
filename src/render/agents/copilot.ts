import { jsonWriter } from './json-writer.js';
import { nonEmpty, remoteType, withReferences, writableSpec } from './spec-parts.js';

/**
 * GitHub Copilot CLI: the project's `.mcp.json` (it also reads `.github/mcp.json`), the same file and
 * layout as Claude Code: `mcpServers`, `type` stdio/http/sse, `${VAR}` references. Both agents can be
 * rendered into it: render keeps the entries the other agent's render owns (see render.ts).
 * Copilot's file has no deny list (its entry `tools` is an allow list, `*` by default), so tools are
 * not filtered here. Project servers load only in a folder listed in `trustedFolders` of
 * `~/.copilot/config.json`.
 * Source: https://docs.github.com/en/copilot/how-tos/copilot-cli/customize-copilot/add-mcp-servers
 */
export const copilot = jsonWriter({
  agent: 'copilot',
  file: '.mcp.json',
  key: 'mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${${v}}`);
    if (spec.kind === 'stdio') {
      return { type: 'stdio', command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    }
    return { type: remoteType(spec), url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  trustNote: 'Copilot CLI ignores project MCP servers outside trusted folders: add this repo to "trustedFolders" in ~/.copilot/config.json (or trust it when copilot asks)',
});
