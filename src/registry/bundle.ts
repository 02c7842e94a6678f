// .mcpb bundles: downloaded, checked against the server.json's fileSha256 before anything is
// unpacked, unpacked into $CONN_HOME/bundles/<dir>, and run through their manifest's mcp_config.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';

import { OperationError, UsageError } from '../errors.js';

export async function downloadBundle(url: string, sha256: string | undefined, what: string): Promise<Buffer> {
  if (!sha256 || !/^[0-9a-f]{64}$/i.test(sha256)) {
    throw new UsageError(`${what}: the bundle's fileSha256 ${JSON.stringify(String(sha256 ?? '(none)')).slice(0, 80)} is not a sha256; conn will not run an unverified bundle`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${what}: bundle identifier ${JSON.stringify(url.slice(0, 80))} is not a URL`);
  }
  const loopback = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' || parsed.hostname === '[::1]';
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) throw new UsageError(`${what}: bundle URL must be https (${parsed.protocol})`);
  let bytes: Buffer;
  try {
    const response = await fetch(parsed, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (err) {
    const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    throw new OperationError(`${what}: cannot download the bundle ${parsed.href}: ${why}`);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256.toLowerCase()) {
    throw new OperationError(`${what}: the bundle's sha256 is ${actual}, the server.json says ${sha256.toLowerCase()}: refusing it (nothing was unpacked)`);
  }
  return bytes;
}

/** Unpacks a bundle (a zip) into `dir` (replaced whole) and returns the command its manifest runs. */
export function unpackBundle(bytes: Buffer, dir: string, what: string): string[] {
  const files = readZip(bytes, what);
  const manifestBytes = files.get('manifest.json');
  if (!manifestBytes) throw new UsageError(`${what}: the bundle has no manifest.json`);
  let manifest: { server?: { type?: string; entry_point?: string; mcp_config?: { command?: string; args?: unknown[] } } };
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as typeof manifest;
  } catch {
    throw new UsageError(`${what}: the bundle's manifest.json is not JSON`);
  }
  const config = manifest.server?.mcp_config;
  if (typeof config?.command !== 'string' || !config.command) throw new UsageError(`${what}: the bundle's manifest has no server.mcp_config.command`);
  const stage = `${dir}.tmp-${process.pid}`;
  rmSync(stage, { recursive: true, force: true });
  const root = resolve(stage);
  for (const [name, data] of files) {
    const target = resolve(root, name);
    if (!target.startsWith(root + sep)) throw new UsageError(`${what}: the bundle holds a path outside itself (${JSON.stringify(name.slice(0, 80))})`);
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
  const entry = manifest.server?.entry_point;
  if (manifest.server?.type === 'binary' && entry && existsSync(join(root, entry))) chmodSync(join(root, entry), 0o755);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(stage, dir);
  const sub = (s: string) => {
    if (/\$\{(?!__dirname\})/.test(s)) throw new UsageError(`${what}: the bundle's manifest uses ${JSON.stringify(s.slice(0, 60))} (user_config is not supported)`);
    return s.replaceAll('${__dirname}', dir);
  };
  return [sub(config.command), ...(config.args ?? []).map((a) => sub(String(a)))];
}

/** The entries of a zip file (stored or deflated), read from its central directory. */
function readZip(buf: Buffer, what: string): Map<string, Buffer> {
  const bad = () => new UsageError(`${what}: the bundle is not a zip file`);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad();
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw bad();
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw bad();
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    if (method === 0) files.set(name, Buffer.from(data));
    else if (method === 8) files.set(name, inflateRawSync(data));
    else throw new UsageError(`${what}: the bundle uses zip compression method ${method}`);
  }
  return files;
}

/** Where a registry server's bundle is unpacked. */
export function bundleDir(home: string, serverName: string, version: string): string {
  return join(home, 'bundles', `${serverName.replace(/[^A-Za-z0-9.-]+/g, '_')}@${version.replace(/[^A-Za-z0-9.-]+/g, '_')}`);
}

export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof SyntaxError ? 'not JSON' : (err as Error).message;
    throw new UsageError(`${path}: ${why}`);
  }
}
