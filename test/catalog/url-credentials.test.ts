// A credential in a remote URL's query (`?api_key=…`) would land in repo files in env mode (the URL is
// written as is): add and edit refuse it, as import already does, without echoing the value.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const KEY = 'sk_live_query_canary_51f0';

describe('a credential in a remote URL', () => {
  it('is refused by add (exit 2, value not echoed) and nothing is stored', async () => {
    for (const preset of ['remote', 'http-api']) {
      const r = await w.conn(['add', preset, '--name', `svc-${preset}`, '--set', `url=https://example.com/mcp?api_key=${KEY}`]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe('conn: URL must not contain credentials (query parameter api_key in the URL): put the token in the token field (--secret token)\n');
      expect(r.stdout + r.stderr).not.toContain(KEY);
    }
    const config = join(w.home, 'config.json');
    if (existsSync(config)) expect(readFileSync(config, 'utf8')).not.toContain(KEY);
  });

  it('is refused by edit --set url, and a URL with plain query parameters is kept', async () => {
    const ok = await w.conn(['add', 'remote', '--name', 'svc', '--set', 'url=https://example.com/mcp?project=acme']);
    expect(ok.code, ok.stderr).toBe(0);
    const r = await w.conn(['edit', 'svc', '--set', `url=https://example.com/mcp?access_token=${KEY}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('URL must not contain credentials (query parameter access_token in the URL)');
    expect(readFileSync(join(w.home, 'config.json'), 'utf8')).not.toContain(KEY);
    expect(readFileSync(join(w.home, 'config.json'), 'utf8')).toContain('https://example.com/mcp?project=acme');
  });
});
