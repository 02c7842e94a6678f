// The http-api bridge through `conn serve`, against a real HTTP server in the test process.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { BIG_BYTES, startApi, type ApiFixture } from '../fixtures/http-api/api.js';
import { serve, text, toolNames, type Session } from './helpers.js';

let api: ApiFixture;
let w: World;
const sessions: Session[] = [];
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.stop());
beforeEach(() => {
  w = makeWorld();
  api.requests.length = 0;
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

async function add(args: string[], input?: string): Promise<void> {
  const r = await w.conn(['add', 'http-api', ...args], input === undefined ? {} : { input });
  expect(r.code, r.stderr).toBe(0);
}

type Result = { isError?: boolean; structuredContent?: { status: number; headers: Record<string, string>; body: string; truncated: boolean } };

describe('http-api bridge: credentials', () => {
  beforeEach(() => requireKeychain());

  it('sends the bearer token, never shows it to the agent, and refuses an Authorization or Cookie header from the agent', async () => {
    const token = `bearer-${Math.random().toString(36).slice(2)}`;
    await add(['--name', 'billing', '--set', `url=${api.base}`, '--set', 'auth=bearer', '--secret-stdin', 'token'], token);
    const s = await open(['billing', '--permission', 'read']);
    const result = (await s.client.callTool({ name: 'http_get', arguments: { path: 'echo', query: { a: 1, b: ['x', 'y'], skip: null } } })) as Result;
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({ method: 'GET', url: '/api/echo?a=1&b=x&b=y' });
    expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(result.structuredContent?.status).toBe(200);
    expect(result.structuredContent?.headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'r-1' });
    // The API echoed the header back: the agent sees it redacted.
    expect(JSON.stringify(result)).not.toContain(token);
    expect(result.structuredContent?.body).toContain('[redacted]');
    expect(text(result)).toMatch(/^HTTP 200 OK\ncontent-type: application\/json/);

    for (const header of ['Authorization', 'cookie', 'Proxy-Authorization']) {
      const refused = (await s.client.callTool({ name: 'http_get', arguments: { path: 'echo', headers: { [header]: 'x' } } })) as Result;
      expect(refused.isError).toBe(true);
      expect(text(refused)).toBe(`refused: header ${header} is set by conn and cannot be given`);
    }
    expect(api.requests).toHaveLength(1);
    expect(s.stderr()).not.toContain(token);
  });

  it('sends an API key in its configured header, which the agent cannot override', async () => {
    const token = `key-${Math.random().toString(36).slice(2)}`;
    await add(['--name', 'keyed', '--set', `url=${api.base}/`, '--set', 'auth=api-key', '--set', 'header=X-Api-Token', '--secret-stdin', 'token'], token);
    const s = await open(['keyed', '--permission', 'read']);
    await s.client.callTool({ name: 'http_get', arguments: { path: '/echo', headers: { 'X-Trace': 't1' } } });
    expect(api.requests[0]?.headers['x-api-token']).toBe(token);
    expect(api.requests[0]?.headers['x-trace']).toBe('t1');
    expect(api.requests[0]?.headers.authorization).toBeUndefined();
    const refused = (await s.client.callTool({ name: 'http_get', arguments: { path: 'echo', headers: { 'x-api-token': 'mine' } } })) as Result;
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('header x-api-token is set by conn');
    expect(api.requests).toHaveLength(1);
  });
});

describe('http-api bridge: permission levels', () => {
  const calls: [string, Record<string, unknown>, string][] = [
    ['http_get', { path: 'echo' }, 'GET'],
    ['http_get', { path: 'echo', method: 'HEAD' }, 'HEAD'],
    ['http_post', { path: 'echo', body: { a: 1 } }, 'POST'],
    ['http_put', { path: 'echo', body: 'plain' }, 'PUT'],
    ['http_patch', { path: 'echo', body: [1] }, 'PATCH'],
    ['http_delete', { path: 'echo' }, 'DELETE'],
  ];
  const expected: Record<string, string[]> = {
    read: ['GET', 'HEAD'],
    readwrite: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH'],
    full: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  };

  it.each(['read', 'readwrite', 'full'])('at %s, lists and sends only the allowed methods', async (permission) => {
    await add(['--name', 'api', '--set', `url=${api.base}`]);
    const s = await open(['api', '--permission', permission]);
    const tools = { read: ['http_get'], readwrite: ['http_get', 'http_patch', 'http_post', 'http_put'], full: ['http_delete', 'http_get', 'http_patch', 'http_post', 'http_put'] }[permission];
    expect(await toolNames(s.client)).toEqual(tools);
    for (const [name, args, method] of calls) {
      const call = s.client.callTool({ name, arguments: args });
      if (expected[permission]!.includes(method)) await expect(call).resolves.toMatchObject({ structuredContent: { status: 200 } });
      else await expect(call).rejects.toThrow(`tool ${name} is not allowed at permission ${permission}`);
    }
    expect(api.requests.map((r) => r.method)).toEqual(expected[permission]);
  });

  it('annotates the tools: http_get read-only, http_delete destructive, the others not destructive', async () => {
    await add(['--name', 'api', '--set', `url=${api.base}`]);
    const s = await open(['api', '--permission', 'full']);
    const tools = Object.fromEntries((await s.client.listTools()).tools.map((t) => [t.name, t.annotations]));
    expect(tools.http_get).toMatchObject({ readOnlyHint: true });
    expect(tools.http_delete).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    for (const name of ['http_post', 'http_put', 'http_patch']) expect(tools[name]).toMatchObject({ readOnlyHint: false, destructiveHint: false });
  });

  it('sends JSON values as application/json and strings as they are', async () => {
    await add(['--name', 'api', '--set', `url=${api.base}`]);
    const s = await open(['api', '--permission', 'readwrite']);
    await s.client.callTool({ name: 'http_post', arguments: { path: 'echo', body: { n: 1, s: 'x' } } });
    await s.client.callTool({ name: 'http_put', arguments: { path: 'echo', body: 'a=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } });
    expect(api.requests[0]).toMatchObject({ method: 'POST', body: '{"n":1,"s":"x"}' });
    expect(api.requests[0]?.headers['content-type']).toBe('application/json');
    expect(api.requests[1]).toMatchObject({ method: 'PUT', body: 'a=b' });
    expect(api.requests[1]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });
});

describe('http-api bridge: paths and answers', () => {
  it('refuses paths that leave the base URL, without sending anything', async () => {
    await add(['--name', 'api', '--set', `url=${api.base}`]);
    const s = await open(['api', '--permission', 'read']);
    for (const path of ['../escape', 'a/../../escape', '%2e%2e/escape', '.%2E/escape', '..%2fescape', 'a%2F..%2F..%2Fescape', '%252e%252e/escape',
      'http://127.0.0.1:1/x', '//evil.example/x', 'a\\..\\escape', 'echo#frag']) {
      const r = (await s.client.callTool({ name: 'http_get', arguments: { path } })) as Result;
      expect(r.isError, path).toBe(true);
      expect(text(r), path).toMatch(/^refused: /);
    }
    expect(api.requests).toEqual([]);
  });

  it('cuts a large body at 1 MB with a note, or at --max-body', async () => {
    await add(['--name', 'api', '--set', `url=${api.base}`]);
    const s = await open(['api', '--permission', 'read']);
    const r = (await s.client.callTool({ name: 'http_get', arguments: { path: 'big' } })) as Result;
    expect(r.structuredContent?.truncated).toBe(true);
    expect(r.structuredContent?.body).toHaveLength(1024 * 1024);
    expect(text(r)).toContain(`[body truncated: showing the first 1048576 bytes of ${BIG_BYTES}]`);
    const small = await open(['api', '--permission', 'read', '--max-body', '1000']);
    const cut = (await small.client.callTool({ name: 'http_get', arguments: { path: 'big' } })) as Result;
    expect(cut.structuredContent?.body).toHaveLength(1000);
  });

  it('does not follow redirects (the credentials stay with the API), and flags HTTP errors', async () => {
    await add(['--name', 'api', '--set', `url=${api.base}`]);
    const s = await open(['api', '--permission', 'read']);
    const moved = (await s.client.callTool({ name: 'http_get', arguments: { path: 'redirect' } })) as Result;
    expect(moved.structuredContent).toMatchObject({ status: 302, headers: { location: 'http://127.0.0.2:1/elsewhere' } });
    expect(api.requests).toHaveLength(1);
    const missing = (await s.client.callTool({ name: 'http_get', arguments: { path: 'missing' } })) as Result;
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^HTTP 404 Not Found/);
  });
});

describe('http-api bridge: what a hostile API or agent could use (issue 22 item 21)', () => {
  beforeEach(() => requireKeychain());

  it("redacts the credential from the upstream's status text", async () => {
    const token = `status-${Math.random().toString(36).slice(2)}`;
    await add(['--name', 'echoer', '--set', `url=${api.base}`, '--set', 'auth=bearer', '--secret-stdin', 'token'], token);
    const s = await open(['echoer', '--permission', 'read']);
    const r = (await s.client.callTool({ name: 'http_get', arguments: { path: 'status-echo' } })) as Result & { structuredContent?: { statusText?: string } };
    expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r)).not.toContain(token);
    expect(text(r)).toMatch(/^HTTP 401 Unauthorized \[redacted\]\n/);
    expect(r.structuredContent?.statusText).toBe('Unauthorized [redacted]');
  });

  it('refuses method-override headers, query and body fields below full, and sends them at full', async () => {
    await add(['--name', 'api', '--set', `url=${api.base}`]);
    const read = await open(['api', '--permission', 'read']);
    for (const header of ['X-HTTP-Method-Override', 'x-http-method', 'X-Method-Override']) {
      const r = (await read.client.callTool({ name: 'http_get', arguments: { path: 'echo', headers: { [header]: 'DELETE' } } })) as Result;
      expect(r.isError, header).toBe(true);
      expect(text(r)).toBe(`refused: header ${header} can change the request's method on some servers; it needs permission full`);
    }
    const q = (await read.client.callTool({ name: 'http_get', arguments: { path: 'echo', query: { _method: 'DELETE' } } })) as Result;
    expect(text(q)).toMatch(/^refused: query parameter _method/);
    const rw = await open(['api', '--permission', 'readwrite']);
    for (const body of [{ _method: 'DELETE' }, '_method=DELETE&id=1', 'id=1&_method=delete']) {
      const r = (await rw.client.callTool({ name: 'http_post', arguments: { path: 'echo', body } })) as Result;
      expect(text(r), JSON.stringify(body)).toMatch(/^refused: a body field _method/);
    }
    expect(api.requests).toEqual([]);
    const full = await open(['api', '--permission', 'full']);
    const ok = (await full.client.callTool({ name: 'http_post', arguments: { path: 'echo', headers: { 'X-HTTP-Method-Override': 'DELETE' }, body: { _method: 'DELETE' } } })) as Result;
    expect(ok.structuredContent?.status).toBe(200);
    expect(api.requests[0]?.headers['x-http-method-override']).toBe('DELETE');
  });
});
