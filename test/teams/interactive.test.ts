// `conn import --catalog` driven through a real pseudo-terminal: the confirm prompt, the hidden
// prompts for the secrets each machine provides itself, and Ctrl-C.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { spawnPty, type Session } from '../helpers/pty.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

const TOKEN = 'ntn_pty_team_secret_7c2d9a';

let w: World;
let sessions: Session[];
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
  sessions = [];
});
afterEach(() => {
  for (const s of sessions) s.kill();
  w.cleanup();
});

/** A team catalog (as `conn export` writes it) with two secrets each machine provides itself. */
function writeTeamCatalog(): string {
  const file = join(w.tmp, 'conn-catalog.json');
  writeFileSync(
    file,
    JSON.stringify({
      $schema: 'urn:conn:team-catalog:1',
      format: 'conn-team-catalog',
      version: 1,
      connections: [
        { name: 'notion', preset: 'notion', enabled: true, fields: {}, secrets: { NOTION_TOKEN: { provide: true } } },
        { name: 'sentry', preset: 'sentry', enabled: true, fields: { SENTRY_HOST: 'sentry.acme.dev' }, secrets: { SENTRY_ACCESS_TOKEN: { provide: true } } },
      ],
    }),
  );
  return file;
}

function importOnPty(): Session {
  const s = spawnPty(['import', '--catalog', 'conn-catalog.json'], { cwd: w.tmp, env: w.env });
  sessions.push(s);
  return s;
}

const configPath = () => join(w.home, 'config.json');

it('asks before applying; y applies, then prompts for each secret to provide with hidden input, Enter skipping one', async () => {
  writeTeamCatalog();
  const s = importOnPty();
  await s.waitFor('Apply 2 change(s)?');
  // The plan is shown before the question, and nothing is written while it waits for the answer.
  expect(s.output()).toMatch(/add\s+notion \(notion\)/);
  expect(s.output()).toMatch(/add\s+sentry \(sentry\)/);
  expect(existsSync(configPath())).toBe(false);

  s.write('y\r');
  await s.waitFor('2 secret(s) to provide on this machine');
  await s.waitFor('notion Notion integration token');
  // The connections are in the catalog before the first secret is asked for.
  expect(Object.keys(JSON.parse(readFileSync(configPath(), 'utf8')).connections).sort()).toEqual(['notion', 'sentry']);
  s.write(`${TOKEN}\r`);
  await s.waitFor('sentry Sentry user auth token');
  s.write('\r');

  expect(await s.exit).toBe(0);
  const screen = s.output();
  // The typed token is masked on screen, never echoed (nor in the final report).
  expect(screen).not.toContain(TOKEN);
  expect(screen).toContain('*'.repeat(TOKEN.length));
  // The skipped secret is still reported missing; the provided one is not.
  expect(screen).toMatch(/Secrets this machine still lacks:\s+sentry\/SENTRY_ACCESS_TOKEN\s+conn edit sentry --secret SENTRY_ACCESS_TOKEN/);
  expect(screen).not.toMatch(/notion\/NOTION_TOKEN\s+conn edit/);

  expect(keychainItems(w.service)).toEqual({ 'notion/NOTION_TOKEN': TOKEN });
  const config = JSON.parse(readFileSync(configPath(), 'utf8'));
  expect(config.connections.notion).toMatchObject({ name: 'notion', preset: 'notion', enabled: true, secrets: ['NOTION_TOKEN'] });
  expect(config.connections.notion.secretRefs ?? {}).toEqual({});
  expect(config.connections.sentry).toMatchObject({ preset: 'sentry', fields: { SENTRY_HOST: 'sentry.acme.dev' }, secrets: ['SENTRY_ACCESS_TOKEN'] });
  expect(readFileSync(configPath(), 'utf8')).not.toContain(TOKEN);

  // The rest of conn sees the stored secret, and the skipped one as missing.
  const shown = await w.conn(['show', 'notion', '--json']);
  expect(shown.code, shown.stderr).toBe(0);
  expect(JSON.parse(shown.stdout).secrets).toEqual({ NOTION_TOKEN: '(keychain)' });
  expect(JSON.parse((await w.conn(['show', 'sentry', '--json'])).stdout).secrets).toEqual({ SENTRY_ACCESS_TOKEN: '(missing)' });
});

it('imports nothing when the answer is n', async () => {
  const file = writeTeamCatalog();
  const before = readFileSync(file, 'utf8');
  const s = importOnPty();
  await s.waitFor('Apply 2 change(s)?');
  s.write('n\r');
  // Either outcome ends the wait: the refusal, or (broken) the secret prompts that follow applying.
  await s.waitFor(/nothing imported|to provide on this machine/);
  expect(s.output()).toContain('nothing imported');
  expect(s.output()).not.toContain('to provide on this machine');
  expect(await s.exit).toBe(0);
  expect(s.output()).not.toContain('Notion integration token');
  expect(existsSync(configPath())).toBe(false);
  expect(keychainItems(w.service)).toEqual({});
  expect(readFileSync(file, 'utf8')).toBe(before);
});

it('exits 130 and leaves nothing when interrupted with Ctrl-C at the confirm prompt', async () => {
  writeTeamCatalog();
  const s = importOnPty();
  await s.waitFor('Apply 2 change(s)?');
  s.write('\x03');
  expect(await s.exit).toBe(130);
  expect(s.output()).toMatch(/interrupted: nothing was saved/);
  expect(s.output()).not.toContain('to provide on this machine');
  expect(existsSync(configPath())).toBe(false);
  expect(keychainItems(w.service)).toEqual({});
});

it('on Ctrl-C at a secret prompt after applying, exits 130 and says what was applied and what is still missing', async () => {
  writeTeamCatalog();
  const s = importOnPty();
  await s.waitFor('Apply 2 change(s)?');
  s.write('y\r');
  await s.waitFor('notion Notion integration token');
  s.write(`${TOKEN}\r`);
  await s.waitFor('sentry Sentry user auth token');
  s.write('\x03');
  expect(await s.exit).toBe(130);
  // The connections and the first secret are written by now: the message must not claim otherwise.
  expect(s.output()).not.toContain('nothing was saved');
  expect(s.output()).toMatch(/interrupted: the catalog changes were applied; still to provide: sentry\/SENTRY_ACCESS_TOKEN\b/);
  expect(s.output()).not.toContain(TOKEN);
  expect(keychainItems(w.service)).toEqual({ 'notion/NOTION_TOKEN': TOKEN });
  expect(Object.keys(JSON.parse(readFileSync(configPath(), 'utf8')).connections).sort()).toEqual(['notion', 'sentry']);
});
