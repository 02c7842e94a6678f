// `conn add` driven through a real pseudo-terminal: prompts, hidden secret input, Ctrl-C.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { spawnPty } from '../helpers/pty.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const TOKEN = 'ntn_pty_secret_4b8e1f';

it('prompts for the Notion token with hidden input and stores it in the keychain', async () => {
  const s = spawnPty(['add', 'notion', '--name', 'Team Notion'], { cwd: w.tmp, env: w.env });
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
  const s = spawnPty(['add', 'slack', '--name', 'team-slack'], { cwd: w.tmp, env: w.env });
  await s.waitFor(/Slack bot token/);
  s.write('\x03');
  const code = await s.exit;
  expect(code).toBe(130);
  expect(s.output()).toMatch(/interrupted: nothing was saved/);
  expect(existsSync(join(w.home, 'config.json'))).toBe(false);
  expect(keychainItems(w.service)).toEqual({});
});

it('leaves nothing when Ctrl-C comes after the secret was typed but before the last prompt', async () => {
  const s = spawnPty(['add', 'slack', '--name', 'team-slack'], { cwd: w.tmp, env: w.env });
  await s.waitFor(/Slack bot token/);
  s.write('xoxb-123-456-secret\r');
  await s.waitFor(/workspace \(team\) ID/);
  s.write('\x03');
  expect(await s.exit).toBe(130);
  expect(existsSync(join(w.home, 'config.json'))).toBe(false);
  expect(keychainItems(w.service)).toEqual({});
});
