// The OAuth client identity fields on the remote preset (issue 18, Build 2): the example
// command works as written, the secret lands in the secret store (not the config file), and
// `conn show` says which identity `conn connect` will use, following the precedence.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, type World } from '../helpers/world.js';

let w: World;
afterEach(() => w?.cleanup());

const show = async (name: string) => {
  const r = await w.conn(['show', name, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).oauthClient;
};

describe('OAuth client identity on a remote connection', () => {
  it('takes the machine-credentials example as written and keeps the secret out of the config file', async () => {
    w = makeWorld();
    const args = 'add remote --name ci-api --set url=https://mcp.example.com/mcp --set grant=client_credentials --set client_id=conn-ci --secret-stdin client_secret'.split(' ');
    const r = await w.conn(args, { input: 'the-client-secret\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(w.home, 'config.json'), 'utf8')).not.toContain('the-client-secret');
    expect(await show('ci-api')).toEqual({ grant: 'client_credentials', identity: 'pre-registered', clientId: 'conn-ci', credential: 'client_secret' });
    const text = await w.conn(['show', 'ci-api']);
    expect(text.stdout).toMatch(/oauth client: +pre-registered client conn-ci, client_credentials grant with client_secret/);
    expect(text.stdout).not.toContain('the-client-secret');
  });

  it('prefers client_id over client_metadata_url over dynamic registration', async () => {
    w = makeWorld();
    expect((await w.conn(['add', 'remote', '--name', 'corp', '--set', 'url=https://mcp.example.com/mcp'])).code).toBe(0);
    expect((await show('corp')).identity).toBe('dynamic');
    expect((await w.conn(['edit', 'corp', '--set', 'client_metadata_url=https://example.com/conn.json'])).code).toBe(0);
    expect(await show('corp')).toMatchObject({ identity: 'metadata-document', clientId: 'https://example.com/conn.json', grant: 'authorization_code' });
    expect((await w.conn(['edit', 'corp', '--set', 'client_id=conn-corp'])).code).toBe(0);
    expect(await show('corp')).toMatchObject({ identity: 'pre-registered', clientId: 'conn-corp' });
  });

  it('refuses client_credentials without a credential before any network call', async () => {
    w = makeWorld();
    expect((await w.conn(['add', 'remote', '--name', 'm2m', '--set', 'url=http://127.0.0.1:9/mcp', '--set', 'grant=client_credentials', '--set', 'client_id=x'])).code).toBe(0);
    const r = await w.conn(['connect', 'm2m']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/grant=client_credentials but has neither client_secret nor private_key/);
  });

  it('puts the example in the --help of conn add and conn connect', async () => {
    w = makeWorld();
    for (const cmd of ['add', 'connect']) {
      const r = await w.conn([cmd, '--help']);
      expect(r.stdout).toContain('conn add remote --name ci-api --set url=https://mcp.example.com/mcp --set grant=client_credentials --set client_id=conn-ci --secret-stdin client_secret < secret.txt');
    }
  });
});
