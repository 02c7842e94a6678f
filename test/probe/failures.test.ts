import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { probe } from '../../src/probe/probe.js';
import { expectGone, fixture, readWhenPresent, stdioSpec, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function world() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await p;
  return [value, performance.now() - start];
}

describe('probe reports why a stdio server is unhealthy, in one line', () => {
  it('kills a server that never answers at the timeout and reports it', async () => {
    let pid = 0;
    const [result, ms] = await timed(probe(stdioSpec([fixture('hang.mjs')]), { timeoutMs: 1500, onSpawn: (p) => (pid = p) }));
    expect(result.status).toBe('error');
    expect(result.error).toBe('timed out after 1.5 s');
    expect(result.stderr).toContain('hang: waiting forever');
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(1500 + 2000);
    expect(await expectGone([pid])).toEqual([]);
  });

  it('reports the exit code and the stderr tail of a server that crashes at start', async () => {
    let pid = 0;
    const [result, ms] = await timed(probe(stdioSpec([fixture('crash.mjs')]), { timeoutMs: 10_000, onSpawn: (p) => (pid = p) }));
    expect(result.status).toBe('error');
    expect(result.error).toBe('exited with code 1');
    expect(result.stderr).toEqual(['starting crash server', 'Error: API_KEY environment variable is required']);
    expect(ms).toBeLessThan(10_000 + 2000);
    expect(await expectGone([pid])).toEqual([]);
  });

  it('says "command not found" for a command that does not exist', async () => {
    const [result, ms] = await timed(probe(stdioSpec([], {}, 'conn-no-such-command-xyz'), { timeoutMs: 5000 }));
    expect(result).toMatchObject({ status: 'error', error: 'command not found: conn-no-such-command-xyz' });
    expect(ms).toBeLessThan(5000 + 2000);
  });

  it('fails fast with "not an MCP server" when the program prints text on stdout and stays up', async () => {
    let pid = 0;
    const [result, ms] = await timed(probe(stdioSpec([fixture('garbage.mjs')]), { timeoutMs: 20_000, onSpawn: (p) => (pid = p) }));
    expect(result.status).toBe('error');
    expect(result.error).toBe(`not an MCP server (printed: ${'Usage: garbage [options] <file> -- this program does not speak MCP and prints help text instead'.slice(0, 80)})`);
    // Well before the timeout: the garbage grace (1.5 s), not the 20 s deadline, ended it.
    expect(ms).toBeLessThan(6000);
    expect(await expectGone([pid])).toEqual([]);
  });

  it('says "not an MCP server" (not just an exit code) when the program prints text and exits', async () => {
    const [result, ms] = await timed(probe(stdioSpec([fixture('garbage.mjs'), 'exit']), { timeoutMs: 10_000 }));
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/^not an MCP server \(printed: Usage: garbage/);
    expect(ms).toBeLessThan(6000);
  });
});

describe('probe leaves no process behind', () => {
  it('SIGKILLs a server that ignores SIGTERM after the grace period', async () => {
    const dir = world();
    const env = { PID_FILE: join(dir, 'pid'), SIGNAL_FILE: join(dir, 'signals') };
    const [result, ms] = await timed(probe(stdioSpec([fixture('ignore-sigterm.mjs')], env), { timeoutMs: 10_000, graceMs: 300 }));
    expect(result.status).toBe('healthy');
    expect(result.server?.name).toBe('stubborn');
    const pid = Number(await readWhenPresent(env.PID_FILE));
    expect(pid).toBeGreaterThan(0);
    expect(await expectGone([pid], 500)).toEqual([]);
    // It was asked politely first, and ignored it.
    expect(readFileSync(env.SIGNAL_FILE, 'utf8')).toContain('SIGTERM');
    expect(ms).toBeLessThan(10_000 + 2000);
  });

  it('stops both an npx-like wrapper and the server it started', async () => {
    const dir = world();
    const pidFile = join(dir, 'pids.json');
    const [result, ms] = await timed(probe(stdioSpec([fixture('grandchild.mjs'), pidFile]), { timeoutMs: 10_000 }));
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('healthy');
    expect(result.server?.name).toBe('grandchild');
    expect(result.tools.map((t) => t.name).sort()).toEqual(['echo', 'wipe']);
    const pids = JSON.parse(await readWhenPresent(pidFile)) as { wrapper: number; server: number };
    expect(pids.server).not.toBe(pids.wrapper);
    expect(await expectGone([pids.wrapper, pids.server])).toEqual([]);
    expect(ms).toBeLessThan(10_000 + 2000);
  });

  it('stops the server and reports "interrupted" when the caller aborts', async () => {
    let pid = 0;
    const controller = new AbortController();
    const running = probe(stdioSpec([fixture('hang.mjs')]), {
      timeoutMs: 20_000,
      signal: controller.signal,
      onSpawn: (p) => {
        pid = p;
        controller.abort();
      },
    });
    const [result, ms] = await timed(running);
    expect(result).toMatchObject({ status: 'error', error: 'interrupted' });
    expect(ms).toBeLessThan(5000);
    expect(await expectGone([pid])).toEqual([]);
  });
});
