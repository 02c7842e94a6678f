// `conn import` on a terminal: a VS Code `${input:id}` secret is asked for (hidden) right after the
// import, and kept in the keychain; nothing of it on screen.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { spawnPty, type Session } from '../helpers/pty.js';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const TOKEN = 'ghp_pty_input_secret_0123456789';
let w: World;
let sessions: Session[] = [];
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
  sessions = [];
});
afterEach(() => {
  for (const s of sessions) s.kill();
  w.cleanup();
});

it('asks for a ${input:id} secret after importing, hidden, and stores it under the new connection', async () => {
  const repo = w.gitRepo('vsc');
  mkdirSync(join(repo, '.vscode'), { recursive: true });
  copyFileSync(join(ROOT, 'test/fixtures/import/corpus/vscode-inputs.json'), join(repo, '.vscode/mcp.json'));
  const s = spawnPty(['import', '.vscode/mcp.json'], { cwd: repo, env: w.env });
  sessions.push(s);
  await s.waitFor('Import 3 server(s)?');
  expect(s.output()).toMatch(/token: secret to provide \(VS Code asks for it/);
  s.write('y\r');
  await s.waitFor('github-2 token');
  s.write(`${TOKEN}\r`);
  expect(await s.exit).toBe(0);
  expect(s.output()).not.toContain(TOKEN);
  expect(s.output()).not.toMatch(/Secrets still missing/);
  expect(keychainItems(w.service)).toEqual({ 'github-2/token': TOKEN });
});
