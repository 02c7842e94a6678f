// `conn serve --http`: the proxy as a Streamable HTTP endpoint, reached by the SDK's own HTTP client
// as an agent that only takes a URL would, and by plain fetch for what a client must be refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, type World } from '../helpers/world.js';
import { MEMORY, NODE, SERVE_FIXTURES, alive, pgrep, pollUntil, text } from './helpers.js';

let w: World;
const procs: ChildProcess[] = [];
const clients: Client[] = [];
beforeEach(() => {
  w = makeWorld();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGTERM');
  w.cleanup();
});

interface Running {
  proc: ChildProcess;
  url: string;
  token: string | null;
  stderr(): string;
  exited: Promise<number | null>;
}

/** `conn serve ARGS --http`, waiting for the {url, token} line that --json prints once it listens. */
async function serveHttp(args: string[], input?: string): Promise<Running> {
  const proc = spawn(NODE, [CONN_BIN, 'serve', ...args, '--http', '--json'], { env: w.env, cwd: w.tmp, stdio: ['pipe', 'pipe', 'pipe'] });
  procs.push(proc);
  let stderr = '';
  let stdout = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  proc.stdin!.end(input ?? '');
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    void exited.then((code) => reject(new Error(`conn serve exited (${code}): ${stderr}`)));
  });
  const { url, token } = JSON.parse(line) as { url: string; token: string | null };
  return { proc, url, token, stderr: () => stderr, exited };
}

async function connect(r: Running, token = r.token): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(r.url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {});
  const client = new Client({ name: 'test-agent', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function add(args: string[]): Promise<void> {
  const r = await w.conn(['add', ...args]);
  expect(r.code, r.stderr).toBe(0);
}

const addMemory = () => add(['custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`, '--', NODE, MEMORY]);

describe('conn serve --http', () => {
  it('serves the filtered tools at /mcp to an SDK client holding the token, refuses hidden ones, and prints url and token', async () => {
    await addMemory();
    const r = await serveHttp(['mem', '--permission', 'read']);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(r.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // stderr is another pipe: its lines may arrive after stdout's.
    expect(await pollUntil(() => r.stderr().includes(`token ${r.token}`), 5000), r.stderr()).toBe(true);
    expect(r.stderr()).toContain(`url ${r.url}`);
    expect(r.stderr()).toContain(`token ${r.token}`);
    const client = await connect(r);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['open_nodes', 'read_graph', 'search_nodes']);
    expect(client.getServerVersion()?.name).toBe('memory-server');
    expect(text(await client.callTool({ name: 'read_graph', arguments: {} }))).toContain('"entities": []');
    await expect(client.callTool({ name: 'create_entities', arguments: { entities: [] } })).rejects.toThrow('tool create_entities is not allowed at permission read');
    // Two clients at once, both numbering their requests from 0: each gets its own answers.
    const other = await connect(r);
    const [a, b] = await Promise.all([client.callTool({ name: 'search_nodes', arguments: { query: 'x' } }), other.listTools()]);
    expect(text(a)).toContain('"entities": []');
    expect(b.tools).toHaveLength(3);
    // The audit log records the start, with where it listens (never the token).
    const audit = readFileSync(join(w.home, 'audit.log'), 'utf8');
    expect(audit).toContain('"command":"serve"');
    expect(audit).toContain('"listen":"127.0.0.1:0"');
    expect(audit).not.toContain(r.token!);
  });

  it('answers 401 with WWW-Authenticate without the token, and refuses a foreign Host or Origin', async () => {
    await addMemory();
    const r = await serveHttp(['mem', '--permission', 'read']);
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
    const none = await fetch(r.url, { method: 'POST', headers, body: init });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const wrong = await fetch(r.url, { method: 'POST', headers: { ...headers, Authorization: 'Bearer nope' }, body: init });
    expect(wrong.status).toBe(401);
    await expect(connect(r, 'not-the-token')).rejects.toThrow();
    const auth = { ...headers, Authorization: `Bearer ${r.token}` };
    const ok = await fetch(r.url, { method: 'POST', headers: auth, body: init });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe('memory-server');
    // A page on another site (DNS rebinding: its name resolved to 127.0.0.1) is refused.
    const evilOrigin = await fetch(r.url, { method: 'POST', headers: { ...auth, Origin: 'http://evil.example' }, body: init });
    expect(evilOrigin.status).toBe(403);
    const port = new URL(r.url).port;
    const rebound = await rawStatus(port, 'evil.example:' + port, r.token!, init);
    expect(rebound).toBe(421);
    expect(await rawStatus(port, `localhost:${port}`, r.token!, init)).toBe(200);
  });

  it('forwards progress, resources, prompts and a re-filtered list_changed over HTTP', async () => {
    await add(['custom', '--name', 'chg', '--', NODE, join(SERVE_FIXTURES, 'changing-server.mjs')]);
    const r = await serveHttp(['chg', '--permission', 'read']);
    const client = await connect(r);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['grow']);
    expect((await client.readResource({ uri: 'note://one' })).contents[0]).toMatchObject({ text: 'hello from a resource' });
    expect((await client.getPrompt({ name: 'greet' })).messages[0]!.content).toMatchObject({ text: 'say hello' });
    await client.callTool({ name: 'grow', arguments: {} });
    expect(await pollUntil(() => changed > 0, 10_000)).toBe(true);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['grow', 'late_read']);
    await expect(client.callTool({ name: 'late_wipe', arguments: {} })).rejects.toThrow('not allowed at permission read');

    await add(['custom', '--name', 'slow', '--', NODE, join(SERVE_FIXTURES, 'slow-server.mjs')]);
    const s = await serveHttp(['slow', '--permission', 'read']);
    const slow = await connect(s);
    const progress: number[] = [];
    const controller = new AbortController();
    const call = slow.callTool({ name: 'wait', arguments: {} }, undefined, {
      signal: controller.signal,
      onprogress: (p) => {
        progress.push(p.progress);
        controller.abort('enough');
      },
    });
    await expect(call).rejects.toThrow();
    expect(progress).toEqual([1]);
    // The cancellation reached the server, under the id it knew the call by.
    let seen = '[]';
    for (let i = 0; i < 100 && seen === '[]'; i++) seen = text(await slow.callTool({ name: 'cancellations', arguments: {} }));
    expect(seen).toContain('enough');
  });

  it('stops the upstream process tree on SIGTERM', async () => {
    await addMemory();
    const r = await serveHttp(['mem', '--permission', 'read']);
    const client = await connect(r);
    expect((await client.listTools()).tools).toHaveLength(3);
    await clients.splice(0).pop()!.close();
    const [server] = pgrep(MEMORY);
    expect(server).toBeDefined();
    r.proc.kill('SIGTERM');
    await r.exited;
    expect(await pollUntil(() => !alive(server!), 10_000)).toBe(true);
  });

  it('takes the token from stdin; --no-token only on loopback, with a warning; a remote --listen needs --allow-remote', async () => {
    await addMemory();
    const token = 'a-token-of-my-own-0123456789';
    const r = await serveHttp(['mem', '--permission', 'read', '--token-stdin'], `${token}\n`);
    expect(r.token).toBeNull();
    expect(r.stderr()).not.toContain(token);
    expect((await (await connect(r, token)).listTools()).tools).toHaveLength(3);

    const open = await serveHttp(['mem', '--permission', 'read', '--no-token']);
    expect(await pollUntil(() => open.stderr().includes('warning: no token'), 5000), open.stderr()).toBe(true);
    expect((await (await connect(open, null)).listTools()).tools).toHaveLength(3);

    const remote = await w.conn(['serve', 'mem', '--permission', 'read', '--http', '--listen', '0.0.0.0:0']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('--allow-remote');
    const remoteOpen = await w.conn(['serve', 'mem', '--permission', 'read', '--http', '--listen', '0.0.0.0:0', '--allow-remote', '--no-token']);
    expect(remoteOpen.code).toBe(2);
    expect(remoteOpen.stderr).toContain('--no-token is accepted only on a loopback address');
    const stray = await w.conn(['serve', 'mem', '--permission', 'read', '--listen', '127.0.0.1:0']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--listen goes with --http');
  });
});

/** A POST with a Host header of our choosing (fetch will not let one set Host). */
async function rawStatus(port: string, host: string, token: string, body: string): Promise<number> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path: '/mcp', method: 'POST', headers: { Host: host, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}
