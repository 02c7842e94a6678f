// A local MCP Registry speaking the v0.1 API over HTTP on 127.0.0.1 (a free port), filled with the
// real server.json documents in test/fixtures/registry/, plus whatever a test adds (other versions,
// bundles). Counts requests so caching can be asserted, and can be stopped to go offline.
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { ROOT } from './world.js';

export const FIXTURES = join(ROOT, 'test/fixtures/registry');

export type ServerJson = Record<string, unknown> & { name: string; version: string };

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
}

export function readFixture(file: string): ServerJson {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as ServerJson;
}

export interface FixtureRegistry {
  url: string;
  /** Requests answered so far, by path + query. */
  requests: string[];
  add(doc: ServerJson): void;
  /** Raw bytes served at url + path (bundles). */
  file(path: string, bytes: Buffer): void;
  stop(): Promise<void>;
}

export async function startRegistry(docs: ServerJson[] = fixtureFiles().map(readFixture)): Promise<FixtureRegistry> {
  const versions = new Map<string, ServerJson[]>();
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  const add = (doc: ServerJson) => versions.set(doc.name, [...(versions.get(doc.name) ?? []), doc]);
  for (const d of docs) add(d);
  const entry = (doc: ServerJson, latest: boolean) => ({ server: doc, _meta: { 'io.modelcontextprotocol.registry/official': { status: 'active', isLatest: latest } } });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname + url.search);
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (files.has(url.pathname)) return void res.writeHead(200).end(files.get(url.pathname));
    if (url.pathname === '/v0.1/servers') {
      const q = (url.searchParams.get('search') ?? '').toLowerCase();
      const limit = Number(url.searchParams.get('limit') ?? 30);
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const all = [...versions.values()].map((v) => v[v.length - 1]!).filter((d) => d.name.toLowerCase().includes(q));
      const page = all.slice(start, start + limit);
      return send(200, { servers: page.map((d) => entry(d, true)), metadata: { count: page.length, ...(start + limit < all.length ? { nextCursor: String(start + limit) } : {}) } });
    }
    const m = /^\/v0\.1\/servers\/(.+)\/versions\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const list = versions.get(decodeURIComponent(m[1]!));
      const want = decodeURIComponent(m[2]!);
      const doc = want === 'latest' ? list?.[list.length - 1] : list?.find((d) => d.version === want);
      return doc ? send(200, entry(doc, doc === list![list!.length - 1])) : send(404, { title: 'Not Found', status: 404 });
    }
    send(404, { title: 'Not Found', status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    add,
    file: (path, bytes) => files.set(path, bytes),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A folder with stand-ins for npx, uvx and docker (those named) that log how they were started to
 * `log` and then serve MCP; PATH for a world is this folder plus node's own.
 */
export function runtimeBin(dir: string, names: string[] = ['npx', 'uvx', 'docker'], log = join(dir, 'runtime.log')): string {
  mkdirSync(dir, { recursive: true });
  const script = join(ROOT, 'test/fixtures/registry-runtime/runtime.mjs');
  for (const name of names) {
    writeFileSync(join(dir, name), `#!/bin/sh\nRUNTIME_LOG=${JSON.stringify(log)} exec ${JSON.stringify(process.execPath)} ${JSON.stringify(script)} "$0" "$@"\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

/** A zip file (stored, not compressed) of these files: enough for an .mcpb bundle made in a test. */
export function makeZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
