// Credentials belong to the origin they were given for: moving a remote connection's URL to another
// origin (conn edit --set url=, a team catalog update) drops its OAuth sign-in, and sends a stored
// token there only once the user says so.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnPty } from '../helpers/pty.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { addRemote, connectViaBrowser, startOAuthFixture, storedOAuth, type OAuthFixture } from './helpers.js';

let a: OAuthFixture;
let b: OAuthFixture;
let w: World;
beforeAll(async () => {
  [a, b] = await Promise.all([startOAuthFixture({ ACCESS_TTL: '3600' }), startOAuthFixture({ ACCESS_TTL: '3600' })]);
});
afterAll(async () => {
  await Promise.all([a, b].filter(Boolean).map((f) => f.stop()));
});
afterEach(() => w?.cleanup());

function conn(name: string): { fields: Record<string, string>; oauth?: unknown } {
  return JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8')).connections[name];
}

async function signedIn(name: string): Promise<void> {
  await addRemote(w, name, a.mcpUrl);
  const r = await connectViaBrowser(w, name);
  expect(r.code, r.stderr).toBe(0);
  expect(storedOAuth(w, name).tokens).toBeDefined();
}

describe('a remote connection moved to another origin', () => {
  it('keeps its OAuth sign-in on the same origin, and drops tokens and client on another', async () => {
    requireKeychain();
    w = makeWorld();
    await signedIn('moving');
    const samePath = new URL(a.mcpUrl);
    samePath.searchParams.set('v', '2');
    expect((await w.conn(['edit', 'moving', '--set', `url=${samePath.href}`])).code).toBe(0);
    expect(storedOAuth(w, 'moving').tokens).toBeDefined();

    const r = await w.conn(['edit', 'moving', '--set', `url=${b.mcpUrl}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`signed out (its OAuth tokens and client were for ${new URL(a.mcpUrl).origin})`);
    expect(storedOAuth(w, 'moving')).toEqual({ tokens: undefined, client: undefined });
    expect(conn('moving').oauth).toBeUndefined();
    // Nothing of A's goes to B: B answers 401, and conn test says so.
    const t = await w.conn(['test', 'moving', '--json']);
    expect(JSON.parse(t.stdout)[0]).toMatchObject({ status: 'error', needsOAuth: true });
  });

  it('asks before sending a static token to the new origin: refused without a terminal, --yes or a new token goes on', async () => {
    requireKeychain();
    w = makeWorld();
    const add = await w.conn(['add', 'remote', '--name', 'static', '--set', `url=${a.mcpUrl}`, '--no-match-preset', '--secret-stdin', 'token'], { input: 'tok-static-123456' });
    expect(add.code, add.stderr).toBe(0);
    const refused = await w.conn(['edit', 'static', '--set', `url=${b.mcpUrl}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`static moves from ${new URL(a.mcpUrl).origin} to ${new URL(b.mcpUrl).origin}: its token would be sent there; nothing changed`);
    expect(refused.stderr).toContain('--yes');
    expect(conn('static').fields.url).toBe(a.mcpUrl);

    const newToken = await w.conn(['edit', 'static', '--set', `url=${b.mcpUrl}`, '--secret-stdin', 'token'], { input: 'tok-for-b-654321' });
    expect(newToken.code, newToken.stderr).toBe(0);
    expect(conn('static').fields.url).toBe(b.mcpUrl);

    const yes = await w.conn(['edit', 'static', '--set', `url=${a.mcpUrl}`, '--yes']);
    expect(yes.code, yes.stderr).toBe(0);
    expect(conn('static').fields.url).toBe(a.mcpUrl);
  });

  it('asks on a terminal, and a no changes nothing', async () => {
    requireKeychain();
    w = makeWorld();
    const add = await w.conn(['add', 'remote', '--name', 'asked', '--set', `url=${a.mcpUrl}`, '--no-match-preset', '--secret-stdin', 'token'], { input: 'tok-asked-123456' });
    expect(add.code, add.stderr).toBe(0);
    const s = spawnPty(['edit', 'asked', '--set', `url=${b.mcpUrl}`], { cwd: w.tmp, env: w.env });
    try {
      await s.waitFor(`Send it to ${new URL(b.mcpUrl).origin}?`);
      s.write('n\r');
      expect(await s.exit).toBe(0);
      expect(s.output()).toContain('nothing changed');
    } finally {
      s.kill();
    }
    expect(conn('asked').fields.url).toBe(a.mcpUrl);
  });

  it('a team catalog update shows the move in its plan and drops the OAuth sign-in', async () => {
    requireKeychain();
    w = makeWorld();
    await signedIn('teamed');
    const exported = await w.conn(['export', 'teamed']);
    expect(exported.code, exported.stderr).toBe(0);
    const file = join(w.tmp, 'team.json');
    writeFileSync(file, exported.stdout.split(a.mcpUrl).join(b.mcpUrl));

    const dry = await w.conn(['import', '--catalog', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`url: ${a.mcpUrl} → ${b.mcpUrl} (another origin: the OAuth sign-in is dropped)`);
    const dryJson = JSON.parse((await w.conn(['import', '--catalog', file, '--dry-run', '--json'])).stdout);
    expect(dryJson.changes.teamed).toEqual([`url: ${a.mcpUrl} → ${b.mcpUrl} (another origin: the OAuth sign-in is dropped)`]);
    expect(storedOAuth(w, 'teamed').tokens).toBeDefined();

    const applied = await w.conn(['import', '--catalog', file, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(conn('teamed').fields.url).toBe(b.mcpUrl);
    expect(conn('teamed').oauth).toBeUndefined();
    expect(storedOAuth(w, 'teamed')).toEqual({ tokens: undefined, client: undefined });
  });
});
