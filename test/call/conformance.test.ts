// The official conformance suite's client scenarios with `conn call` as the client, and with an agent
// through `conn serve` (test/helpers/conformance.ts).
import { describe, it } from 'vitest';
import { passesScenario } from '../helpers/conformance.js';

const SCENARIOS = ['initialize', 'tools_call', 'sse-retry', 'elicitation-sep1034-client-defaults'];

describe('conformance client scenarios, conn call as the client', () => {
  for (const scenario of SCENARIOS) it(scenario, () => passesScenario(scenario, false), 120_000);
});

// The same calls made by an agent (the v2 SDK client) through `conn serve`: the server's elicitation
// reaches the agent through serve, which answers it with the schema's defaults.
describe('conformance client scenarios, an agent through conn serve', () => {
  for (const scenario of SCENARIOS) it(scenario, () => passesScenario(scenario, true), 120_000);
});
