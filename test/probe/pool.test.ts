import { describe, expect, it } from 'vitest';
import { probeAll } from '../../src/probe/pool.js';
import { EVERYTHING, fixture, stdioSpec } from './helpers.js';

describe('probeAll', () => {
  it('probes several servers at once and returns results in input order', async () => {
    const items = [
      { name: 'everything', spec: stdioSpec([EVERYTHING]) },
      { name: 'crash', spec: stdioSpec([fixture('crash.mjs')]) },
      { name: 'hang', spec: stdioSpec([fixture('hang.mjs')]) },
      { name: 'tiny', spec: stdioSpec([fixture('tiny-server.mjs')]) },
      { name: 'env', spec: stdioSpec([fixture('env-echo.mjs')]) },
    ];
    const started: string[] = [];
    const done: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const start = performance.now();
    const results = await probeAll(items, {
      timeoutMs: 2000,
      onStart: (name) => {
        started.push(name);
        maxRunning = Math.max(maxRunning, ++running);
      },
      onDone: (name) => {
        done.push(name);
        running--;
      },
    });
    const ms = performance.now() - start;
    expect(results.map((r) => r.status)).toEqual(['healthy', 'error', 'error', 'healthy', 'healthy']);
    expect(results[0]?.server?.name).toMatch(/everything/);
    expect(results[1]?.error).toBe('exited with code 1');
    expect(results[2]?.error).toBe('timed out after 2 s');
    expect(results[3]?.server?.name).toBe('tiny');
    expect(results[4]?.server?.name).toBe('env-echo');
    expect(started.sort()).toEqual(items.map((i) => i.name).sort());
    expect(done.sort()).toEqual(items.map((i) => i.name).sort());
    // All at once (default bound ≥ 4): about as long as the slowest (the 2 s timeout), not the sum.
    expect(maxRunning).toBeGreaterThanOrEqual(4);
    expect(ms).toBeLessThan(2000 + 2000);
  });

  it('never runs more than the concurrency bound', async () => {
    let running = 0;
    let maxRunning = 0;
    const items = [1, 2, 3].map((n) => ({ name: `t${n}`, spec: stdioSpec([fixture('tiny-server.mjs')]) }));
    const results = await probeAll(items, {
      timeoutMs: 10_000,
      concurrency: 1,
      onStart: () => (maxRunning = Math.max(maxRunning, ++running)),
      onDone: () => running--,
    });
    expect(results.every((r) => r.status === 'healthy')).toBe(true);
    expect(maxRunning).toBe(1);
  });
});
