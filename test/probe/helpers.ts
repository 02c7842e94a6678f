// Worlds for probe tests: real reference servers, fixture programs, PID checks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RemoteSpec, StdioSpec } from '../../src/launch/types.js';
import { alive, pollUntil } from '../helpers/processes.js';
export { alive, pollUntil };

export const ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(ROOT, 'test/fixtures/servers');
const ref = (pkg: string) => join(ROOT, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js');
export const EVERYTHING = ref('server-everything');
export const MEMORY = ref('server-memory');
export const FILESYSTEM = ref('server-filesystem');
export const NODE = process.execPath;

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function stdioSpec(args: string[], env: Record<string, string> = {}, command = NODE): StdioSpec {
  return { kind: 'stdio', name: 'under-test', command, args, env, secrets: [], permission: 'full' };
}

export function remoteSpec(url: string, headers: Record<string, string> = {}, transport: RemoteSpec['transport'] = 'auto'): RemoteSpec {
  return { kind: 'remote', name: 'under-test', url, headers, transport, secrets: [], permission: 'full' };
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'conn-probe-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}



/** Polls (briefly: cleanup already happened when probe() returned) until every PID is gone. */
export async function expectGone(pids: number[], limitMs = 1000): Promise<number[]> {
  await pollUntil(() => pids.every((p) => !alive(p)), limitMs);
  return pids.filter(alive);
}

export async function readWhenPresent(file: string, limitMs = 10_000): Promise<string> {
  let text = '';
  await pollUntil(() => {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return false;
    }
    return text.length > 0;
  }, limitMs);
  return text;
}

export interface HttpFixture {
  port: number;
  url(path: string): string;
  /** Every stdout line so far. */
  lines: string[];
  stop(): Promise<void>;
}

/** Starts `node script ...args`, waits for its "PORT <n>" line. */
export function startHttpFixture(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<HttpFixture> {
  const child: ChildProcess = spawn(NODE, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((resolvePort, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${stderr.join('')}`)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (buffered + chunk).split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const m = /^PORT (\d+)$/.exec(line);
        if (m) {
          const port = Number(m[1]);
          resolvePort({
            port,
            url: (path) => `http://127.0.0.1:${port}${path}`,
            lines,
            async stop() {
              try {
                process.kill(-child.pid!, 'SIGKILL');
              } catch {
                /* already gone */
              }
              await exited;
            },
          });
        }
      }
    });
  });
}
