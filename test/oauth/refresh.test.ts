import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/catalog/model.js';
import { readState } from '../../src/render/state.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { addRemote, configText, connectViaBrowser, startConn, startOAuthFixture, storedOAuth, untilRejected, type OAuthFixture } from './helpers.js';

// Access tokens live 2 s at this fixture. conn's refresh margin is at most a quarter of a token's
// lifetime, so `connected()` waits until the fixture rejects the first token: every use then refreshes.
let fixture: OAuthFixture;
let world: World;

beforeAll(async () => {
  fixture = await startOAuthFixture({ ACCESS_TTL: '2' });
});
afterAll(async () => {
  await fixture?.stop();
});
afterEach(async () => {
  await fixture.holdRefresh(false);
  await fixture.releaseRefresh();
  world?.cleanup();
  await fixture.setAccessTtl(2);
});

const unique = (base: string) => `${base}-${Math.random().toString(36).slice(2, 8)}`;

async function connected(): Promise<{ w: World; name: string }> {
  requireKeychain();
  const w = (world = makeWorld());
  const name = unique('rf');
  await addRemote(w, name, fixture.mcpUrl);
  const r = await connectViaBrowser(w, name);
  if (r.code !== 0) throw new Error(`connect failed: ${r.stderr}`);
  if (!(await untilRejected(fixture.mcpUrl, storedOAuth(w, name).tokens!.access_token))) throw new Error('the first token never expired');
  return { w, name };
}

/** A remote connection (not signed in yet) whose tokens will live 20 s. */
async function shortLived(base: string): Promise<{ w: World; name: string }> {
  requireKeychain();
  const w = (world = makeWorld());
  const name = unique(base);
  await fixture.setAccessTtl(20);
  await addRemote(w, name, fixture.mcpUrl);
  return { w, name };
}

function connection(w: World, name: string): Connection {
  return JSON.parse(configText(w)).connections[name];
}

describe('token refresh before use', () => {
  it('refreshes an expired access token (rotating the refresh token) and the connection stays healthy', async () => {
    const { w, name } = await connected();
    const first = storedOAuth(w, name).tokens!;
    expect(await untilRejected(fixture.mcpUrl, first.access_token)).toBe(true);
    const before = await fixture.stats();

    const t = await w.conn(['test', name, '--json']);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)[0]).toMatchObject({ status: 'healthy', toolCount: 2 });
    expect((await fixture.stats()).refreshGrants - before.refreshGrants).toBe(1);

    const next = storedOAuth(w, name).tokens!;
    expect(next.access_token).not.toBe(first.access_token);
    expect(next.refresh_token).not.toBe(first.refresh_token);
    expect(connection(w, name).oauth).toEqual({ state: 'connected', expiresAt: new Date(next.expires_at!).toISOString() });
  });

  it('render refreshes too: an inline .mcp.json gets the fresh token; --secrets env references it', async () => {
    const { w, name } = await connected();
    const repo = w.gitRepo('repo');
    const before = await fixture.stats();
    const r = await w.conn(['render', '--repo', repo, '--agent', 'claude-code']);
    expect(r.code, r.stderr).toBe(0);
    expect((await fixture.stats()).refreshGrants - before.refreshGrants).toBe(1);
    const entry = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers[name];
    expect(entry).toMatchObject({ type: 'http', url: fixture.mcpUrl });
    expect(entry.headers.Authorization).toBe(`Bearer ${storedOAuth(w, name).tokens!.access_token}`);

    const env = await w.conn(['render', '--repo', repo, '--agent', 'claude-code', '--secrets', 'env', '--allow-tracked']);
    expect(env.code, env.stderr).toBe(0);
    const ref = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers[name];
    expect(ref.headers.Authorization).toBe(`Bearer \${CONN_${name.toUpperCase().replace(/-/g, '_')}_OAUTH_ACCESS_TOKEN}`);
  });

  it('a revoked refresh token marks the connection disconnected with the reason, deletes the dead tokens, and says to reconnect', async () => {
    const { w, name } = await connected();
    expect(await fixture.revokeRefreshTokens()).toBeGreaterThan(0);
    const before = await fixture.stats();

    const t = await w.conn(['test', name]);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(new RegExp(`refresh failed: invalid_grant.* — run conn connect ${name}`));
    expect(connection(w, name).oauth).toMatchObject({ state: 'disconnected', reason: expect.stringMatching(/^refresh failed: invalid_grant/) });
    expect(storedOAuth(w, name).tokens).toBeUndefined();

    // Disconnected: no further refresh attempts, the same pointer to conn connect.
    const again = await w.conn(['test', name]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(new RegExp(`${name} is disconnected \\(refresh failed: invalid_grant.*\\) — run conn connect ${name}`));
    const render = await w.conn(['render', '--repo', w.gitRepo('repo'), '--agent', 'claude-code']);
    expect(render.code).toBe(1);
    expect(render.stderr).toMatch(new RegExp(`run conn connect ${name}`));
    expect((await fixture.stats()).refreshGrants - before.refreshGrants).toBe(1);

    // Signing in again heals it, with the same client registration.
    const client = storedOAuth(w, name).client!.client_id;
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    expect(connection(w, name).oauth?.state).toBe('connected');
    expect(storedOAuth(w, name).client!.client_id).toBe(client);
    expect((await w.conn(['test', name])).code).toBe(0);
  });

  it('concurrent processes after expiry spend the refresh token exactly once', async () => {
    const { w, name } = await connected();
    // The token conn holds expires within the margin; the one the refresh brings back will not.
    await fixture.setAccessTtl(3600);
    const before = await fixture.stats();
    const runs = await Promise.all([1, 2, 3].map(() => w.conn(['test', name, '--json'])));
    for (const r of runs) {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ status: 'healthy' });
    }
    const after = await fixture.stats();
    expect(after.refreshGrants - before.refreshGrants).toBe(1);
    expect(after.refreshFailures).toBe(before.refreshFailures);
    expect(connection(w, name).oauth?.state).toBe('connected');
  });
});

describe('client_credentials tokens', () => {
  it('an expired one is fetched again with the same credentials, no browser, no refresh token', async () => {
    requireKeychain();
    const w = (world = makeWorld());
    const name = unique('m2m');
    const add = await w.conn(['add', 'remote', '--name', name, '--set', `url=${fixture.mcpUrl}`, '--set', 'grant=client_credentials', '--set', 'client_id=conn-m2m', '--secret-stdin', 'client_secret'], { input: 'm2m-secret' });
    expect(add.code, add.stderr).toBe(0);
    const before = await fixture.stats();
    const c = await w.conn(['connect', name, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ flow: 'client_credentials' });
    const first = storedOAuth(w, name).tokens!;
    expect(first.refresh_token).toBeUndefined();
    expect(await untilRejected(fixture.mcpUrl, first.access_token)).toBe(true);
    const t = await w.conn(['test', name, '--json']);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)[0]).toMatchObject({ status: 'healthy' });
    expect(((await fixture.stats()).clientCredentialsGrants ?? 0) - (before.clientCredentialsGrants ?? 0)).toBe(2);
    expect(storedOAuth(w, name).tokens!.access_token).not.toBe(first.access_token);
  });
});

describe('the refresh margin (a fraction of a short token lifetime)', () => {
  it('uses a fresh 20 s token as is, and after expiry a parallel render and test spend one refresh', async () => {
    const { w, name } = await shortLived('short');
    const before = await fixture.stats();
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    // With a fixed 60 s margin this token would look expired at once and be refreshed.
    const fresh = await w.conn(['test', name, '--json']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect((await fixture.stats()).refreshGrants - before.refreshGrants).toBe(0);

    await fixture.setAccessTtl(2);
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    expect(await untilRejected(fixture.mcpUrl, storedOAuth(w, name).tokens!.access_token)).toBe(true);
    await fixture.setAccessTtl(3600);
    const expired = await fixture.stats();
    const repo = w.gitRepo('repo');
    const [render, test] = await Promise.all([w.conn(['render', '--repo', repo, '--agent', 'claude-code']), w.conn(['test', name, '--json'])]);
    expect(render.code, render.stderr).toBe(0);
    expect(test.code, test.stderr).toBe(0);
    expect((await fixture.stats()).refreshGrants - expired.refreshGrants).toBe(1);
  });
});

describe('the render fast path and a short-lived inline token', () => {
  it('answers unchanged until the token is due for refresh (a quarter of its lifetime before expiry), not 60 s before', async () => {
    const { w, name } = await shortLived('fast');
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    const repo = w.gitRepo('repo');
    const first = await w.conn(['render', '--repo', repo, '--agent', 'claude-code']);
    expect(first.code, first.stderr).toBe(0);
    const state = readState(w.home, realpathSync(repo), 'claude-code')!;
    const tokens = storedOAuth(w, name).tokens!;
    // 20 s token: refreshed 5 s before it expires (with a fixed 60 s margin, at once).
    expect(state.refreshAt).toBe(new Date(tokens.expires_at! - 5_000).toISOString());
    const next = await w.conn(['render', '--repo', repo, '--agent', 'claude-code']);
    expect(next.stdout.trim()).toBe('unchanged');
    // The fast path answered: the full render writes its state again, with a new renderedAt.
    expect(readState(w.home, realpathSync(repo), 'claude-code')!.renderedAt).toBe(state.renderedAt);
  });
});

describe('a render that refreshes', () => {
  it('holds no catalog lock while the token endpoint answers, and the next cd finds nothing to render', async () => {
    const { w, name } = await connected();
    const repo = w.gitRepo('repo');
    await fixture.setAccessTtl(3600);
    await fixture.holdRefresh(true);
    const render = startConn(w, ['render', '--repo', repo, '--agent', 'claude-code']);
    // The refresh request is now waiting at the server: conn is inside its refresh.
    await Promise.race([fixture.refreshHeld(), render.done.then((r) => Promise.reject(new Error(`render ended first: ${r.stderr}`)))]);
    expect(existsSync(join(w.home, 'config.json.lock'))).toBe(false);
    expect(existsSync(join(w.home, 'locks', `oauth-${name}.lock`))).toBe(true);
    // Another conn process can change the catalog meanwhile.
    const other = await w.conn(['add', 'remote', '--name', `${name}-x`, '--set', 'url=https://other.example.com/mcp', '--no-match-preset']);
    expect(other.code, other.stderr).toBe(0);
    await fixture.releaseRefresh();
    const done = await render.done;
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers[name].headers.Authorization).toBe(`Bearer ${storedOAuth(w, name).tokens!.access_token}`);
    // The catalog changed under the render (the other add): one more render, then the hook's next cd
    // finds nothing to do, although the refresh wrote the sign-in status into the catalog.
    expect((await w.conn(['render', '--repo', repo, '--agent', 'claude-code'])).code).toBe(0);
    const next = await w.conn(['render', '--repo', repo, '--agent', 'claude-code']);
    expect(next.stdout.trim()).toBe('unchanged');
  });

  it('does not render again on the next cd because of its own refresh', async () => {
    const { w, name } = await connected();
    const repo = w.gitRepo('repo');
    await fixture.setAccessTtl(3600);
    const before = await fixture.stats();
    const first = await w.conn(['render', '--repo', repo, '--agent', 'claude-code']);
    expect(first.code, first.stderr).toBe(0);
    expect((await fixture.stats()).refreshGrants - before.refreshGrants).toBe(1);
    expect(connection(w, name).oauth?.expiresAt).toBe(new Date(storedOAuth(w, name).tokens!.expires_at!).toISOString());
    const next = await w.conn(['render', '--repo', repo, '--agent', 'claude-code']);
    expect(next.stdout.trim()).toBe('unchanged');
  });
});

describe('OAuth connections in env mode and across a rename', () => {
  it('conn env exports a fresh access token for the reference an env-mode render writes', async () => {
    const { w, name } = await connected();
    const repo = w.gitRepo('repo');
    const r = await w.conn(['render', '--repo', repo, '--secrets', 'env']);
    expect(r.code, r.stderr).toBe(0);
    const variable = `CONN_${name.toUpperCase().replace(/-/g, '_')}_OAUTH_ACCESS_TOKEN`;
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toContain(`\${${variable}}`);
    const env = await w.conn(['env', '--repo', repo, '--format', 'json']);
    expect(env.code, env.stderr).toBe(0);
    const token = JSON.parse(env.stdout)[variable] as string;
    // The exported token is the one now stored (refreshed if it was about to expire) and it works.
    expect(token).toBe(storedOAuth(w, name).tokens!.access_token);
    const res = await fetch(fixture.mcpUrl, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    await res.body?.cancel();
    expect(res.status).not.toBe(401);
  });

  it('a renamed connection keeps its sign-in', async () => {
    const { w, name } = await connected();
    const renamed = `${name}-b`;
    const r = await w.conn(['edit', name, '--rename', renamed]);
    expect(r.code, r.stderr).toBe(0);
    expect(storedOAuth(w, renamed).tokens).toBeDefined();
    expect(storedOAuth(w, name).tokens).toBeUndefined();
    const t = await w.conn(['test', renamed, '--json']);
    expect(t.code, t.stdout + t.stderr).toBe(0);
  });
});
