// The official conformance suite's client scenarios with `conn call` as the client
// (test/fixtures/conformance/conn-client.mjs). The runner needs Node >= 22 (fs.globSync): the one
// .ci/run installs under ~/.cache/conn-nodes/22 (CONN_EXTRA_NODES_DIR to move it).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runProcess } from '../helpers/world.js';

const dir = process.env.CONN_EXTRA_NODES_DIR ?? join(homedir(), '.cache/conn-nodes');
const NODE22 = join(dir, '22', 'node_modules/node/bin/node');
const RUNNER = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const CLIENT = join(ROOT, 'test/fixtures/conformance/conn-client.mjs');

const SCENARIOS = ['initialize', 'tools_call', 'sse-retry', 'elicitation-sep1034-client-defaults'];

async function passes(scenario: string, viaServe: boolean): Promise<void> {
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

describe('conformance client scenarios, conn call as the client', () => {
  for (const scenario of SCENARIOS) it(scenario, () => passes(scenario, false), 120_000);
});

// The same calls made by an agent (the v2 SDK client) through `conn serve`: the server's elicitation
// reaches the agent through serve, which answers it with the schema's defaults.
describe('conformance client scenarios, an agent through conn serve', () => {
  for (const scenario of SCENARIOS) it(scenario, () => passes(scenario, true), 120_000);
});
