// Ctrl-C and early exit of the process that started servers: its registry must take them down.
// Runs a small program built from src/process/transport.ts (bundled with esbuild) in a child node.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, expectGone, fixture, readWhenPresent, tempDir } from './helpers.js';

const RUNNER = `
import { StdioProcessTransport } from './src/process/transport.ts';
const [mode, server, env] = process.argv.slice(2);
const t = new StdioProcessTransport({ command: process.execPath, args: [server], env: JSON.parse(env ?? '{}') });
await t.start();
console.log('PID ' + t.pid);
if (mode === 'exit') process.exit(3);
setInterval(() => {}, 60_000);
`;

let dir: string;
let cleanup: () => void;
let runner: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  runner = join(dir, 'runner.mjs');
  await build({
    stdin: { contents: RUNNER, resolveDir: ROOT, sourcefile: 'runner.ts', loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: runner,
    logLevel: 'silent',
  });
});
afterAll(() => cleanup());

/** Starts the runner, resolves with its server's PID and a promise of how the runner ended. */
function run(mode: 'wait' | 'exit', server: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [runner, mode, server, JSON.stringify(env)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const pid = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /PID (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`runner ended before starting a server: ${out}`)));
  });
  return { child, pid, ended };
}

describe('servers are stopped when the process that started them goes away', () => {
  it('on Ctrl-C (SIGINT): the server group is killed and the runner dies of SIGINT', async () => {
    const r = run('wait', fixture('hang.mjs'));
    const pid = await r.pid;
    r.child.kill('SIGINT');
    expect(await r.ended).toEqual({ code: null, signal: 'SIGINT' });
    expect(await expectGone([pid])).toEqual([]);
  });

  it('on SIGTERM, a server that ignores SIGTERM is SIGKILLed', async () => {
    const env = { PID_FILE: join(dir, 'stubborn.pid'), SIGNAL_FILE: join(dir, 'stubborn.signals') };
    const r = run('wait', fixture('ignore-sigterm.mjs'), env);
    const pid = await r.pid;
    // Its SIGTERM handler is installed once it has written its PID file.
    expect(Number(await readWhenPresent(env.PID_FILE))).toBe(pid);
    r.child.kill('SIGTERM');
    expect(await r.ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await expectGone([pid])).toEqual([]);
    expect(readFileSync(env.SIGNAL_FILE, 'utf8')).toContain('SIGTERM');
  });

  it('on process.exit without close(): the exit hook kills the server', async () => {
    const r = run('exit', fixture('hang.mjs'));
    const pid = await r.pid;
    expect(await r.ended).toEqual({ code: 3, signal: null });
    expect(await expectGone([pid])).toEqual([]);
  });
});
