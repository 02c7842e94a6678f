// The official conformance suite's client scenarios against conn (test/fixtures/conformance/conn-client.mjs):
// as conn's CLI, or (viaServe) with an agent through `conn serve`. The runner needs Node >= 22
// (fs.globSync): the one .ci/run installs under ~/.cache/conn-nodes/22 (CONN_EXTRA_NODES_DIR to move it).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT, runProcess } from './world.js';

const dir = process.env.CONN_EXTRA_NODES_DIR ?? join(homedir(), '.cache/conn-nodes');
const NODE22 = join(dir, '22', 'node_modules/node/bin/node');
const RUNNER = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const CLIENT = join(ROOT, 'test/fixtures/conformance/conn-client.mjs');

/** Runs one client scenario and expects every check of it to pass. */
export async function passesScenario(scenario: string, viaServe: boolean): Promise<void> {
  expect(existsSync(NODE22), `Node 22 not found at ${NODE22} (install: npm install --prefix ${join(dir, '22')} --no-save node@22)`).toBe(true);
  const r = await runProcess(NODE22, [RUNNER, 'client', '--command', `${process.execPath} ${CLIENT}`, '--scenario', scenario], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CONN_NODE: process.execPath, ...(viaServe ? { CONN_VIA_SERVE: '1' } : {}) },
    timeoutMs: 90_000,
  });
  const report = r.stdout + r.stderr;
  expect(report, report).toMatch(/OVERALL: PASSED/);
  expect(report).toMatch(/Passed: (\d+)\/\1, 0 failed, 0 warnings/);
  expect(r.code).toBe(0);
}
