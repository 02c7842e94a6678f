// Shared pieces of the `conn render` CLI tests: connections that need no network, the entries conn
// is expected to write for them, and small readers for what ended up on disk.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CONN_BIN, ROOT, type RunResult, type World } from '../../helpers/world.js';

/** The reference memory server, run from this repo's node_modules: starts offline in ~0.3 s. */
export const MEM_SERVER = join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');

export const NOTION_TOKEN = 'ntn_render_canary_4d81e0';
export const API_TOKEN = 'api_render_canary_93bc77';

/** `.mcp.json` entries (Claude Code always gets a `type`). */
export const claude = {
  custom: { type: 'stdio', command: 'node', args: [MEM_SERVER] },
  memory: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
  notion: (token: string) => ({ type: 'stdio', command: 'npx', args: ['-y', '@notionhq/notion-mcp-server'], env: { NOTION_TOKEN: token } }),
  api: (authorization: string) => ({ type: 'http', url: 'https://example.com/mcp', headers: { Authorization: authorization } }),
  /** A `conn serve` entry; `env` names the catalog and keychain (agents may start servers with a bare environment). */
  proxy: (name: string, root: string, env: Record<string, string>, agent = 'claude-code') => ({
    type: 'stdio',
    command: process.execPath,
    args: [CONN_BIN, 'serve', name, '--repo', root, '--agent', agent],
    env,
  }),
};

/** `.cursor/mcp.json` entries (no `type` for stdio). */
export const cursor = {
  custom: { command: 'node', args: [MEM_SERVER] },
  notion: (token: string) => ({ command: 'npx', args: ['-y', '@notionhq/notion-mcp-server'], env: { NOTION_TOKEN: token } }),
};

/** Runs conn and fails the test with its stderr when the exit code is not the expected one. */
export async function ok(w: World, args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}, code = 0): Promise<RunResult> {
  const r = await w.conn(args, opts);
  expect(r.code, `conn ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  return r;
}

export function addCustom(w: World, name: string): Promise<RunResult> {
  return ok(w, ['add', 'custom', '--name', name, '--', 'node', MEM_SERVER]);
}

export function addNotion(w: World, token = NOTION_TOKEN, name?: string): Promise<RunResult> {
  return ok(w, ['add', 'notion', ...(name ? ['--name', name] : []), '--secret-stdin', 'NOTION_TOKEN'], { input: token });
}

export function addApi(w: World, token = API_TOKEN): Promise<RunResult> {
  return ok(w, ['add', 'remote', '--name', 'api', '--set', 'url=https://example.com/mcp', '--secret-stdin', 'token'], { input: token });
}

/** Adds an assignment and returns its id. */
export async function assign(w: World, name: string, flags: string[], cwd?: string): Promise<string> {
  const r = await ok(w, ['assign', name, ...flags, '--json'], { cwd });
  return (JSON.parse(r.stdout) as { id: string }).id;
}

export function render(w: World, repo: string, flags: string[] = [], code = 0): Promise<RunResult> {
  return ok(w, ['render', '--repo', repo, ...flags], {}, code);
}

/** The parsed agent file, or undefined when there is none. */
export function readJson(path: string): unknown {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

export const mcpJson = (repo: string): unknown => readJson(join(repo, '.mcp.json'));

/** The `mcpServers` of `.mcp.json`, `{}` when conn left no file. */
export function servers(repo: string, file = '.mcp.json'): Record<string, unknown> {
  const parsed = readJson(join(repo, file)) as { mcpServers?: Record<string, unknown> } | undefined;
  return parsed?.mcpServers ?? {};
}

/** Bytes and mtime: what "untouched" means. */
export function snapshot(path: string): { text: string; mtimeMs: number; mode: number } {
  const st = statSync(path);
  return { text: readFileSync(path, 'utf8'), mtimeMs: st.mtimeMs, mode: st.mode & 0o777 };
}

export interface ExplainDecision {
  connection: string;
  rendered: boolean;
  permission?: string;
  reason: string;
  assignment?: string;
}

export async function explain(w: World, repo: string, agent = 'claude-code'): Promise<Record<string, ExplainDecision>> {
  const r = await ok(w, ['explain', '--repo', repo, '--agent', agent, '--json']);
  const parsed = JSON.parse(r.stdout) as { connections: ExplainDecision[] };
  return Object.fromEntries(parsed.connections.map((d) => [d.connection, d]));
}

/** Claude Code deny rules conn wrote into `.claude/settings.local.json` ([] when there is no file). */
export function denyRules(repo: string): string[] {
  const parsed = readJson(join(repo, '.claude/settings.local.json')) as { permissions?: { deny?: string[] } } | undefined;
  return parsed?.permissions?.deny ?? [];
}

/** server-memory's tools by class, as `conn test` records them from the server's annotations. */
export const MEM_TOOLS = {
  read: ['read_graph', 'search_nodes', 'open_nodes'],
  write: ['create_entities', 'create_relations', 'add_observations'],
  destructive: ['delete_entities', 'delete_observations', 'delete_relations'],
};

export const deny = (name: string, tools: string[]): string[] => tools.map((t) => `mcp__${name}__${t}`).sort();
