// `conn serve` as an agent sees it: the SDK client launching the built CLI over stdio in a test world.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CONN_BIN, ROOT, type World } from '../helpers/world.js';
import { alive, pollUntil } from '../helpers/processes.js';
export { alive, pollUntil };

export const NODE = process.execPath;
const ref = (pkg: string) => join(ROOT, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js');
export const MEMORY = ref('server-memory');
export const FILESYSTEM = ref('server-filesystem');
export const SERVER_FIXTURES = join(ROOT, 'test/fixtures/servers');
export const SERVE_FIXTURES = join(ROOT, 'test/serve/fixtures');

export interface Session {
  client: Client;
  transport: StdioClientTransport;
  /** The `conn serve` process. */
  pid: number;
  stderr(): string;
  close(): Promise<void>;
}

/** Launches `node bin/conn.js serve ARGS` as an agent would, with the world's environment. */
export async function serve(w: World, args: string[], opts: { cwd?: string; command?: string; argv?: string[] } = {}): Promise<Session> {
  const transport = new StdioClientTransport({
    command: opts.command ?? NODE,
    args: opts.argv ?? [CONN_BIN, 'serve', ...args],
    env: w.env,
    cwd: opts.cwd ?? w.tmp,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const client = new Client({ name: 'test-agent', version: '1.0.0' }, { capabilities: {} });
  try {
    await client.connect(transport, { timeout: 20_000 });
  } catch (err) {
    await transport.close().catch(() => undefined);
    throw new Error(`conn serve did not start: ${(err as Error).message}; stderr: ${stderr}`);
  }
  return { client, transport, pid: transport.pid!, stderr: () => stderr, close: () => client.close() };
}

/** A server started directly (not through conn), for comparing results. */
export async function direct(command: string, args: string[], env: Record<string, string> = {}): Promise<{ client: Client; close(): Promise<void> }> {
  const transport = new StdioClientTransport({ command, args, env: { PATH: process.env.PATH ?? '', ...env }, stderr: 'pipe' });
  transport.stderr?.on('data', () => undefined);
  const client = new Client({ name: 'test-agent', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport, { timeout: 20_000 });
  return { client, close: () => client.close() };
}

export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}



/** PIDs of live processes whose command line contains `needle` (like `pgrep -f`). */
export function pgrep(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmdline.includes(needle) && Number(entry) !== process.pid && alive(Number(entry))) found.push(Number(entry));
  }
  return found;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Text of the first content item of a tool result. */
export function text(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}
