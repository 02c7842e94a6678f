import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '../../src/probe/probe.js';
import type { HttpApiSpec } from '../../src/launch/types.js';
import { fixture, pollUntil, remoteSpec, startHttpFixture, type HttpFixture } from './helpers.js';

let streamable: HttpFixture;
let sse: HttpFixture;
let proxy: HttpFixture;
let oauth: HttpFixture;
const TOKEN = `tok-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  [streamable, sse, oauth] = await Promise.all([
    startHttpFixture(fixture('everything-http.mjs'), ['streamableHttp']),
    startHttpFixture(fixture('everything-http.mjs'), ['sse']),
    startHttpFixture(fixture('http-401.mjs')),
  ]);
  proxy = await startHttpFixture(fixture('bearer-proxy.mjs'), [streamable.url('/')], { BEARER_TOKEN: TOKEN });
});
afterAll(async () => {
  await Promise.all([streamable, sse, proxy, oauth].filter(Boolean).map((f) => f.stop()));
});

/** A closed port: listen on 0, note it, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('probe of remote servers', () => {
  it('connects to server-everything over Streamable HTTP and ends the session', async () => {
    const result = await probe(remoteSpec(streamable.url('/mcp')), { timeoutMs: 15_000 });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ status: 'healthy', transport: 'http' });
    expect(result.server?.name).toMatch(/everything/);
    expect(result.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.tools.length).toBeGreaterThan(0);
    // terminateSession() reached the server (it logs the DELETE; its stdout may lag the HTTP reply).
    expect(await pollUntil(() => streamable.lines.some((l) => l.includes('session termination')), 2000)).toBe(true);
  });

  it('connects over legacy SSE when forced', async () => {
    const result = await probe(remoteSpec(sse.url('/sse'), {}, 'sse'), { timeoutMs: 15_000 });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ status: 'healthy', transport: 'sse' });
    expect(result.server?.name).toMatch(/everything/);
    expect(result.tools.length).toBeGreaterThan(0);
  });

  it('falls back to SSE when the endpoint answers Streamable HTTP with 404', async () => {
    const result = await probe(remoteSpec(sse.url('/sse')), { timeoutMs: 15_000 });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ status: 'healthy', transport: 'sse' });
    expect(result.tools.length).toBeGreaterThan(0);
  });

  it('does not fall back when Streamable HTTP is forced', async () => {
    const result = await probe(remoteSpec(sse.url('/sse'), {}, 'http'), { timeoutMs: 15_000 });
    expect(result).toMatchObject({ status: 'error', transport: 'http' });
    expect(result.error).toMatch(/^HTTP 404/);
  });

  it('sends the spec headers: the bearer token gets through the proxy', async () => {
    const result = await probe(remoteSpec(proxy.url('/mcp'), { Authorization: `Bearer ${TOKEN}` }), { timeoutMs: 15_000 });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ status: 'healthy', transport: 'http' });
    expect(result.tools.length).toBeGreaterThan(0);
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('reports rejected credentials on 401 and never falls back to SSE', async () => {
    const before = proxy.lines.length;
    const result = await probe(remoteSpec(proxy.url('/mcp'), { Authorization: 'Bearer wrong' }), { timeoutMs: 15_000 });
    expect(result).toMatchObject({ status: 'error', transport: 'http', error: 'HTTP 401 — credentials rejected' });
    expect(result.needsOAuth).toBeUndefined();
    const requests = () => proxy.lines.slice(before).filter((l) => l.startsWith('REQ'));
    // The proxy's log line can arrive after its HTTP answer.
    expect(await pollUntil(() => requests().length > 0, 2000)).toBe(true);
    // Only the Streamable HTTP POST: no SSE GET after the 401.
    expect(requests().every((l) => l.includes(' POST '))).toBe(true);
  });

  it('flags OAuth when the 401 names protected-resource metadata', async () => {
    const result = await probe(remoteSpec(oauth.url('/mcp')), { timeoutMs: 15_000 });
    expect(result).toMatchObject({
      status: 'error',
      error: 'HTTP 401 — credentials rejected',
      needsOAuth: true,
      resourceMetadata: oauth.url('/.well-known/oauth-protected-resource'),
    });
    expect(await pollUntil(() => oauth.lines.some((l) => l.startsWith('REQ')), 2000)).toBe(true);
    expect(oauth.lines.filter((l) => l.startsWith('REQ')).every((l) => l.startsWith('REQ POST'))).toBe(true);
  });

  it('says "connection refused" with the URL when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/mcp`;
    const start = performance.now();
    const result = await probe(remoteSpec(url), { timeoutMs: 10_000 });
    expect(result).toMatchObject({ status: 'error', error: `connection refused (${url})` });
    expect(performance.now() - start).toBeLessThan(10_000 + 2000);
  });

  it('times out on a server that accepts the request but never answers', async () => {
    const server: Server = createServer(() => {
      /* never respond */
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const start = performance.now();
      const result = await probe(remoteSpec(`http://127.0.0.1:${port}/mcp`), { timeoutMs: 1000 });
      expect(result).toMatchObject({ status: 'error', error: 'timed out after 1 s' });
      expect(performance.now() - start).toBeLessThan(1000 + 2000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('says "not an MCP server" for a web page', async () => {
    const server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html></html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await probe(remoteSpec(`http://127.0.0.1:${port}/`, {}, 'http'), { timeoutMs: 5000 });
      expect(result.status).toBe('error');
      expect(result.error).toMatch(/^not an MCP server \(/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('probe of http-api connections', () => {
  const api = (url: string, headers: Record<string, string> = {}): HttpApiSpec => ({
    kind: 'http-api', name: 'api', url, headers, secrets: [], permission: 'read',
  });

  it('is healthy for any HTTP answer and sends the auth headers', async () => {
    const result = await probe(api(proxy.url('/'), { Authorization: `Bearer ${TOKEN}` }), { timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 'healthy', transport: 'http', tools: [] });
    expect(await pollUntil(() => proxy.lines.at(-1) === 'REQ pass GET /', 2000)).toBe(true);
  });

  it('reports rejected credentials on 401', async () => {
    const result = await probe(api(proxy.url('/')), { timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 'error', error: 'HTTP 401 — credentials rejected' });
  });

  it('reports an unreachable API', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const result = await probe(api(url), { timeoutMs: 5000 });
    expect(result).toMatchObject({ status: 'error', error: `connection refused (${url})` });
  });
});
