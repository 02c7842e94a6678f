// The official MCP conformance suite's server scenarios (npm @modelcontextprotocol/conformance
// 0.1.16, on Node 22, both installed by .ci/run under $CONN_EXTRA_NODES_DIR) against
// server-everything directly (its Streamable HTTP mode) and through `conn serve --http` in front of
// it (stdio): every scenario that passes directly passes through conn.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, ROOT, makeWorld, runProcess, type World } from '../helpers/world.js';
import { NODE, SERVER_FIXTURES } from './helpers.js';

const dir = process.env.CONN_EXTRA_NODES_DIR ?? join(homedir(), '.cache/conn-nodes');
const NODE22 = join(dir, '22/node_modules/node/bin/node');
const SUITE = join(dir, 'conformance-0.1.16/node_modules/@modelcontextprotocol/conformance/dist/index.js');
const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

let w: World;
const procs: ChildProcess[] = [];
beforeEach(() => {
  w = makeWorld();
});
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGTERM');
  w.cleanup();
});

/** Starts a process and resolves with the first stdout line matching `pattern`. */
function firstLine(command: string, args: string[], pattern: RegExp, env: Record<string, string>): Promise<RegExpExecArray> {
  const proc = spawn(command, args, { env, cwd: w.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  proc.stderr!.resume();
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before printing ${pattern}`)));
  });
}

/** The suite's summary: scenario → passed (no failed check). */
async function conformance(url: string): Promise<Map<string, boolean>> {
  const r = await runProcess(NODE22, [SUITE, 'server', '--url', url, '-o', join(w.tmp, `results-${procs.length}`)], { env: { PATH: process.env.PATH ?? '', HOME: w.env.HOME! }, timeoutMs: 240_000 });
  const summary = r.stdout.slice(r.stdout.indexOf('=== SUMMARY ==='));
  const results = new Map<string, boolean>();
  for (const m of summary.matchAll(/^([✓✗]) (\S+): (\d+) passed, (\d+) failed$/gm)) results.set(m[2]!, m[1] === '✓' && m[4] === '0');
  if (results.size === 0) throw new Error(`no conformance summary: ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}`);
  return results;
}

describe('the MCP conformance suite’s server scenarios', () => {
  it('every scenario that passes against server-everything directly passes through conn serve --http', async () => {
    expect(existsSync(NODE22), `Node 22 missing at ${NODE22}: run .ci/run or npm install --prefix ${join(dir, '22')} --no-save node@22`).toBe(true);
    expect(existsSync(SUITE), `conformance suite missing at ${SUITE}: run .ci/run`).toBe(true);

    const [, port] = await firstLine(NODE, [join(SERVER_FIXTURES, 'everything-http.mjs'), 'streamableHttp'], /PORT (\d+)/, { PATH: process.env.PATH ?? '' });
    const direct = await conformance(`http://127.0.0.1:${port}/mcp`);

    const added = await w.conn(['add', 'custom', '--name', 'every', '--', NODE, EVERYTHING, 'stdio']);
    expect(added.code, added.stderr).toBe(0);
    // The suite sends no token: --no-token, which loopback allows for test harnesses.
    const [, url] = await firstLine(NODE, [CONN_BIN, 'serve', 'every', '--permission', 'full', '--http', '--no-token', '--json'], /"url":"([^"]+)"/, w.env);
    const through = await conformance(url!);

    const passedDirectly = [...direct].filter(([, ok]) => ok).map(([name]) => name);
    expect(passedDirectly).toEqual(expect.arrayContaining(['server-initialize', 'tools-list', 'tools-call-simple-text', 'ping']));
    expect(passedDirectly.filter((name) => !through.get(name))).toEqual([]);
    // conn checks Host and Origin itself.
    expect(through.get('dns-rebinding-protection')).toBe(true);
  }, 300_000);
});
