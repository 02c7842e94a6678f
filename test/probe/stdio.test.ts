import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { probe } from '../../src/probe/probe.js';
import { liveProcessGroups } from '../../src/process/registry.js';
import { EVERYTHING, FILESYSTEM, MEMORY, expectGone, fixture, stdioSpec, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('probe over stdio against the reference servers', () => {
  it('reports server-everything healthy with its name, protocol version, tools and latency, and stops it', async () => {
    let pid = 0;
    const started = performance.now();
    const result = await probe(stdioSpec([EVERYTHING]), { timeoutMs: 15_000, onSpawn: (p) => (pid = p) });
    const wall = performance.now() - started;
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('healthy');
    expect(result.transport).toBe('stdio');
    expect(result.server?.name).toMatch(/everything/);
    expect(result.protocolVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(result.tools.length).toBeGreaterThan(0);
    expect(result.tools.every((t) => /^[0-9a-f]{64}$/.test(t.hash ?? ''))).toBe(true);
    expect(result.latencyMs).toBeGreaterThan(0);
    // The latency is a part of the probe call, in milliseconds (not seconds, not since some other start).
    expect(result.latencyMs).toBeLessThanOrEqual(Math.ceil(wall));
    expect(pid).toBeGreaterThan(0);
    expect(await expectGone([pid])).toEqual([]);
    expect(liveProcessGroups()).not.toContain(pid);
    console.log(`server-everything stdio probe latency: ${result.latencyMs} ms`);
  });

  it('records tool annotations from server-memory (delete_entities is destructive)', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const result = await probe(stdioSpec([MEMORY], { MEMORY_FILE_PATH: `${dir}/memory.jsonl` }), { timeoutMs: 15_000 });
    expect(result.status).toBe('healthy');
    const del = result.tools.find((t) => t.name === 'delete_entities');
    expect(del?.annotations?.destructiveHint).toBe(true);
    const read = result.tools.find((t) => t.name === 'read_graph');
    expect(read?.annotations?.readOnlyHint).toBe(true);
  });

  it('records server-filesystem read-only tools when given a directory', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const result = await probe(stdioSpec([FILESYSTEM, dir]), { timeoutMs: 15_000 });
    expect(result.status).toBe('healthy');
    expect(result.server?.name).toMatch(/filesystem/);
    const readTool = result.tools.find((t) => t.name === 'read_text_file');
    expect(readTool?.annotations?.readOnlyHint).toBe(true);
    const write = result.tools.find((t) => t.name === 'write_file');
    expect(write?.annotations?.readOnlyHint).toBe(false);
  });
});

describe('the environment a stdio server gets', () => {
  it('passes the secret to the server without it appearing anywhere in the result', async () => {
    const secret = `s3cr3t-${Math.random().toString(36).slice(2)}`;
    const result = await probe(stdioSpec([fixture('env-echo.mjs')], { SECRET_TOKEN: secret }), { timeoutMs: 10_000 });
    expect(result.status).toBe('healthy');
    const hash = createHash('sha256').update(secret).digest('hex');
    expect(result.server?.version).toBe(`1.0.0+${hash}`);
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('gives the server only the minimal base environment plus the spec env', async () => {
    process.env.CONN_PROBE_LEAK_CHECK = 'must-not-leak';
    try {
      const result = await probe(stdioSpec([fixture('env-echo.mjs')], { ONLY_THIS: '1' }), { timeoutMs: 10_000 });
      expect(result.status).toBe('healthy');
      const names = result.tools.find((t) => t.name === 'env')?.title?.split(',') ?? [];
      expect(names).toContain('ONLY_THIS');
      expect(names).toContain('PATH');
      expect(names).not.toContain('CONN_PROBE_LEAK_CHECK');
      // CONN_PROCESS_TAG is conn's own: it marks the server's process tree (src/process/tree.ts).
      const allowed = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'TMPDIR', 'LANG', 'ONLY_THIS', 'CONN_PROCESS_TAG'];
      expect(names.filter((n) => !allowed.includes(n))).toEqual([]);
    } finally {
      delete process.env.CONN_PROBE_LEAK_CHECK;
    }
  });
});
