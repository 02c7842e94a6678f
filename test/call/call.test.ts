// `conn call` and `conn tools` through the built CLI against real servers: server-everything (2025
// era, SDK v1) and the 2026-07-28-only fixture (SDK v2), on stdio.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { spawnPty } from '../helpers/pty.js';
import { EVERYTHING, NODE, fixture } from '../probe/helpers.js';

let world: World;
beforeAll(async () => {
  world = makeWorld();
  expect((await world.conn(['add', 'custom', '--name', 'ev', '--', NODE, EVERYTHING, 'stdio'])).code).toBe(0);
  expect((await world.conn(['add', 'custom', '--name', 'mod', '--', NODE, fixture('modern-stdio.mjs')])).code).toBe(0);
});
afterAll(() => world.cleanup());

describe('conn call', () => {
  it('prints a text result', async () => {
    const r = await world.conn(['call', 'ev', 'echo', 'message=hello there']);
    expect(r.stdout.trim()).toBe('Echo: hello there');
    expect(r.code).toBe(0);
  });

  it('types KEY=VALUE by the schema and --json gives the whole result, structured content included', async () => {
    const sum = await world.conn(['call', 'ev', 'get-sum', 'a=2', 'b=3']);
    expect(sum.stdout).toContain('The sum of 2 and 3 is 5.');
    const r = await world.conn(['call', 'ev', 'get-structured-content', 'location=Chicago', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { structuredContent?: { temperature?: unknown }; isError?: boolean };
    expect(typeof result.structuredContent?.temperature).toBe('number');
  });

  it('takes the arguments as JSON on stdin', async () => {
    const r = await world.conn(['call', 'ev', 'get-sum', '--args-stdin'], { input: '{"a":40,"b":2}' });
    expect(r.stdout).toContain('is 42');
  });

  it('exits 2 before sending when the arguments break the schema, naming each problem', async () => {
    const r = await world.conn(['call', 'ev', 'get-sum', 'a=two']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a must be number');
    expect(r.stderr).toContain('missing required argument b');
  });

  it('exits 2 for an unknown tool, with the closest names', async () => {
    const r = await world.conn(['call', 'ev', 'ecko', 'message=x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no tool ecko.*closest: echo/);
  });

  it('exits 1 when the tool reports an error (isError), printing what it said', async () => {
    const r = await world.conn(['call', 'mod', 'fail']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('it broke');
    expect(r.stderr).toContain('fail returned an error');
  });

  it('refuses a tool the permission does not allow, exit 1 saying why', async () => {
    const r = await world.conn(['call', 'ev', 'trigger-elicitation-request', '--permission', 'read']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refused: trigger-elicitation-request is a write tool');
  });

  it('declines an elicitation without a terminal; --elicit accept-defaults accepts with the defaults', async () => {
    const declined = await world.conn(['call', 'ev', 'trigger-elicitation-request']);
    expect(declined.stdout).toContain('declined');
    // A required field without a default: declined even so.
    const still = await world.conn(['call', 'ev', 'trigger-elicitation-request', '--elicit', 'accept-defaults']);
    expect(still.stdout).toContain('declined');
    // A 2026-07-28 server asks through an input_required result; the retry carries the answer.
    expect((await world.conn(['call', 'mod', 'pick'])).stdout.trim()).toBe('declined');
    expect((await world.conn(['call', 'mod', 'pick', '--elicit', 'accept-defaults'])).stdout.trim()).toBe('picked blue');
  });

  it('asks an elicitation on a terminal', async () => {
    const s = spawnPty(['call', 'mod', 'pick'], { cwd: world.tmp, env: world.env });
    try {
      await s.waitFor('Which colour?');
      await s.waitFor('Answer it?');
      s.write('\r');
      await s.waitFor('color');
      s.write('\x7f\x7f\x7f\x7fred\r');
      expect(await s.exit).toBe(0);
      expect(s.output()).toContain('picked red');
    } finally {
      s.kill();
    }
  });

  it('never prints a secret of the connection, even when the server echoes it', async () => {
    requireKeychain();
    const secret = 'tok_call_canary_9f3e1';
    expect((await world.conn(['add', 'custom', '--name', 'evs', '--secret', `API_TOKEN=${secret}`, '--', NODE, EVERYTHING, 'stdio'])).code).toBe(0);
    for (const extra of [[], ['--json']]) {
      const r = await world.conn(['call', 'evs', 'get-env', ...extra]);
      expect(r.code).toBe(0);
      // The server did send its environment: the variable is there, its value is not.
      expect(r.stdout).toContain('API_TOKEN');
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it('shows progress on a terminal', async () => {
    const s = spawnPty(['call', 'ev', 'trigger-long-running-operation', 'duration=1', 'steps=2'], { cwd: world.tmp, env: world.env });
    try {
      expect(await s.exit).toBe(0);
      expect(s.output()).toMatch(/trigger-long-running-operation: 1\/2/);
      expect(s.output()).toContain('Long running operation completed');
    } finally {
      s.kill();
    }
  });
});

describe('conn tools', () => {
  it('lists tools like signatures, live', async () => {
    const r = await world.conn(['tools', 'ev']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^get-sum\(a: number, b: number\)\s+\[read\]\s+Returns the sum/m);
    expect(r.stdout).toMatch(/^get-resource-links\(count\?: number\)/m);
  });

  it('--json: the tools as sent plus conn\'s class; --cached: what conn test recorded, nothing started', async () => {
    const r = await world.conn(['tools', 'mod', '--json']);
    const tools = JSON.parse(r.stdout) as { name: string; class: string; inputSchema?: unknown }[];
    expect(tools.find((t) => t.name === 'echo')).toMatchObject({ class: 'read', inputSchema: { type: 'object' } });
    const before = await world.conn(['tools', 'mod', '--cached']);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('conn test mod');
    expect((await world.conn(['test', 'mod'])).code).toBe(0);
    const cached = await world.conn(['tools', 'mod', '--cached']);
    expect(cached.stdout).toMatch(/^echo\(text: string\)\s+\[read\]\s+Echo text/m);
  });
});
