// `conn serve` forwards the agent's calls as they are (lane.ts), without the SDK in between: what
// the SDK path guaranteed must still hold, seen on the wire, one JSON-RPC line at a time.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, ROOT, type World } from '../helpers/world.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { MEMORY, NODE, SERVE_FIXTURES } from './helpers.js';

type Message = Record<string, unknown> & { id?: unknown; method?: string; params?: Record<string, unknown> };

interface Wire {
  send(message: object): void;
  /** The next message (and its line, as it came) that matches, not seen by an earlier next(). */
  next(match: (m: Message) => boolean, ms?: number): Promise<{ line: string; message: Message }>;
  /** Every message received so far. */
  received(): Message[];
  stderr(): string;
  /** Closes stdin and resolves with the exit code once all its output is in. */
  close(): Promise<number | null>;
}

const wires: Wire[] = [];

/** A process spoken to in raw JSON-RPC lines over its stdin/stdout. */
function wire(command: string, args: string[], env: Record<string, string>): Wire {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: { line: string; message: Message; taken: boolean }[] = [];
  let stderr = '';
  let partial = '';
  let wake = () => {};
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push({ line, message: JSON.parse(line) as Message, taken: false });
    wake();
  });
  // 'close': exited, and everything it wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const w: Wire = {
    send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
    async next(match, ms = 10_000) {
      const end = Date.now() + ms;
      for (;;) {
        const found = lines.find((l) => !l.taken && match(l.message));
        if (found) {
          found.taken = true;
          return found;
        }
        if (Date.now() > end) throw new Error(`no matching message in ${ms} ms; got ${lines.map((l) => l.line).join('\n')}; stderr: ${stderr}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    received: () => lines.map((l) => l.message),
    stderr: () => stderr,
    close() {
      child.stdin.end();
      return exited;
    },
  };
  wires.push(w);
  return w;
}

async function initialize(w: Wire): Promise<Message> {
  w.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'wire', version: '1' } } });
  const { message } = await w.next((m) => m.id === 0);
  w.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return message;
}

const call = (id: string | number, name: string, args: object = {}, meta?: object) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

let w: World;
beforeEach(() => {
  w = makeWorld();
});
afterEach(async () => {
  await Promise.all(wires.splice(0).map((x) => x.close()));
  w.cleanup();
});

describe('conn serve on the wire', () => {
  it('answers allowed calls byte for byte as the server does, each under its own id, string or number; refuses a hidden tool', async () => {
    const graph = [
      { type: 'entity', name: 'conn', entityType: 'tool', observations: ['keeps secrets in the keychain'] },
      { type: 'entity', name: 'agent', entityType: 'tool', observations: ['calls tools'] },
      { type: 'relation', from: 'agent', to: 'conn', relationType: 'uses' },
    ].map((e) => JSON.stringify(e)).join('\n');
    writeFileSync(join(w.tmp, 'via-serve.jsonl'), graph);
    writeFileSync(join(w.tmp, 'direct.jsonl'), graph);
    const added = await w.conn(['add', 'custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'via-serve.jsonl')}`, '--', NODE, MEMORY]);
    expect(added.code, added.stderr).toBe(0);
    const serve = wire(NODE, [CONN_BIN, 'serve', 'mem', '--permission', 'read'], w.env);
    const direct = wire(NODE, [MEMORY], { PATH: process.env.PATH ?? '', MEMORY_FILE_PATH: join(w.tmp, 'direct.jsonl') });
    const [init] = await Promise.all([initialize(serve), initialize(direct)]);
    expect(init).toMatchObject({ result: { serverInfo: { name: 'memory-server' }, capabilities: { tools: { listChanged: true } } } });

    // Sent all at once: "7" and 7 are in flight together and must not be taken for each other.
    const calls = [
      call('7', 'read_graph'),
      call(7, 'search_nodes', { query: 'keychain' }),
      call('open', 'open_nodes', { names: ['agent'] }),
      call(8, 'read_graph'),
    ];
    for (const c of calls) {
      serve.send(c);
      direct.send(c);
    }
    for (const c of calls) {
      const viaServe = await serve.next((m) => m.id === c.id);
      const viaDirect = await direct.next((m) => m.id === c.id);
      expect(viaServe.line).toBe(viaDirect.line);
    }

    serve.send(call('x', 'delete_entities', { entityNames: ['conn'] }));
    expect((await serve.next((m) => m.id === 'x')).message).toEqual({
      jsonrpc: '2.0',
      id: 'x',
      error: { code: -32602, message: 'tool delete_entities is not allowed at permission read' },
    });
    expect(readFileSync(join(w.tmp, 'via-serve.jsonl'), 'utf8')).toBe(graph);
    expect(await serve.close()).toBe(0);
    expect(serve.stderr()).toContain('refused tools/call delete_entities');
  });

  it('starts from dist/serve.cjs for a stdio server: no commander, no ES module chunks, no MCP SDK', async () => {
    const added = await w.conn(['add', 'custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`, '--', NODE, MEMORY]);
    expect(added.code, added.stderr).toBe(0);
    const record = join(w.tmp, 'serve.loads');
    const serve = wire(NODE, ['--import', join(ROOT, 'test/fixtures/render/record-loads.mjs'), CONN_BIN, 'serve', 'mem', '--permission', 'read'], { ...w.env, CONN_RECORD_LOADS: record });
    await initialize(serve);
    serve.send(call(1, 'read_graph'));
    expect((await serve.next((m) => m.id === 1)).message).toHaveProperty('result');
    expect(await serve.close()).toBe(0);
    const loads = readFileSync(record, 'utf8').split('\n').filter(Boolean);
    // The recorder saw conn's own files (an empty record would prove nothing)…
    expect(loads.filter((l) => l.includes('/dist/')).map((l) => l.replace(/^.*\/dist\//, ''))).toEqual(['serve.cjs']);
    // …and nothing of the SDK (zod and its schemas) or commander.
    expect(loads.filter((l) => /node_modules\/(@modelcontextprotocol\/sdk|zod|commander)\//.test(l))).toEqual([]);
  });

  it('answers the handshake as the SDK’s server would: the agent’s protocol version if spoken, ping, and Method not found', async () => {
    const added = await w.conn(['add', 'custom', '--name', 'slow', '--', NODE, join(SERVE_FIXTURES, 'slow-server.mjs')]);
    expect(added.code, added.stderr).toBe(0);
    const serve = wire(NODE, [CONN_BIN, 'serve', 'slow', '--permission', 'read'], w.env);
    const init = await initialize(serve);
    expect(init).toEqual({
      jsonrpc: '2.0',
      id: 0,
      result: { protocolVersion: '2025-06-18', capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'slow', version: '1.0.0' } },
    });
    serve.send({ jsonrpc: '2.0', id: 'again', method: 'initialize', params: { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'old', version: '1' } } });
    expect((await serve.next((m) => m.id === 'again')).message).toMatchObject({ result: { protocolVersion: LATEST_PROTOCOL_VERSION } });
    serve.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect((await serve.next((m) => m.id === 1)).message).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    serve.send({ jsonrpc: '2.0', id: 2, method: 'sampling/createMessage', params: {} });
    expect((await serve.next((m) => m.id === 2)).message).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } });
    // The server has no resources: a resources request is not forwarded, but answered the same way.
    serve.send({ jsonrpc: '2.0', id: 3, method: 'resources/list', params: {} });
    expect((await serve.next((m) => m.id === 3)).message).toMatchObject({ error: { code: -32601 } });
    expect(await serve.close()).toBe(0);
  });

  it('forwards a cancellation to the server under the server’s id, and progress under the agent’s token', async () => {
    const added = await w.conn(['add', 'custom', '--name', 'slow', '--', NODE, join(SERVE_FIXTURES, 'slow-server.mjs')]);
    expect(added.code, added.stderr).toBe(0);
    const serve = wire(NODE, [CONN_BIN, 'serve', 'slow', '--permission', 'read'], w.env);
    await initialize(serve);

    serve.send(call('w-1', 'wait', {}, { progressToken: 'tok-1' }));
    const progress = await serve.next((m) => m.method === 'notifications/progress');
    expect(progress.message.params).toEqual({ progressToken: 'tok-1', progress: 1, total: 2 });
    serve.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'w-1', reason: 'changed my mind' } });

    serve.send(call(2, 'cancellations'));
    const seen = (await serve.next((m) => m.id === 2)).message as { result: { content: { text: string }[] } };
    const cancellations = JSON.parse(seen.result.content[0]!.text) as { requestId: unknown; reason: string }[];
    // The server knew the call by its own id (a number), not the agent's "w-1".
    expect(cancellations).toEqual([{ requestId: expect.any(Number), reason: 'changed my mind' }]);

    // No answer for the cancelled call, and the end of input does not wait for one.
    expect(serve.received().some((m) => m.id === 'w-1')).toBe(false);
    const started = Date.now();
    expect(await serve.close()).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
