// A secret that an HTTP header cannot carry (a line break) is refused at add time without echoing
// it; one that arrives later through a reference fails by header name, never by value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
afterEach(() => w?.cleanup());

const SECRET_TAIL = 'tail-of-the-secret-9d1f';

describe('header values', () => {
  it('refuses a token with a newline at add time, in one line that does not show it', async () => {
    requireKeychain();
    w = makeWorld();
    for (const [preset, extra] of [['remote', []], ['http-api', ['--set', 'auth=bearer']]] as const) {
      const r = await w.conn(['add', preset, '--name', `n-${preset}`, '--set', 'url=http://127.0.0.1:9/mcp', ...extra, '--secret-stdin', 'token'], {
        input: `abc\n${SECRET_TAIL}`,
      });
      expect(r.code, preset).toBe(2);
      expect(r.stderr).toContain('token contains a line break or control character');
      expect(r.stderr).not.toContain(SECRET_TAIL);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await w.conn(['list', '--json'])).stdout).not.toContain('n-remote');
  });

  it('accepts the same value for a stdio server, where it travels in the environment', async () => {
    requireKeychain();
    w = makeWorld();
    const r = await w.conn(['add', 'custom', '--name', 'multi', '--secret-stdin', 'PEM', '--', 'node', 'server.js'], { input: `line1\n${SECRET_TAIL}` });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a reference that resolves to a line break fails by header name: not on screen, not in config.json', async () => {
    requireKeychain();
    w = makeWorld();
    const add = await w.conn(['add', 'remote', '--name', 'viaenv', '--set', 'url=http://127.0.0.1:9/mcp', '--secret-stdin', 'token'], { input: 'env:I22B_TOKEN' });
    expect(add.code, add.stderr).toBe(0);
    const r = await w.conn(['test', 'viaenv'], { env: { I22B_TOKEN: `abc\n${SECRET_TAIL}` } });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('header Authorization contains a line break or control character');
    expect(r.stdout + r.stderr).not.toContain(SECRET_TAIL);
    const config = readFileSync(join(w.home, 'config.json'), 'utf8');
    expect(config).toContain('line break or control character');
    expect(config).not.toContain(SECRET_TAIL);
  });
});
