// Agents whose only MCP config is the user's (no project file): `file` is relative to the user's
// home directory, and `conn render --agent <id> --scope user` writes it (see USER_LEVEL_AGENTS).
import { UnsupportedEntryError } from './errors.js';
import { jsonWriter } from './json-writer.js';
import { nonEmpty, withoutReferences, withReferences, writableSpec } from './spec-parts.js';

/** Where an app keeps its settings under the home directory, per platform (Windows: under AppData\Roaming). */
function appSupport(): string {
  if (process.platform === 'darwin') return 'Library/Application Support';
  if (process.platform === 'win32') return 'AppData/Roaming';
  return '.config';
}

/**
 * Claude Desktop: `claude_desktop_config.json`, `mcpServers` of stdio servers only (remote servers
 * are added in its Connectors screen, so a remote connection needs `--secrets proxy`, which bridges it
 * over stdio). No environment expansion. No per-tool filter in the file.
 * Source: https://modelcontextprotocol.io/quickstart/user
 */
export const claudeDesktop = jsonWriter({
  agent: 'claude-desktop',
  file: `${appSupport()}/Claude/claude_desktop_config.json`,
  key: 'mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withoutReferences(writableSpec(entry), 'claude-desktop', entry.name);
    if (spec.kind !== 'stdio') {
      throw new UnsupportedEntryError(`claude-desktop reads only stdio servers from its config file (${entry.name} is remote)`, 'render claude-desktop with --secrets proxy: conn serve bridges it over stdio');
    }
    return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
  },
  expandsEnv: false,
  scope: 'user',
  trustNote: 'Claude Desktop reads its config at start: restart it to load the servers',
});

/**
 * Cline (VS Code extension): `cline_mcp_settings.json` in its global storage, `mcpServers`; stdio
 * `command`/`args`/`env`, remote with `type` `streamableHttp` or `sse`, `url`, `headers` (a bare `url`
 * would be taken as SSE). No environment expansion. No per-tool deny list (`autoApprove` is the opposite).
 * Source: https://docs.cline.bot/mcp/configuring-mcp-servers
 */
export const cline = jsonWriter({
  agent: 'cline',
  file: `${appSupport()}/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`,
  key: 'mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withoutReferences(writableSpec(entry), 'cline', entry.name);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    return { type: spec.transport === 'sse' ? 'sse' : 'streamableHttp', url: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  expandsEnv: false,
  scope: 'user',
});

/**
 * Windsurf: `~/.codeium/windsurf/mcp_config.json`, `mcpServers`; stdio `command`/`args`/`env`,
 * remote `serverUrl`/`headers`; `${env:VAR}` references (command, args, env, serverUrl, headers).
 * Tools are switched in its UI, not in the file: none filtered.
 * Source: https://docs.windsurf.com/windsurf/cascade/mcp
 */
export const windsurf = jsonWriter({
  agent: 'windsurf',
  file: '.codeium/windsurf/mcp_config.json',
  key: 'mcpServers',
  toolFilter: 'none',
  entry(entry) {
    const spec = withReferences(writableSpec(entry), (v) => `\${env:${v}}`);
    if (spec.kind === 'stdio') return { command: spec.command, args: spec.args, ...nonEmpty('env', spec.env) };
    return { serverUrl: spec.url, ...nonEmpty('headers', spec.headers) };
  },
  scope: 'user',
});
