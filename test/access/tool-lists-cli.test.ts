// Tool lists per assignment end to end: the real CLI, the real memory server recorded by `conn test`,
// each agent's own file, `conn explain`'s budget, `--max-tools`, team catalogs and `conn serve`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { MEMORY, NODE, serve, toolNames, type Session } from '../serve/helpers.js';

let w: World;
let repo: string;
const sessions: Session[] = [];
beforeEach(async () => {
  requireKeychain();
  w = makeWorld();
  repo = w.gitRepo('api');
  const add = await w.conn(['add', 'custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`, '--', NODE, MEMORY]);
  expect(add.code, add.stderr).toBe(0);
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
  w.cleanup();
});

async function ok(args: string[], input?: string) {
  const r = await w.conn(args, { cwd: repo, ...(input !== undefined ? { input } : {}) });
  expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

const json = (path: string) => JSON.parse(readFileSync(join(repo, path), 'utf8'));

describe('conn assign --tools/--deny-tools', () => {
  it('before conn test: stores the lists, says they cannot be checked yet, and writes only exact names', async () => {
    const r = await ok(['assign', 'mem', '--repo', '.', '--agent', 'gemini', '--permission', 'full', '--tools', 'read_graph', 'search_nodes']);
    expect(r.stderr).toContain('mem: the tool lists cannot be checked yet: run `conn test mem`');
    const listed = JSON.parse((await ok(['assignments', '--json'])).stdout);
    expect(listed[0].tools).toEqual(['read_graph', 'search_nodes']);
    const render = await ok(['render', '--agent', 'gemini']);
    expect(render.stderr).toContain('its tool lists cannot be checked yet');
    expect(json('.gemini/settings.json').mcpServers.mem.includeTools).toEqual(['read_graph', 'search_nodes']);
  });

  it('after conn test: renders an allow list for Gemini and Codex, deny rules for Claude Code, opencode and Kiro', async () => {
    await ok(['test', 'mem']);
    await ok(['assign', 'mem', '--repo', '.', '--permission', 'readwrite', '--tools', '*_nodes,read_*,create_*', '--deny-tools', 'create_relations']);
    // readwrite drops nothing here but deletes; the lists narrow to these four.
    const allowed = ['create_entities', 'open_nodes', 'read_graph', 'search_nodes'];
    const denied = ['add_observations', 'create_relations', 'delete_entities', 'delete_observations', 'delete_relations'];

    await ok(['render', '--agent', 'gemini']);
    const gemini = json('.gemini/settings.json').mcpServers.mem;
    expect([...gemini.includeTools].sort()).toEqual(allowed);
    expect(gemini.excludeTools).toBeUndefined();

    await ok(['render', '--agent', 'codex']);
    const codex = parseToml(readFileSync(join(repo, '.codex/config.toml'), 'utf8')) as { mcp_servers: Record<string, { enabled_tools?: string[]; disabled_tools?: string[] }> };
    expect([...codex.mcp_servers.mem!.enabled_tools!].sort()).toEqual(allowed);
    expect(codex.mcp_servers.mem!.disabled_tools).toBeUndefined();

    await ok(['render', '--agent', 'claude-code']);
    expect([...json('.claude/settings.local.json').permissions.deny].sort()).toEqual(denied.map((t) => `mcp__mem__${t}`));

    await ok(['render', '--agent', 'opencode']);
    const opencode = json('opencode.json');
    expect(Object.keys(opencode.tools).sort()).toEqual(denied.map((t) => `mem_${t}`));

    await ok(['render', '--agent', 'kiro']);
    expect([...json('.kiro/settings/mcp.json').mcpServers.mem.disabledTools].sort()).toEqual(denied);
  });

  it('warns about a glob that matches none of the recorded tools, at assign and at render', async () => {
    await ok(['test', 'mem']);
    const a = await ok(['assign', 'mem', '--repo', '.', '--permission', 'full', '--deny-tools', 'delete_*', 'drop_*']);
    expect(a.stderr).toContain('mem: drop_* matches none of its 9 recorded tools');
    const r = await ok(['render', '--agent', 'kiro']);
    expect(r.stderr).toContain('mem: drop_* matches none of its 9 recorded tools');
  });

  it('tells Cursor users that only --secrets proxy enforces a tool list', async () => {
    await ok(['test', 'mem']);
    await ok(['assign', 'mem', '--repo', '.', '--permission', 'full', '--tools', 'read_graph']);
    const r = await ok(['render', '--agent', 'cursor']);
    expect(r.stderr).toContain('mem: cursor cannot filter single tools; its tool list is enforced only with --secrets proxy');
  });

  it('are exported in a team catalog and come back with conn import --catalog', async () => {
    await ok(['assign', 'mem', '--agent', 'codex', '--permission', 'read', '--tools', 'read_*', '--deny-tools', 'read_secret']);
    const exported = await ok(['export', '--assignments']);
    const doc = JSON.parse(exported.stdout);
    expect(doc.assignments[0]).toMatchObject({ connection: 'mem', tools: ['read_*'], denyTools: ['read_secret'] });
    const other = makeWorld();
    try {
      const file = join(other.tmp, 'team.json');
      writeFileSync(file, exported.stdout);
      const imported = await other.conn(['import', '--catalog', file, '--yes']);
      expect(imported.code, imported.stderr).toBe(0);
      const listed = JSON.parse((await other.conn(['assignments', '--json'])).stdout);
      expect(listed[0]).toMatchObject({ connection: 'mem', permission: 'read', tools: ['read_*'], denyTools: ['read_secret'] });
    } finally {
      other.cleanup();
    }
  });
});

describe('tool budget', () => {
  it('conn explain counts the tools the agent gets and estimates their tokens, per connection and in total', async () => {
    await ok(['test', 'mem']);
    await ok(['assign', 'mem', '--repo', '.', '--agent', 'vscode', '--permission', 'read']);
    const out = JSON.parse((await ok(['explain', '--agent', 'vscode', '--json'])).stdout);
    const mem = out.connections.find((c: { connection: string }) => c.connection === 'mem');
    expect(mem).toMatchObject({ rendered: true, tools: 3, recorded: 9 });
    // The three read tools of server-memory, with descriptions and schemas: some hundreds of tokens.
    expect(mem.tokens).toBeGreaterThan(50);
    expect(out.total).toEqual({ tools: 3, tokens: mem.tokens, unknown: [], limit: 128 });
    const human = (await ok(['explain', '--agent', 'vscode'])).stdout;
    expect(human).toMatch(/mem\s+yes\s+read\s+3\/9\s+~\d+/);
    expect(human).toContain(`tools: 3, ~${mem.tokens} tokens of definitions (estimate: bytes/4)`);
  });

  it('conn explain names the connections it cannot count before conn test', async () => {
    const out = JSON.parse((await ok(['explain', '--json'])).stdout);
    expect(out.total).toMatchObject({ tools: 0, unknown: ['mem'] });
  });

  it('render --max-tools refuses above the limit and writes nothing; at or under it, writes', async () => {
    await ok(['test', 'mem']);
    const refused = await w.conn(['render', '--agent', 'gemini', '--max-tools', '8'], { cwd: repo });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('gemini would see 9 tools here, more than --max-tools 8; nothing written (most: mem 9)');
    expect(existsSync(join(repo, '.gemini/settings.json'))).toBe(false);
    const bad = await w.conn(['render', '--agent', 'gemini', '--max-tools', 'many'], { cwd: repo });
    expect(bad.code).toBe(2);
    await ok(['render', '--agent', 'gemini', '--max-tools', '9']);
    expect(json('.gemini/settings.json').mcpServers.mem).toBeDefined();
  });
});

describe('conn serve enforces tool lists', () => {
  it('hides tools outside the list from tools/list and refuses calls to them, naming the list', async () => {
    await ok(['test', 'mem']);
    await ok(['assign', 'mem', '--repo', '.', '--agent', 'cursor', '--permission', 'full', '--tools', '*_graph', 'search_*', '--deny-tools', 'search_nodes']);
    const s = await serve(w, ['mem', '--repo', repo, '--agent', 'cursor']);
    sessions.push(s);
    expect(await toolNames(s.client)).toEqual(['read_graph']);
    await expect(s.client.callTool({ name: 'search_nodes', arguments: { query: 'x' } })).rejects.toThrow(
      'tool search_nodes is not in this assignment\'s tool list (tools *_graph, search_* · deny search_nodes)',
    );
    const result = await s.client.callTool({ name: 'read_graph', arguments: {} });
    expect(JSON.stringify(result)).toContain('entities');
  });
});
