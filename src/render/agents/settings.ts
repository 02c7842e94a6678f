// An entry's own settings (Connection.settings) in each agent's words. Denied tools are not here:
// `disabledTools` joins the entry's deniedTools, which every writer already expresses its own way.
import type { Agent } from '../../catalog/constants.js';
import type { RenderedEntry } from './types.js';

/** Which agents write each setting, and under which key: what `conn import` tells the user it keeps. */
export const SETTING_KEYS: Record<'cwd' | 'envFile' | 'timeout' | 'autoApprove' | 'oauth' | 'disabled', Partial<Record<Agent, string>>> = {
  cwd: { 'claude-code': 'cwd', cursor: 'cwd', vscode: 'cwd', gemini: 'cwd', codex: 'cwd', kiro: 'cwd' },
  envFile: { cursor: 'envFile', vscode: 'envFile' },
  timeout: { gemini: 'timeout', opencode: 'timeout', codex: 'tool_timeout_sec' },
  autoApprove: { kiro: 'autoApprove' },
  oauth: { opencode: 'oauth' },
  // The entry switched off: `disabled: true` where the key is `disabled`, `enabled: false` where it is `enabled`.
  disabled: { kiro: 'disabled', roo: 'disabled', crush: 'disabled', opencode: 'enabled', codex: 'enabled', goose: 'enabled' },
};

/**
 * Agents whose reference syntax takes a default, `${VAR:-default}`, so an imported default is written
 * back: Claude Code (its MCP docs, "Environment variable expansion in .mcp.json") and Gemini CLI
 * (`resolveEnvVarsInString` in @google/gemini-cli 0.61.0 reads `${VAR:-default}`). None of the others
 * has one: Qwen Code 0.24.4 reads `${VAR}` only (`${VAR:-x}` names a variable `VAR:-x`), Cursor,
 * VS Code and Roo take `${env:VAR}`, opencode `{env:VAR}`, Continue `${{ secrets.VAR }}`, and Codex
 * expands nothing. There the file names VAR alone, and `conn env` / `conn exec` set VAR to its default
 * when it is unset (render says so).
 */
export const DEFAULT_SYNTAX: readonly Agent[] = ['claude-code', 'gemini'];

/** `${VAR}`, or `${VAR:-default}` where the entry carries a default for VAR (DEFAULT_SYNTAX agents). */
export function dollarRef(entry: RenderedEntry): (envVar: string) => string {
  const defaults = entry.defaults ?? {};
  return (v) => (v in defaults ? `\${${v}:-${defaults[v]}}` : `\${${v}}`);
}

/** Whether `agent`'s file can hold an entry switched off (see EntrySettings.disabled). */
export function canDisable(agent: Agent): boolean {
  return SETTING_KEYS.disabled[agent] !== undefined;
}

/** The settings `agent` writes into a `kind` entry, keyed as that agent names them. */
export function entrySettings(agent: Agent, entry: RenderedEntry, kind: 'stdio' | 'remote'): Record<string, unknown> {
  const s = entry.settings;
  const out: Record<string, unknown> = {};
  if (!s) return out;
  const put = (setting: keyof typeof SETTING_KEYS, value: unknown) => {
    const key = SETTING_KEYS[setting][agent];
    if (key !== undefined && value !== undefined) out[key] = value;
  };
  if (kind === 'stdio') {
    put('cwd', s.cwd);
    put('envFile', s.envFile);
  }
  if (s.timeout !== undefined) put('timeout', agent === 'codex' ? Math.max(1, Math.ceil(s.timeout / 1000)) : s.timeout);
  if (s.autoApprove?.length) put('autoApprove', [...s.autoApprove]);
  if (kind === 'remote') put('oauth', s.oauth);
  if (s.disabled) put('disabled', SETTING_KEYS.disabled[agent] === 'enabled' ? false : true);
  return out;
}
