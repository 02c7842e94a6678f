// Lazy start: with a record of `conn test`, `conn serve` answers the handshake and tools/list from the
// record and starts the real server only on the first request that needs it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';
import { NODE, pollUntil, serve, text, toolNames, type Session } from './helpers.js';

const LATE = join(ROOT, 'test/fixtures/servers/late-start.mjs');
const CRASH = join(ROOT, 'test/fixtures/servers/crash.mjs');

let w: World;
let startLog: string;
const sessions: Session[] = [];
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
  startLog = join(w.tmp, 'starts.log');
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
  w.cleanup();
});

/** How many times the fixture server has been spawned so far. */
const starts = () => (existsSync(startLog) ? readFileSync(startLog, 'utf8').split('\n').filter(Boolean).length : 0);

async function addLate(delayMs: number): Promise<void> {
  const add = await w.conn(['add', 'custom', '--name', 'late', '--set', `env.START_LOG=${startLog}`, '--set', `env.START_DELAY_MS=${delayMs}`, '--', NODE, LATE]);
  expect(add.code, add.stderr).toBe(0);
  const tested = await w.conn(['test', 'late']);
  expect(tested.code, tested.stderr).toBe(0);
  expect(starts()).toBe(1);
}

/** Changes the stored connection behind conn's back, keeping its record (a server that changed since conn test). */
function editCatalog(change: (conn: { fields: Record<string, string>; command?: string[] }) => void): void {
  const path = join(w.home, 'config.json');
  const catalog = JSON.parse(readFileSync(path, 'utf8'));
  change(catalog.connections.late);
  writeFileSync(path, JSON.stringify(catalog, null, 2));
}

async function open(args: string[]): Promise<Session> {
  const s = await serve(w, args);
  sessions.push(s);
  return s;
}

describe('conn serve --start lazy', () => {
  it('answers the handshake and tools/list from the record without starting the server, and starts it for the first call', async () => {
    await addLate(3000);
    const s = await open(['late', '--permission', 'read']);
    expect(s.client.getServerVersion()).toMatchObject({ name: 'late-start', version: '2.0.0' });
    expect(s.client.getInstructions()).toBe('Starts late.');
    // At read the destructive tool is hidden, from the record as from a live list.
    expect(await toolNames(s.client)).toEqual(['echo']);
    const listed = (await s.client.listTools()).tools[0]!;
    expect(listed.description).toBe('Echo the text back');
    expect(listed.inputSchema).toMatchObject({ properties: { text: { type: 'string' } } });
    expect(starts()).toBe(1); // only conn test's: serve has not started it
    // The first call waits for the start (3 s) and gets the real answer.
    expect(text(await s.client.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('echo: hi');
    expect(starts()).toBe(2);
    expect(text(await s.client.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe('echo: again');
    expect(starts()).toBe(2);
    await expect(s.client.callTool({ name: 'erase', arguments: {} })).rejects.toThrow('tool erase is not allowed at permission read');
    expect(s.stderr()).toContain('the server starts on first use');
    expect(s.stderr()).toContain('started the server on first use');
  });

  it('sends tools/list_changed and records the drift when the live tools differ from the record', async () => {
    await addLate(0);
    editCatalog((c) => {
      c.fields['env.EXTRA_TOOL'] = '1';
    });
    const s = await open(['late', '--permission', 'full']);
    const changed = new Promise<void>((resolve) => s.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    expect(await toolNames(s.client)).toEqual(['echo', 'erase']);
    expect(text(await s.client.callTool({ name: 'echo', arguments: { text: 'x' } }))).toBe('echo: x');
    await changed;
    expect(await toolNames(s.client)).toEqual(['echo', 'erase', 'extra']);
    const drift = () => JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8')).connections.late.health.drift;
    expect(await pollUntil(() => drift() !== undefined, 10_000)).toBe(true);
    expect(drift()).toMatchObject({ added: ['extra'], removed: [], changed: [] });
    expect(s.stderr()).toContain("the server's tools differ from the record (added extra");
  });

  it('refuses, in words, a call to a recorded tool the live server no longer has', async () => {
    await addLate(0);
    editCatalog((c) => {
      c.fields['env.DROP_ECHO'] = '1';
    });
    const s = await open(['late', '--permission', 'read']);
    expect(await toolNames(s.client)).toEqual(['echo']);
    await expect(s.client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(
      "tool echo is not in the server's tool list (it changed since conn test?)",
    );
    expect(await toolNames(s.client)).toEqual([]);
  });

  it('answers the first call of a server that fails to start with the cause in one line, and keeps serving', async () => {
    await addLate(0);
    editCatalog((c) => {
      c.command = [NODE, CRASH];
    });
    const s = await open(['late', '--permission', 'full']);
    expect(await toolNames(s.client)).toEqual(['echo', 'erase']);
    const failed = s.client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await expect(failed).rejects.toThrow(/the server did not start: .*API_KEY environment variable is required/);
    // Still there for the agent: the record answers, and the next call tries again (and fails again).
    expect(await toolNames(s.client)).toEqual(['echo', 'erase']);
    await expect(s.client.callTool({ name: 'echo', arguments: { text: 'y' } })).rejects.toThrow('the server did not start');
  });

  it('starts at once with --start eager, and without a record', async () => {
    await addLate(0);
    const eager = await open(['late', '--permission', 'read', '--start', 'eager']);
    expect(await toolNames(eager.client)).toEqual(['echo']);
    expect(starts()).toBe(2);
    await eager.close();
    const bad = await w.conn(['serve', 'late', '--permission', 'read', '--start', 'later']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--start must be eager or lazy, not later');
    // A connection conn test never saw: nothing to answer from, so the server starts with serve.
    const add = await w.conn(['add', 'custom', '--name', 'fresh', '--set', `env.START_LOG=${startLog}`, '--set', 'env.START_DELAY_MS=0', '--', NODE, LATE]);
    expect(add.code, add.stderr).toBe(0);
    const fresh = await open(['fresh', '--permission', 'read', '--start', 'lazy']);
    expect(starts()).toBe(3);
    expect(fresh.stderr()).toContain('no recent record of conn test');
  });
});
