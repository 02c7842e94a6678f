// `conn import --rewrite`: the imported entries leave the agent's project file (every other byte
// kept); the next `conn render` writes them back as conn-managed entries with secrets from conn.
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AGENTS, type Agent } from '../catalog/constants.js';
import { codex } from '../render/agents/codex.js';
import { writerFor } from '../render/agents/index.js';
import { findNodeAtLocation } from 'jsonc-parser';
import { parseJsonObject, removeJson } from '../render/agents/jsonc-edit.js';
import { continueWriter } from '../render/agents/continue.js';
import { goose } from '../render/agents/goose.js';
import { loadYaml } from '../render/agents/yaml-lib.js';
import { removeSafely, writeSafely } from '../render/write-safely.js';
import { projectPlace, type Source } from './sources.js';

/** The top-level key holding the servers: the writer's own (import refuses --rewrite where conn has no writer). */
function serversKey(source: Source): string | undefined {
  const agent = renderAgentFor(source);
  return agent && writerFor(agent).serversKey;
}

/** The agent `conn render --agent` takes for a source; undefined when conn has no writer for it (Amazon Q, a plain mcp.json). */
export function renderAgentFor(source: Source): Agent | undefined {
  return (AGENTS as readonly string[]).includes(source) ? (source as Agent) : undefined;
}

/**
 * The text of `path` with the server entries `names` removed, and (VS Code) the `inputs` items with
 * the ids in `inputs` that no entry left in the file still uses; the text itself when none is there.
 */
export function withoutEntries(text: string, source: Source, names: string[], path: string, inputs: string[] = []): string {
  if (source === 'codex') return codex.merge(text, [], names);
  if (source === 'continue') return continueWriter.merge(text, [], names);
  if (source === 'goose') return goose.merge(text, [], names);
  const key = serversKey(source);
  if (!key) return text;
  let out = text;
  for (const name of names) out = removeJson(out, [key, name], path);
  if (source === 'vscode') {
    for (const id of new Set(inputs)) {
      const root = parseJsonObject(out, path);
      const servers = root && findNodeAtLocation(root, [key]);
      if (servers && out.slice(servers.offset, servers.offset + servers.length).includes(`\${input:${id}}`)) continue;
      const items = root && findNodeAtLocation(root, ['inputs']);
      const index = items?.type === 'array' ? (items.children ?? []).findIndex((n) => n.type === 'object' && findNodeAtLocation(n, ['id'])?.value === id) : -1;
      if (index >= 0) out = removeJson(out, ['inputs', index], path);
    }
  }
  return out;
}

/** Removes the entries from the file on disk (atomic write, symlinks refused). True when it changed. */
export async function removeEntries(path: string, source: Source, names: string[], inputs: string[] = []): Promise<boolean> {
  if (source === 'continue' || source === 'goose') await loadYaml();
  const text = readFileSync(path, 'utf8');
  const next = withoutEntries(text, source, names, path, inputs);
  if (next === text) return false;
  const { root, rel } = projectPlace(path, source);
  // A Continue block holds one server: emptied, it is no block any more (Continue would reject it),
  // so it goes; one with the user's comments or other keys stays.
  if (source === 'continue' && continueWriter.isEmpty!(next)) await removeSafely(root, rel);
  else await writeSafely(root, rel, next);
  return true;
}
