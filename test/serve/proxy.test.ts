// `conn serve` in front of real stdio servers, launched by the SDK client exactly as an agent would.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, type World } from '../helpers/world.js';
import {
  FILESYSTEM, MEMORY, NODE, SERVER_FIXTURES, SERVE_FIXTURES, alive, cmdline, direct, pgrep, pollUntil, serve, text, toolNames, type Session,
} from './helpers.js';

const MEMORY_TOOLS = ['add_observations', 'create_entities', 'create_relations', 'delete_entities', 'delete_observations', 'delete_relations', 'open_nodes', 'read_graph', 'search_nodes'];

let w: World;
const sessions: Session[] = [];
beforeEach(() => {
  w = makeWorld();
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
  w.cleanup();
});

async function open(args: string[], opts?: Parameters<typeof serve>[2]): Promise<Session> {
  const s = await serve(w, args, opts);
  sessions.push(s);
  return s;
}

async function add(args: string[], input?: string): Promise<void> {
  const r = await w.conn(['add', ...args], input === undefined ? {} : { input });
  expect(r.code, r.stderr).toBe(0);
}

describe('conn serve filters tools by permission', () => {
  it('at read, hides the memory server’s write and delete tools and refuses calls to them', async () => {
    await add(['custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`, '--', NODE, MEMORY]);
    const s = await open(['mem', '--permission', 'read']);
    expect(await toolNames(s.client)).toEqual(['open_nodes', 'read_graph', 'search_nodes']);
    for (const name of ['delete_entities', 'create_entities']) {
      await expect(s.client.callTool({ name, arguments: { entityNames: ['x'], entities: [] } })).rejects.toThrow(
        `MCP error -32602: tool ${name} is not allowed at permission read`,
      );
    }
    expect(text(await s.client.callTool({ name: 'read_graph', arguments: {} }))).toContain('"entities": []');
    // The server's own name and version: conn is a filter, not another server.
    expect(s.client.getServerVersion()?.name).toBe('memory-server');
    expect(s.stderr()).toContain('refused tools/call delete_entities');
  });

  it('at readwrite, shows writes but not deletes; at full, shows every tool', async () => {
    await add(['custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`, '--', NODE, MEMORY]);
    const rw = await open(['mem', '--permission', 'readwrite']);
    expect(await toolNames(rw.client)).toEqual(['add_observations', 'create_entities', 'create_relations', 'open_nodes', 'read_graph', 'search_nodes']);
    const full = await open(['mem', '--permission', 'full']);
    expect(await toolNames(full.client)).toEqual(MEMORY_TOOLS);
  });

  it('at read, hides write_file, edit_file, move_file and create_directory of server-filesystem and refuses them', async () => {
    const dir = join(w.tmp, 'files');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'alpha\n');
    await add(['custom', '--name', 'files', '--', NODE, FILESYSTEM, dir]);
    const s = await open(['files', '--permission', 'read']);
    const names = await toolNames(s.client);
    for (const hidden of ['write_file', 'edit_file', 'move_file', 'create_directory']) expect(names).not.toContain(hidden);
    expect(names).toContain('read_text_file');
    await expect(s.client.callTool({ name: 'write_file', arguments: { path: join(dir, 'b.txt'), content: 'x' } })).rejects.toThrow(
      'tool write_file is not allowed at permission read',
    );
    // Refused without calling the server: nothing was written.
    expect(() => readFileSync(join(dir, 'b.txt'))).toThrow();
    // A call before any tools/list is checked too.
    const fresh = await open(['files', '--permission', 'read']);
    await expect(fresh.client.callTool({ name: 'move_file', arguments: { source: join(dir, 'a.txt'), destination: join(dir, 'c.txt') } })).rejects.toThrow(
      'tool move_file is not allowed at permission read',
    );
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('alpha\n');
  });

  it('answers allowed calls exactly as the server does when called directly', async () => {
    const dir = join(w.tmp, 'files');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'alpha\nbeta\n');
    await add(['custom', '--name', 'files', '--', NODE, FILESYSTEM, dir]);
    await add(['custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'via-serve.jsonl')}`, '--', NODE, MEMORY]);
    const files = await open(['files', '--permission', 'read']);
    const mem = await open(['mem', '--permission', 'readwrite']);
    const fsDirect = await direct(NODE, [FILESYSTEM, dir]);
    const memDirect = await direct(NODE, [MEMORY], { MEMORY_FILE_PATH: join(w.tmp, 'direct.jsonl') });
    try {
      for (const call of [
        { name: 'read_text_file', arguments: { path: join(dir, 'a.txt') } },
        { name: 'list_directory', arguments: { path: dir } },
        { name: 'get_file_info', arguments: { path: join(dir, 'a.txt') } },
      ]) {
        expect(await files.client.callTool(call)).toEqual(await fsDirect.client.callTool(call));
      }
      const entities = { entities: [{ name: 'conn', entityType: 'tool', observations: ['keeps secrets in the keychain'] }] };
      for (const call of [
        { name: 'create_entities', arguments: entities },
        { name: 'read_graph', arguments: {} },
        { name: 'search_nodes', arguments: { query: 'keychain' } },
      ]) {
        expect(await mem.client.callTool(call)).toEqual(await memDirect.client.callTool(call));
      }
      // tools/list, filtered, keeps the server's own definitions unchanged.
      const viaServe = (await files.client.listTools()).tools;
      const directTools = (await fsDirect.client.listTools()).tools;
      for (const tool of viaServe) expect(tool).toEqual(directTools.find((t) => t.name === tool.name));
    } finally {
      await fsDirect.close();
      await memDirect.close();
    }
  });

  it('passes tools/list_changed through and filters the new list; forwards resources and prompts', async () => {
    await add(['custom', '--name', 'changing', '--', NODE, join(SERVE_FIXTURES, 'changing-server.mjs')]);
    const s = await open(['changing', '--permission', 'read']);
    let changed = 0;
    s.client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changed++;
    });
    expect(await toolNames(s.client)).toEqual(['grow']);
    await s.client.callTool({ name: 'grow', arguments: {} });
    expect(await pollUntil(() => changed > 0, 5000)).toBe(true);
    expect(await toolNames(s.client)).toEqual(['grow', 'late_read']);
    expect(text(await s.client.callTool({ name: 'late_read', arguments: {} }))).toBe('late read');
    await expect(s.client.callTool({ name: 'late_wipe', arguments: {} })).rejects.toThrow('tool late_wipe is not allowed at permission read');

    expect((await s.client.listResources()).resources.map((r) => r.uri)).toEqual(['note://one']);
    expect(await s.client.readResource({ uri: 'note://one' })).toMatchObject({ contents: [{ text: 'hello from a resource' }] });
    expect((await s.client.listPrompts()).prompts.map((p) => p.name)).toEqual(['greet']);
    expect((await s.client.getPrompt({ name: 'greet' })).messages[0]?.content).toMatchObject({ text: 'say hello' });
  });

  it('takes the permission from the assignment for --repo and --agent, and the lower one with --permission too', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await add(['custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`, '--', NODE, MEMORY]);
    expect((await w.conn(['assign', 'mem', '--repo', 'github.com/acme/api', '--agent', 'claude-code', '--permission', 'readwrite'])).code).toBe(0);
    const assigned = await open(['mem', '--repo', repo, '--agent', 'claude-code']);
    expect(await toolNames(assigned.client)).not.toContain('delete_entities');
    expect(await toolNames(assigned.client)).toContain('create_entities');
    const lowered = await open(['mem', '--repo', repo, '--agent', 'claude-code', '--permission', 'full']);
    expect(await toolNames(lowered.client)).toContain('create_entities');
    expect(await toolNames(lowered.client)).not.toContain('delete_entities');
    const narrowed = await open(['mem', '--repo', repo, '--agent', 'claude-code', '--permission', 'read']);
    expect(await toolNames(narrowed.client)).toEqual(['open_nodes', 'read_graph', 'search_nodes']);
  });
});

describe('conn serve refuses to start, on stderr and with nothing on stdout', () => {
  it('for a disabled connection (exit 1)', async () => {
    await add(['custom', '--name', 'mem', '--disabled', '--', NODE, MEMORY]);
    const r = await w.conn(['serve', 'mem', '--permission', 'read']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('conn: connection mem is disabled (conn enable mem)');
  });

  it('for a removed connection (exit 1)', async () => {
    await add(['custom', '--name', 'mem', '--', NODE, MEMORY]);
    expect((await w.conn(['remove', 'mem', '--yes'])).code).toBe(0);
    const r = await w.conn(['serve', 'mem', '--repo', w.tmp, '--agent', 'claude-code']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^conn: connection mem does not exist/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('for a repo and agent the connection is not assigned to (exit 1)', async () => {
    const repo = w.gitRepo('api');
    await add(['custom', '--name', 'mem', '--', NODE, MEMORY]);
    expect((await w.conn(['assign', 'mem', '--agent', 'cursor'])).code).toBe(0);
    const r = await w.conn(['serve', 'mem', '--repo', repo, '--agent', 'claude-code']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('connection mem is not available to claude-code');
    expect(r.stderr).toContain('no matching assignment');
  });

  it('without --permission or --repo/--agent (exit 2), and for a server that cannot start (exit 1)', async () => {
    await add(['custom', '--name', 'broken', '--', NODE, join(SERVER_FIXTURES, 'crash.mjs')]);
    const usage = await w.conn(['serve', 'broken']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('needs --permission');
    const r = await w.conn(['serve', 'broken', '--permission', 'read']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('cannot start broken: the server exited with code 1');
  });
});

describe('conn serve with a secret Node refuses to pass on', () => {
  it('names the variable holding a NUL byte, never its value, and exits 1', async () => {
    const file = join(w.tmp, 'nul-secret');
    writeFileSync(file, 'canary-nul\u0000secret');
    await add(['custom', '--name', 'nul', '--secret', `API_KEY=file:${file}`, '--', NODE, MEMORY]);
    const r = await w.conn(['serve', 'nul', '--permission', 'read']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(`conn: cannot start nul: cannot start ${NODE}: the value of API_KEY contains a NUL byte (conn test nul)`);
    const test = await w.conn(['test', 'nul']);
    expect(test.code).toBe(1);
    expect(test.stdout).toContain('the value of API_KEY contains a NUL byte');
    for (const out of [r.stderr, test.stdout, test.stderr]) expect(out).not.toContain('canary');
  });
});

describe('conn serve leaves no process behind', () => {
  it('stops the server’s whole process tree and exits when the agent closes stdin', async () => {
    const pidFile = join(w.tmp, 'pids.json');
    await add(['custom', '--name', 'gc', '--', NODE, join(SERVER_FIXTURES, 'grandchild.mjs'), pidFile]);
    // Driven by hand so that only stdin closes: the SDK client would follow up with SIGTERM.
    const child = spawn(NODE, [CONN_BIN, 'serve', 'gc', '--permission', 'read'], { env: w.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.resume();
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`);
    expect(await pollUntil(() => out.includes('"id":1'), 15_000)).toBe(true);
    expect(out).toContain('"name":"grandchild"');
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as { wrapper: number; server: number };
    expect(alive(pids.wrapper) && alive(pids.server)).toBe(true);
    const started = Date.now();
    child.stdin.end();
    expect(await exited).toBe(0);
    const took = Date.now() - started;
    // Gone by the time serve exited (tiny-server ignores stdin EOF: it was killed, not left to finish).
    expect(alive(pids.wrapper)).toBe(false);
    expect(alive(pids.server)).toBe(false);
    console.log(`serve exit after stdin close, process tree gone: ${took} ms`);
  });

  it('stops the server when the SDK client disconnects, and when serve is sent SIGTERM', async () => {
    const dir = join(w.tmp, `unique-${process.pid}-${Date.now()}`);
    mkdirSync(dir);
    await add(['custom', '--name', 'files', '--', NODE, FILESYSTEM, dir]);
    const s = await open(['files', '--permission', 'read']);
    await s.client.listTools();
    const upstream = pgrep(dir).filter((p) => p !== s.pid && !cmdline(p).includes(' serve '));
    expect(upstream).toHaveLength(1);
    await s.close();
    expect(await pollUntil(() => pgrep(dir).length === 0, 5000)).toBe(true);
    expect(alive(s.pid)).toBe(false);

    const t = await open(['files', '--permission', 'read']);
    const server = pgrep(dir).filter((p) => p !== t.pid);
    expect(server).toHaveLength(1);
    process.kill(t.pid, 'SIGTERM');
    expect(await pollUntil(() => !alive(t.pid) && pgrep(dir).length === 0, 5000)).toBe(true);
  });
});

describe('conn serve when the real server dies', () => {
  it('fails the pending call, says why on stderr, and exits', async () => {
    await add(['custom', '--name', 'dying', '--', NODE, join(SERVE_FIXTURES, 'dying-server.mjs')]);
    const s = await open(['dying', '--permission', 'read']);
    let closed = false;
    s.client.onclose = () => (closed = true);
    await expect(s.client.callTool({ name: 'die', arguments: {} })).rejects.toThrow();
    expect(await pollUntil(() => closed && !alive(s.pid), 5000)).toBe(true);
    expect(s.stderr()).toContain('conn: dying: the server exited with code 3; its stderr ends with: fatal: out of luck');
  });
});

describe('conn serve and secrets', () => {
  beforeEach(() => requireKeychain());

  it('gives the server its secret from the keychain, and never has it in its own argv or output', async () => {
    const secret = `serve-secret-${Math.random().toString(36).slice(2)}`;
    await add(['custom', '--name', 'echo', '--secret-stdin', 'SECRET_TOKEN', '--', NODE, join(SERVER_FIXTURES, 'env-echo.mjs')], secret);
    const s = await open(['echo', '--permission', 'full']);
    const hash = createHash('sha256').update(secret).digest('hex');
    expect(s.client.getServerVersion()?.version).toBe(`1.0.0+${hash}`);
    expect(cmdline(s.pid)).not.toContain(secret);
    expect(cmdline(s.pid)).toContain('serve echo');
    const upstream = pgrep('env-echo.mjs').filter((p) => p !== s.pid);
    expect(upstream.length).toBeGreaterThan(0);
    for (const p of upstream) expect(cmdline(p)).not.toContain(secret);
    // The env tool's title lists the variable names the server got.
    const env = (await s.client.listTools()).tools.find((t) => t.name === 'env');
    expect(env?.title?.split(',')).toContain('SECRET_TOKEN');
    expect(s.stderr()).not.toContain(secret);
    expect(readFileSync(join(w.home, 'config.json'), 'utf8')).not.toContain(secret);
    const audit = readFileSync(join(w.home, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(audit.at(-1)).toMatchObject({ command: 'serve', connection: 'echo', permission: 'full', secrets: 'proxy' });
  });
});

describe('conn serve overhead', () => {
  it('measures 200 sequential tool calls through serve against the server directly', async () => {
    await add(['custom', '--name', 'tiny', '--', NODE, join(SERVER_FIXTURES, 'tiny-server.mjs')]);
    const s = await open(['tiny', '--permission', 'read']);
    const d = await direct(NODE, [join(SERVER_FIXTURES, 'tiny-server.mjs')]);
    try {
      const run = async (client: typeof s.client) => {
        const t0 = performance.now();
        for (let i = 0; i < 200; i++) await client.callTool({ name: 'echo', arguments: { text: `n${i}` } });
        return performance.now() - t0;
      };
      await run(d.client); // warm-up of both paths
      await run(s.client);
      const viaDirect = await run(d.client);
      const viaServe = await run(s.client);
      console.log(`200 sequential tools/call: direct ${viaDirect.toFixed(0)} ms, via conn serve ${viaServe.toFixed(0)} ms (+${((viaServe - viaDirect) / 200).toFixed(2)} ms/call)`);
      expect(viaServe).toBeLessThan(viaDirect + 200 * 10);
    } finally {
      await d.close();
    }
  });
});
