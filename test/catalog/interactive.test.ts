// `conn add` driven through a real pseudo-terminal: prompts, hidden secret input, Ctrl-C.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { CONN_BIN, makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

interface Session {
  /** Resolves once the screen output contains `text` (no timing assumptions). */
  waitFor(text: string | RegExp): Promise<void>;
  write(data: string): void;
  output(): string;
  exit: Promise<number>;
}

function spawnPty(args: string[], env: Record<string, string>): Session {
  const term = pty.spawn(process.execPath, [CONN_BIN, ...args], { cols: 120, rows: 30, cwd: w.tmp, env: { ...env, TERM: 'xterm' } });
  let out = '';
  const waiters: { test: (s: string) => boolean; resolve: () => void }[] = [];
  term.onData((d) => {
    out += d;
    for (const waiter of [...waiters]) if (waiter.test(out)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return {
    waitFor(text) {
      const test = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
      return test(out) ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve }));
    },
    write: (data) => term.write(data),
    output: () => out,
    exit,
  };
}

const TOKEN = 'ntn_pty_secret_4b8e1f';

it('prompts for the Notion token with hidden input and stores it in the keychain', async () => {
  const s = spawnPty(['add', 'notion', '--name', 'Team Notion'], w.env);
  await s.waitFor('Notion integration token');
  s.write(`${TOKEN}\r`);
  expect(await s.exit).toBe(0);
  expect(s.output()).toContain('Added team-notion (notion)');
  // The typed token is masked on screen, never echoed.
  expect(s.output()).not.toContain(TOKEN);
  expect(keychainItems(w.service)).toEqual({ 'team-notion/NOTION_TOKEN': TOKEN });
  const config = JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8'));
  expect(config.connections['team-notion'].secrets).toEqual(['NOTION_TOKEN']);
});

it('leaves no connection and no keychain item when interrupted with Ctrl-C at a prompt', async () => {
  const s = spawnPty(['add', 'slack', '--name', 'team-slack'], w.env);
  await s.waitFor(/Slack bot token/);
  s.write('\x03');
  const code = await s.exit;
  expect(code).toBe(130);
  expect(s.output()).toMatch(/interrupted: nothing was saved/);
  expect(existsSync(join(w.home, 'config.json'))).toBe(false);
  expect(keychainItems(w.service)).toEqual({});
});

it('leaves nothing when Ctrl-C comes after the secret was typed but before the last prompt', async () => {
  const s = spawnPty(['add', 'slack', '--name', 'team-slack'], w.env);
  await s.waitFor(/Slack bot token/);
  s.write('xoxb-123-456-secret\r');
  await s.waitFor(/workspace \(team\) ID/);
  s.write('\x03');
  expect(await s.exit).toBe(130);
  expect(existsSync(join(w.home, 'config.json'))).toBe(false);
  expect(keychainItems(w.service)).toEqual({});
});
