// What a server says is untrusted: its secrets are cut from what conn records and prints, and its
// escape sequences never reach the terminal (src/redact-secrets.ts, src/strip-control.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const HOSTILE = join(ROOT, 'test/fixtures/servers/hostile.mjs');
const TOKEN = 'tok_i22b/secret+value=9f8e7d';
let w: World;
afterEach(() => w?.cleanup());

describe('server output', () => {
  it('redacts the secret a crashing server prints, from config.json and the screen, and strips its escapes', async () => {
    requireKeychain();
    w = makeWorld();
    const add = await w.conn(['add', 'custom', '--name', 'hostile', '--set', 'env.MODE=crash', '--secret-stdin', 'API_TOKEN', '--', 'node', HOSTILE], { input: TOKEN });
    expect(add.code, add.stderr).toBe(0);
    for (const args of [['test', 'hostile'], ['test', 'hostile', '--json']]) {
      const r = await w.conn(args);
      expect(r.code).toBe(1);
      const screen = r.stdout + r.stderr;
      expect(screen).toContain('auth failed for token [redacted]');
      expect(screen).toContain('retrying with [redacted]');
      expect(screen).not.toContain(TOKEN);
      expect(screen).not.toContain(encodeURIComponent(TOKEN));
      expect(screen).not.toContain('\u001b');
    }
    const config = readFileSync(join(w.home, 'config.json'), 'utf8');
    expect(config).toContain('[redacted]');
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(encodeURIComponent(TOKEN));
    expect(config).not.toMatch(/\\u001b/i);
    const show = await w.conn(['show', 'hostile']);
    expect(show.stdout).not.toContain('\u001b');
    expect(show.stdout).not.toContain(TOKEN);
  });

  it('conn serve reports a crashing server without its secret or its escapes', async () => {
    requireKeychain();
    w = makeWorld();
    const add = await w.conn(['add', 'custom', '--name', 'hostile', '--set', 'env.MODE=crash', '--secret-stdin', 'API_TOKEN', '--', 'node', HOSTILE], { input: TOKEN });
    expect(add.code, add.stderr).toBe(0);
    const r = await w.conn(['serve', 'hostile', '--permission', 'full'], { input: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('its stderr ends with: auth failed for token [redacted] | retrying with [redacted]');
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.stderr).not.toContain(encodeURIComponent(TOKEN));
    expect(r.stderr).not.toContain('\u001b');
  });

  it('strips control characters from a server name, version and tool names before printing them', async () => {
    requireKeychain();
    w = makeWorld();
    expect((await w.conn(['add', 'custom', '--name', 'evil', '--set', 'env.MODE=serve', '--', 'node', HOSTILE])).code).toBe(0);
    const t = await w.conn(['test', 'evil', '--tools']);
    expect(t.code, t.stderr).toBe(0);
    // Whole sequences go, not just their ESC: no stray `]0;title` or `[31m` left to confuse the reader.
    expect(t.stdout).toMatch(/stdio +\S+ +evil 6\.6 +1 /);
    expect(t.stdout).toMatch(/^ +peek +read$/m);
    expect(t.stdout).not.toContain('title');
    for (const bad of ['\u001b', '\u0007', '\u202e']) expect(t.stdout + t.stderr).not.toContain(bad);
    const show = await w.conn(['show', 'evil']);
    expect(show.stdout).toContain('server:      evil 6.6 over stdio');
    for (const bad of ['\u001b', '\u0007', '\u202e']) expect(show.stdout).not.toContain(bad);
  });
});
