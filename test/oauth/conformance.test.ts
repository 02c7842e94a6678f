// The official conformance suite's auth/* client scenarios with conn's CLI as the client
// (test/fixtures/conformance/conn-client.mjs: `conn add remote`, `conn connect` with a stand-in browser
// that follows the mock authorization server's redirect back to conn's 127.0.0.1 listener, then
// `conn tools`, or `conn call` for the step-up scenarios). The runner needs Node >= 22 (fs.globSync): the one .ci/run installs under
// ~/.cache/conn-nodes/22 (CONN_EXTRA_NODES_DIR to move it).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runProcess } from '../helpers/world.js';

const dir = process.env.CONN_EXTRA_NODES_DIR ?? join(homedir(), '.cache/conn-nodes');
const NODE22 = join(dir, '22', 'node_modules/node/bin/node');
const RUNNER = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const CLIENT = join(ROOT, 'test/fixtures/conformance/conn-client.mjs');

const AUTH_SCENARIOS = [
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/pre-registration',
  'auth/client-credentials-basic',
  'auth/client-credentials-jwt',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/2025-03-26-oauth-metadata-backcompat',
  'auth/2025-03-26-oauth-endpoint-fallback',
  'auth/resource-mismatch',
  'auth/offline-access-scope',
  'auth/offline-access-not-supported',
];

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

describe('conformance auth scenarios, conn connect + conn tools as the client', () => {
  for (const scenario of AUTH_SCENARIOS) it(scenario, () => passes(scenario, false), 120_000);
});

// The same, with the MCP calls made by an agent through `conn serve` (conn connect signs in first).
// Not auth/scope-step-up: conn serve has no terminal to sign in again from, so it answers the agent
// with an error naming the scope and `conn connect c --scope …` (test/serve/remote.test.ts).
describe('conformance auth scenarios, conn connect + an agent through conn serve', () => {
  for (const scenario of AUTH_SCENARIOS.filter((s) => s !== 'auth/scope-step-up')) it(scenario, () => passes(scenario, true), 120_000);
});
