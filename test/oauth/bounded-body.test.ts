// An authorization server that answers without end gets a one-line error, not conn's memory: every
// OAuth body is bounded (src/bounded-body.ts), and the rest is never read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { addRemote } from './helpers.js';

let server: Server;
let base = '';
/** Per endless body: the bytes it had written when conn hung up. */
let sent: Promise<number>[] = [];
let world: World;

function endless(res: import('node:http').ServerResponse, declared?: number): void {
  res.writeHead(200, { 'Content-Type': 'application/json', ...(declared ? { 'Content-Length': String(declared) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let total = 0;
  res.write('{"resource": "');
  const pump = () => {
    while (!res.destroyed) {
      total += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  sent.push(new Promise((resolve) => res.on('close', () => resolve(total))));
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname.startsWith('/endless-prm/mcp') || url.pathname.startsWith('/huge-as/mcp')) {
      const tag = url.pathname.split('/')[1];
      res.writeHead(401, { 'WWW-Authenticate': `Bearer resource_metadata="${base}/${tag}/prm"` }).end();
    } else if (url.pathname === '/endless-prm/prm') {
      endless(res);
    } else if (url.pathname === '/huge-as/prm') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ resource: `${base}/huge-as/mcp`, authorization_servers: [`${base}/huge-as`] }));
    } else if (url.pathname.startsWith('/.well-known/oauth-authorization-server/huge-as') || url.pathname.startsWith('/.well-known/openid-configuration/huge-as') || url.pathname.startsWith('/huge-as/.well-known/')) {
      endless(res, 600 * 1024 * 1024);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => world?.cleanup());

describe('OAuth bodies are bounded', () => {
  it('stops reading endless protected-resource metadata and fails in one line, not at a timeout', async () => {
    requireKeychain();
    world = makeWorld();
    await addRemote(world, 'endless', `${base}/endless-prm/mcp`);
    sent = [];
    const r = await world.conn(['connect', 'endless', '--no-browser', '--timeout', '20']);
    // The SDK treats unreadable protected-resource metadata as absent; what matters is that conn
    // hung up after its bound instead of reading on until a timeout.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/in time/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const written = await Promise.all(sent);
    expect(written).toHaveLength(1);
    expect(written[0]).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses authorization-server metadata that declares 600 MB', async () => {
    requireKeychain();
    world = makeWorld();
    await addRemote(world, 'huge', `${base}/huge-as/mcp`);
    sent = [];
    const r = await world.conn(['connect', 'huge', '--no-browser', '--timeout', '20']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/larger than 1 MiB/);
    // conn hung up long before the end: what the server got out is socket buffers, not the body.
    const written = await Promise.all(sent);
    expect(written.length).toBeGreaterThan(0);
    expect(Math.max(...written)).toBeLessThan(64 * 1024 * 1024);
  });
});
