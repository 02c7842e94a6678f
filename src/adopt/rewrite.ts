// `conn import --rewrite`: the imported entries leave the agent's project file (every other byte
// kept); the next `conn render` writes them back as conn-managed entries with secrets from conn.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Agent } from '../catalog/constants.js';
import { codex } from '../render/agents/codex.js';
import { continueWriter } from '../render/agents/continue.js';
import { goose } from '../render/agents/goose.js';
import { loadYaml } from '../render/agents/yaml-lib.js';
import { removeJson } from '../render/agents/jsonc-edit.js';
import { writeSafely } from '../render/write-safely.js';
import type { Source } from './sources.js';

/** The top-level key holding the servers, per JSON format. */
const SERVER_KEY: Partial<Record<Source, string>> = {
  'claude-code': 'mcpServers',
  cursor: 'mcpServers',
  vscode: 'servers',
  gemini: 'mcpServers',
  opencode: 'mcp',
  'qwen-code': 'mcpServers',
  amp: 'amp.mcpServers',
  kilo: 'mcp',
  zed: 'context_servers',
  crush: 'mcp',
  augment: 'mcpServers',
  junie: 'mcpServers',
  cline: 'mcpServers',
  windsurf: 'mcpServers',
};

/** The agent `conn render --agent` takes for a source (Claude Desktop has no project file). */
export function renderAgentFor(source: Source): Agent | undefined {
  return source === 'claude-desktop' ? undefined : source;
}

/** The text of `path` with the server entries `names` removed; the text itself when none is there. */
export function withoutEntries(text: string, source: Source, names: string[], path: string): string {
  if (source === 'codex') return codex.merge(text, [], names);
  if (source === 'continue') return continueWriter.merge(text, [], names);
  if (source === 'goose') return goose.merge(text, [], names);
  const key = SERVER_KEY[source];
  if (!key) return text;
  let out = text;
  for (const name of names) out = removeJson(out, [key, name], path);
  return out;
}

/** Removes the entries from the file on disk (atomic write, symlinks refused). True when it changed. */
export async function removeEntries(path: string, source: Source, names: string[]): Promise<boolean> {
  if (source === 'continue' || source === 'goose') await loadYaml();
  const text = readFileSync(path, 'utf8');
  const next = withoutEntries(text, source, names, path);
  if (next === text) return false;
  await writeSafely(dirname(path), basename(path), next);
  return true;
}
