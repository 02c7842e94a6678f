// conn serve between protocol eras: agents of both majors of the SDK (v1: the 2025 era, initialize;
// v2 pinned to 2026-07-28: server/discover and the _meta envelope) in front of a 2025 server
// (server-memory) and of a server that speaks only 2026-07-28 (a v2 SDK fixture, legacy: 'reject').
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport as ModernHttp } from '@modelcontextprotocol/client';
import { StdioClientTransport as ModernStdio } from '@modelcontextprotocol/client/stdio';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, ROOT, makeWorld, type World } from '../helpers/world.js';
import { MEMORY, NODE, SERVER_FIXTURES, SERVE_FIXTURES, pollUntil, serve, text, type Session } from './helpers.js';

const MODERN = join(SERVER_FIXTURES, 'modern-bridge.mjs');
const EXTRAS = join(SERVER_FIXTURES, 'bridge-extras.mjs');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

let w: World;
const closers: (() => Promise<unknown>)[] = [];
const procs: ChildProcess[] = [];
beforeEach(() => {
  w = makeWorld();
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => undefined)));
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGTERM');
  w.cleanup();
});

async function add(name: string, ...command: string[]): Promise<void> {
  const extra = name === 'mem' ? ['--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`] : [];
  const r = await w.conn(['add', 'custom', '--name', name, ...extra, '--', NODE, ...command]);
  expect(r.code, r.stderr).toBe(0);
}

async function agent2025(args: string[]): Promise<Session> {
  const s = await serve(w, args);
  closers.push(() => s.close());
  return s;
}

/** A 2026-07-28 agent: the v2 SDK client pinned to that revision, launching conn serve over stdio. */
async function agent2026(args: string[], setup: { capabilities?: object; ready?: (client: ModernClient) => void } = {}): Promise<ModernClient> {
  const transport = new ModernStdio({ command: NODE, args: [CONN_BIN, 'serve', ...args], env: w.env, cwd: w.tmp, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const client = new ModernClient(
    { name: 'modern-agent', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } }, ...(setup.capabilities ? { capabilities: setup.capabilities } : {}) } as never,
  );
  setup.ready?.(client);
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`${(err as Error).message}; conn serve stderr: ${stderr}`);
  }
  closers.push(() => client.close());
  return client;
}

const names = (tools: { name: string }[]) => tools.map((t) => t.name).sort();

describe('a 2025 agent in front of a server of 2026-07-28 only', () => {
  it('over stdio: lists the filtered tools, calls, refuses, reads the resource and gets the prompt', async () => {
    await add('modern', MODERN);
    const s = await agent2025(['modern', '--permission', 'read']);
    expect(s.client.getServerVersion()?.name).toBe('modern-fixture');
    expect(names((await s.client.listTools()).tools)).toEqual(['ask', 'grow', 'look']);
    expect(text(await s.client.callTool({ name: 'look', arguments: {} }))).toBe('looked');
    await expect(s.client.callTool({ name: 'wipe', arguments: {} })).rejects.toThrow('tool wipe is not allowed at permission read');
    expect((await s.client.readResource({ uri: 'note://one' })).contents[0]).toMatchObject({ text: 'hello from a modern resource' });
    expect((await s.client.getPrompt({ name: 'greet' })).messages[0]!.content).toMatchObject({ text: 'say hello' });
  });

  it('gets the server’s list_changed (from its subscriptions/listen stream) and the list re-filtered', async () => {
    await add('modern', MODERN);
    const s = await agent2025(['modern', '--permission', 'read']);
    let changed = 0;
    s.client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    expect(names((await s.client.listTools()).tools)).toEqual(['ask', 'grow', 'look']);
    expect(text(await s.client.callTool({ name: 'grow', arguments: {} }))).toBe('grown');
    expect(await pollUntil(() => changed > 0, 10_000)).toBe(true);
    expect(names((await s.client.listTools()).tools)).toEqual(['ask', 'grow', 'late_read', 'look']);
    expect(text(await s.client.callTool({ name: 'late_read', arguments: {} }))).toBe('late read');
    await expect(s.client.callTool({ name: 'late_wipe', arguments: {} })).rejects.toThrow('tool late_wipe is not allowed at permission read');
  });

  it('turns the server’s input_required into an elicitation request to the agent, and retries with its answer', async () => {
    await add('modern', MODERN);
    const transport = new StdioClientTransport({ command: NODE, args: [CONN_BIN, 'serve', 'modern', '--permission', 'read'], env: w.env, cwd: w.tmp, stderr: 'pipe' });
    transport.stderr?.on('data', () => undefined);
    const client = new Client({ name: 'eliciting-agent', version: '1' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { name: 'Ada' } };
    });
    await client.connect(transport);
    closers.push(() => client.close());
    expect(text(await client.callTool({ name: 'ask', arguments: {} }))).toBe('hello Ada');
    expect(asked).toEqual(['Who are you?']);
    // An agent without elicitation: declined on its behalf, and the server carries on.
    const plain = await agent2025(['modern', '--permission', 'read']);
    expect(text(await plain.client.callTool({ name: 'ask', arguments: {} }))).toBe('no answer (decline)');
  });

  it('over conn serve --http', async () => {
    await add('modern', MODERN);
    const proc = spawn(NODE, [CONN_BIN, 'serve', 'modern', '--permission', 'full', '--http', '--json'], { env: w.env, cwd: w.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(proc);
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      proc.once('exit', (code) => reject(new Error(`conn serve exited ${code}`)));
    });
    const { url, token } = JSON.parse(line) as { url: string; token: string };
    const client = new Client({ name: 'agent', version: '1' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    closers.push(() => client.close());
    expect(names((await client.listTools()).tools)).toEqual(['ask', 'grow', 'look', 'wipe']);
    expect(text(await client.callTool({ name: 'wipe', arguments: {} }))).toBe('wiped');
  });
});

describe('a 2026-07-28 agent (SDK v2) through conn serve', () => {
  it('in front of a 2025 server: discovers, lists the filtered tools, calls and is refused', async () => {
    await add('mem', MEMORY);
    const client = await agent2026(['mem', '--permission', 'read']);
    expect(client.getServerVersion()?.name).toBe('memory-server');
    expect(names((await client.listTools()).tools)).toEqual(['open_nodes', 'read_graph', 'search_nodes']);
    expect(text(await client.callTool({ name: 'read_graph', arguments: {} }))).toContain('"entities": []');
    await expect(client.callTool({ name: 'create_entities', arguments: { entities: [] } })).rejects.toThrow('tool create_entities is not allowed at permission read');
  });

  it('in front of a 2025 server: its elicitation/create reaches the agent as input_required, and the answer in the retry goes back', async () => {
    const r = await w.conn(['add', 'custom', '--name', 'every', '--', NODE, EVERYTHING, 'stdio']);
    expect(r.code, r.stderr).toBe(0);
    const asked: string[] = [];
    const client = await agent2026(['every', '--permission', 'full'], {
      capabilities: { elicitation: { form: {} } },
      ready: (c) =>
        c.setRequestHandler('elicitation/create', async (req) => {
          asked.push((req.params as { message: string }).message);
          return { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
        }),
    });
    const result = text(await client.callTool({ name: 'trigger-elicitation-request', arguments: {} }));
    expect(asked).toEqual(['Please provide inputs for the following fields:']);
    expect(result).toContain('User provided the requested information');
    expect(result).toContain('Ada Lovelace');
  });

  it('in front of a 2025 server: an agent without elicitation has it declined, as a 2025 agent would', async () => {
    const r = await w.conn(['add', 'custom', '--name', 'every', '--', NODE, EVERYTHING, 'stdio']);
    expect(r.code, r.stderr).toBe(0);
    const client = await agent2026(['every', '--permission', 'full']);
    expect(text(await client.callTool({ name: 'trigger-elicitation-request', arguments: {} }))).toContain('User declined');
  });

  it('in front of a 2025 server: its own subscriptions/listen gets the server’s tools/list_changed, and the list re-filtered', async () => {
    const r = await w.conn(['add', 'custom', '--name', 'chg', '--', NODE, join(SERVE_FIXTURES, 'changing-server.mjs')]);
    expect(r.code, r.stderr).toBe(0);
    const client = await agent2026(['chg', '--permission', 'read']);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    const sub = await client.listen({ toolsListChanged: true, promptsListChanged: true });
    expect(sub.honoredFilter).toEqual({ toolsListChanged: true, promptsListChanged: true });
    expect(names((await client.listTools()).tools)).toEqual(['grow']);
    await client.callTool({ name: 'grow', arguments: {} });
    expect(await pollUntil(() => changed > 0, 10_000)).toBe(true);
    expect(names((await client.listTools()).tools)).toEqual(['grow', 'late_read']);
    await sub.close();
  });

  it('in front of a 2026 server: its subscriptions/listen gets the list changes conn hears on its own stream', async () => {
    await add('modern', MODERN);
    const client = await agent2026(['modern', '--permission', 'read']);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    const sub = await client.listen({ toolsListChanged: true });
    expect(sub.honoredFilter).toEqual({ toolsListChanged: true });
    await client.callTool({ name: 'grow', arguments: {} });
    expect(await pollUntil(() => changed > 0, 10_000)).toBe(true);
    expect(names((await client.listTools()).tools)).toEqual(['ask', 'grow', 'late_read', 'look']);
    await sub.close();
  });

  it('in front of a 2026 server: the same era on both sides', async () => {
    await add('modern', MODERN);
    const client = await agent2026(['modern', '--permission', 'read']);
    expect(client.getServerVersion()?.name).toBe('modern-fixture');
    expect(names((await client.listTools()).tools)).toEqual(['ask', 'grow', 'look']);
    expect(text(await client.callTool({ name: 'look', arguments: {} }))).toBe('looked');
    await expect(client.callTool({ name: 'wipe', arguments: {} })).rejects.toThrow('tool wipe is not allowed at permission read');
    expect((await client.readResource({ uri: 'note://one' })).contents[0]).toMatchObject({ text: 'hello from a modern resource' });
  });

  it('over conn serve --http, in front of a 2025 server', async () => {
    await add('mem', MEMORY);
    const proc = spawn(NODE, [CONN_BIN, 'serve', 'mem', '--permission', 'read', '--http', '--json'], { env: w.env, cwd: w.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(proc);
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      proc.once('exit', (code) => reject(new Error(`conn serve exited ${code}`)));
    });
    const { url, token } = JSON.parse(line) as { url: string; token: string };
    const client = new ModernClient({ name: 'modern-agent', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } } as never);
    await client.connect(new ModernHttp(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    closers.push(() => client.close());
    expect(names((await client.listTools()).tools)).toEqual(['open_nodes', 'read_graph', 'search_nodes']);
    await expect(client.callTool({ name: 'create_entities', arguments: { entities: [] } })).rejects.toThrow('not allowed at permission read');
  });
});

/** What both directions of the bridge must carry besides tools, driven the same way by either client. */
interface Agent {
  complete(value: string): Promise<string[]>;
  /** Calls wait and cancels it once the server says it started (its progress): what the agent saw. */
  cancelWait(): Promise<{ progress: number[]; error: string }>;
  call(name: string): Promise<string>;
}

async function extras(agent: Agent): Promise<void> {
  expect(await agent.complete('ap')).toEqual(['apple', 'apricot']);
  expect(await agent.call('was_cancelled')).toBe('no');
  // The server's progress reached the agent (the call is still running, so it cannot be lost behind
  // the result), and the agent's cancellation reached the server.
  const { progress, error } = await agent.cancelWait();
  expect(progress).toEqual([0]);
  expect(error).toMatch(/abort|cancel/i);
  // The server saw the cancellation: its wait ended (asked again until it says so, for up to 10 s).
  let answer = 'no';
  for (const end = Date.now() + 10_000; answer !== 'yes' && Date.now() < end; ) answer = await agent.call('was_cancelled');
  expect(answer).toBe('yes');
}

function cancelOnStart(call: (opts: { signal: AbortSignal; onprogress: (p: { progress: number }) => void }) => Promise<unknown>): Promise<{ progress: number[]; error: string }> {
  const ac = new AbortController();
  const progress: number[] = [];
  const onprogress = (p: { progress: number }) => {
    progress.push(p.progress);
    ac.abort('cancelled by the test');
  };
  return call({ signal: ac.signal, onprogress }).then(
    () => ({ progress, error: 'not cancelled' }),
    (err: unknown) => ({ progress, error: String((err as Error).message ?? err) }),
  );
}

describe('completion, progress and cancellation across the bridge', () => {
  it('a 2025 agent (SDK v1) in front of a 2026-07-28 server', async () => {
    await add('extras', EXTRAS, '--era', '2026');
    const { client } = await agent2025(['extras', '--permission', 'read']);
    await extras({
      complete: async (value) => (await client.complete({ ref: { type: 'ref/prompt', name: 'pick' }, argument: { name: 'fruit', value } })).completion.values,
      cancelWait: () => cancelOnStart((opts) => client.callTool({ name: 'wait', arguments: {} }, undefined, opts)),
      call: async (name) => text(await client.callTool({ name, arguments: {} })),
    });
  });

  it('a 2026-07-28 agent (SDK v2) in front of a 2025 server', async () => {
    await add('extras', EXTRAS);
    const client = await agent2026(['extras', '--permission', 'read']);
    await extras({
      complete: async (value) => (await client.complete({ ref: { type: 'ref/prompt', name: 'pick' }, argument: { name: 'fruit', value } })).completion.values,
      cancelWait: () => cancelOnStart((opts) => client.callTool({ name: 'wait', arguments: {} }, opts)),
      call: async (name) => text(await client.callTool({ name, arguments: {} })),
    });
  });
});
