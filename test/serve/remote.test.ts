// `conn serve` in front of remote MCP servers: Streamable HTTP behind a bearer-checking proxy, and
// legacy SSE reached by fallback.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { fixture, startHttpFixture, type HttpFixture } from '../probe/helpers.js';
import { serve, text, toolNames, type Session } from './helpers.js';

const TOKEN = `remote-${Math.random().toString(36).slice(2)}`;
const READ_ONLY = ['echo', 'get-annotated-message', 'get-env', 'get-resource-links', 'get-resource-reference', 'get-structured-content', 'get-sum', 'get-tiny-image', 'trigger-long-running-operation'];

let streamable: HttpFixture;
let sse: HttpFixture;
let proxy: HttpFixture;
let scoped: HttpFixture;
beforeAll(async () => {
  [streamable, sse] = await Promise.all([
    startHttpFixture(fixture('everything-http.mjs'), ['streamableHttp']),
    startHttpFixture(fixture('everything-http.mjs'), ['sse']),
  ]);
  [proxy, scoped] = await Promise.all([
    startHttpFixture(fixture('bearer-proxy.mjs'), [streamable.url('/')], { BEARER_TOKEN: TOKEN }),
    // The same server, but its get-sum needs a scope this token lacks (403 insufficient_scope).
    startHttpFixture(fixture('bearer-proxy.mjs'), [streamable.url('/')], { BEARER_TOKEN: TOKEN, SCOPED_TOOL: 'get-sum:sums:write' }),
  ]);
});
afterAll(async () => {
  await Promise.all([streamable, sse, proxy, scoped].filter(Boolean).map((f) => f.stop()));
});

let w: World;
const sessions: Session[] = [];
beforeEach(() => {
  w = makeWorld();
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
  w.cleanup();
});

async function open(args: string[]): Promise<Session> {
  const s = await serve(w, args);
  sessions.push(s);
  return s;
}

describe('conn serve of a remote server', () => {
  it('dials with the bearer token from the keychain, filters tools at read, and forwards progress', async () => {
    requireKeychain();
    const added = await w.conn(['add', 'remote', '--name', 'ev-remote', '--no-match-preset', '--set', `url=${proxy.url('/mcp')}`, '--secret-stdin', 'token'], { input: TOKEN });
    expect(added.code, added.stderr).toBe(0);
    const s = await open(['ev-remote', '--permission', 'read']);
    expect(await toolNames(s.client)).toEqual([...READ_ONLY].sort());
    expect(text(await s.client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toBe('Echo: hi');
    await expect(s.client.callTool({ name: 'toggle-simulated-logging', arguments: {} })).rejects.toThrow(
      'tool toggle-simulated-logging is not allowed at permission read',
    );
    const progress: number[] = [];
    const done = await s.client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } },
      undefined,
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(text(done)).toContain('Long running operation completed');
    // In order, with the agent's own token. (The SDK client dispatches notifications a microtask
    // late, so a last progress that arrives in the same read as the result can be dropped by it.)
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    // Prompts, resources and completions are forwarded as the server declares them.
    expect((await s.client.listPrompts()).prompts.length).toBeGreaterThan(0);
    expect((await s.client.listResources()).resources.length).toBeGreaterThan(0);
    expect(s.stderr()).not.toContain(TOKEN);
  });

  it('answers a 403 insufficient_scope with a JSON-RPC error naming the scope and the way out, and goes on serving', async () => {
    requireKeychain();
    const added = await w.conn(['add', 'remote', '--name', 'scoped', '--no-match-preset', '--set', `url=${scoped.url('/mcp')}`, '--secret-stdin', 'token'], { input: TOKEN });
    expect(added.code, added.stderr).toBe(0);
    const s = await open(['scoped', '--permission', 'read']);
    const refused = await s.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }).then(
      () => undefined,
      (err: { code?: number; message?: string }) => err,
    );
    expect(refused?.code, scoped.lines.join('\n')).toBe(-32600);
    expect(refused?.message).toContain('scoped needs OAuth scope "sums:write", which the token conn sends does not have');
    expect(refused?.message).toContain('conn connect scoped');
    // The session is not broken by it: the next call goes through.
    expect(text(await s.client.callTool({ name: 'echo', arguments: { message: 'still here' } }))).toBe('Echo: still here');
    expect(scoped.lines.some((l) => l.startsWith('REQ 403 POST'))).toBe(true);
  });

  it('falls back to legacy SSE and fails fast on rejected credentials', async () => {
    expect((await w.conn(['add', 'remote', '--name', 'old', '--no-match-preset', '--set', `url=${sse.url('/sse')}`])).code).toBe(0);
    const s = await open(['old', '--permission', 'readwrite']);
    // 14: conn serve declares elicitation to a remote server (as to a stdio one), so the Everything
    // server adds its trigger-elicitation-request tool.
    const names = await toolNames(s.client);
    expect(names.length).toBe(14);
    expect(names).toContain('trigger-elicitation-request');
    expect(s.stderr()).toContain('proxying sse server');

    expect((await w.conn(['add', 'remote', '--name', 'locked', '--no-match-preset', '--set', `url=${proxy.url('/mcp')}`])).code).toBe(0);
    const r = await w.conn(['serve', 'locked', '--permission', 'read']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('cannot reach locked');
    expect(r.stderr).toContain('HTTP 401');
  });
});
