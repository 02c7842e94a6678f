// The official conformance suite's auth/* client scenarios with conn's CLI as the client
// (test/fixtures/conformance/conn-client.mjs: `conn add remote`, `conn connect` with a stand-in browser
// that follows the mock authorization server's redirect back to conn's 127.0.0.1 listener, then
// `conn tools`, or `conn call` for the step-up scenarios), and with an agent through `conn serve`
// (test/helpers/conformance.ts).
import { describe, it } from 'vitest';
import { passesScenario } from '../helpers/conformance.js';

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


describe('conformance auth scenarios, conn connect + conn tools as the client', () => {
  for (const scenario of AUTH_SCENARIOS) it(scenario, () => passesScenario(scenario, false), 120_000);
});

// The same, with the MCP calls made by an agent through `conn serve` (conn connect signs in first).
// Not auth/scope-step-up: conn serve has no terminal to sign in again from, so it answers the agent
// with an error naming the scope and `conn connect c --scope …` (test/serve/remote.test.ts).
describe('conformance auth scenarios, conn connect + an agent through conn serve', () => {
  for (const scenario of AUTH_SCENARIOS.filter((s) => s !== 'auth/scope-step-up')) it(scenario, () => passesScenario(scenario, true), 120_000);
});
