import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Entry } from '@napi-rs/keyring';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/catalog/model.js';
import { referenceSpec, resolvedSpec } from '../helpers/spec.js';
import { hasPlaceholder } from '../../src/launch/types.js';
import { loopbackPort } from '../../src/oauth/port.js';
import { presetFor } from '../../src/presets/effective.js';
import { loadPresets } from '../../src/presets/registry.js';
import { probe } from '../../src/probe/probe.js';
import { makeWorld, requireKeychain, type RunResult, type World } from '../helpers/world.js';
import {
  addRemote,
  AUTH_URL,
  browse,
  configText,
  connectViaBrowser,
  startConn,
  startOAuthFixture,
  storedOAuth,
  type OAuthFixture,
} from './helpers.js';

let fixture: OAuthFixture;
let noDevice: OAuthFixture;
let world: World;

beforeAll(async () => {
  // Long-lived access tokens here: these tests are about signing in, not refreshing.
  [fixture, noDevice] = await Promise.all([startOAuthFixture({ ACCESS_TTL: '3600' }), startOAuthFixture({ ACCESS_TTL: '3600', DEVICE: '0' })]);
});
afterAll(async () => {
  await Promise.all([fixture, noDevice].filter(Boolean).map((f) => f.stop()));
});
afterEach(() => world?.cleanup());

function newWorld(): World {
  requireKeychain();
  return (world = makeWorld());
}

/** A name no other test uses: its derived loopback port is its own. */
const unique = (base: string) => `${base}-${Math.random().toString(36).slice(2, 8)}`;

function connection(w: World, name: string): Connection {
  return JSON.parse(configText(w)).connections[name];
}

describe('conn connect (browser flow)', () => {
  it('signs in with discovery, dynamic registration, PKCE S256 and the resource parameter; tokens go to the keychain', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const before = await fixture.stats();

    const r = await connectViaBrowser(w, name, ['--json']);
    expect(r.stderr).toContain('Waiting for the sign-in');
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(r.stdout);
    expect(view).toMatchObject({ name, state: 'connected', flow: 'browser', authorizationServer: `${fixture.base}/` });
    expect(Date.parse(view.expiresAt)).toBeGreaterThan(Date.now() + 3_000_000);

    const auth = new URL(r.authorizationUrl);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('resource')).toBe(fixture.mcpUrl);
    expect(auth.searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${loopbackPort(name)}/callback`);
    expect(auth.searchParams.get('state')?.length).toBeGreaterThanOrEqual(32);

    const after = await fixture.stats();
    expect(after.registrations - before.registrations).toBe(1);
    expect(after.codeExchanges - before.codeExchanges).toBe(1);
    expect(after.lastTokenResource).toBe(fixture.mcpUrl);

    expect(connection(w, name).oauth).toMatchObject({ state: 'connected', expiresAt: view.expiresAt });
    const stored = storedOAuth(w, name);
    expect(stored.tokens?.access_token).toMatch(/^at_/);
    expect(stored.tokens?.refresh_token).toMatch(/^rt_/);
    expect(stored.client?.redirect_uris).toEqual([`http://127.0.0.1:${loopbackPort(name)}/callback`]);
  });

  it('gives a token that works for tools/list through the credentials port and probe, and through conn test', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    expect((await connectViaBrowser(w, name)).code).toBe(0);

    const conn = connection(w, name);
    const preset = presetFor(conn, loadPresets(w.home));
    const spec = await resolvedSpec(conn, preset, { permission: 'full', env: w.env });
    expect(spec.kind).toBe('remote');
    if (spec.kind !== 'remote') return;
    expect(spec.headers.Authorization).toBe(`Bearer ${storedOAuth(w, name).tokens!.access_token}`);
    const result = await probe(spec, { timeoutMs: 10_000 });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ status: 'healthy', transport: 'http', server: { name: 'oauth-fixture' } });
    expect(result.tools.map((t) => t.name).sort()).toEqual(['echo', 'whoami']);

    // Reference mode (render --secrets env): a placeholder, never the token.
    const ref = referenceSpec(conn, preset, 'full');
    if (ref.kind !== 'remote') return;
    expect(hasPlaceholder(ref.headers.Authorization!)).toBe(true);
    expect(ref.secrets).toContainEqual({ field: 'oauth_access_token', envVar: `CONN_${name.toUpperCase().replace(/-/g, '_')}_OAUTH_ACCESS_TOKEN` });

    const t = await w.conn(['test', name, '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)[0]).toMatchObject({ name, status: 'healthy', toolCount: 2 });
  });

  it('a remote connection never signed in reports that its server asks for OAuth', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const t = await w.conn(['test', name, '--json']);
    expect(t.code).toBe(1);
    expect(JSON.parse(t.stdout)[0]).toMatchObject({ status: 'error', needsOAuth: true });
  });

  it('reuses its client registration and its loopback port on the next connect; --port overrides and registers anew', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const s0 = await fixture.stats();
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    const first = storedOAuth(w, name);
    const again = await connectViaBrowser(w, name);
    expect(again.code, again.stderr).toBe(0);
    expect((await fixture.stats()).registrations - s0.registrations).toBe(1);
    expect(storedOAuth(w, name).client?.client_id).toBe(first.client?.client_id);
    expect(storedOAuth(w, name).tokens?.access_token).not.toBe(first.tokens?.access_token);

    const port = loopbackPort(name) === 51234 ? 51235 : 51234;
    const moved = await connectViaBrowser(w, name, ['--port', String(port)]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(new URL(moved.authorizationUrl).searchParams.get('redirect_uri')).toBe(`http://127.0.0.1:${port}/callback`);
    expect((await fixture.stats()).registrations - s0.registrations).toBe(2);
  });

  it('binds its client registration to the issuer: one stored for another issuer is not reused (SEP-2352)', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const s0 = await fixture.stats();
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    const first = storedOAuth(w, name).client as { client_id: string; issuer?: string };
    expect(first.issuer).toBe(`${fixture.base}/`);
    // The same registration, as if it had been made with another authorization server's issuer.
    new Entry(w.service, `${name}/oauth:client`).setPassword(JSON.stringify({ ...first, issuer: 'https://other-issuer.example.com/' }));
    const again = await connectViaBrowser(w, name);
    expect(again.code, again.stderr).toBe(0);
    expect((await fixture.stats()).registrations - s0.registrations).toBe(2);
    const second = storedOAuth(w, name).client as { client_id: string; issuer?: string };
    expect(second.client_id).not.toBe(first.client_id);
    expect(second.issuer).toBe(`${fixture.base}/`);
    expect(again.stderr).not.toContain('[mcp-sdk]');
  });

  it('says which grant the authorization server lacks before registering anything (grant_types_supported)', async () => {
    const machinesOnly = await startOAuthFixture({ ACCESS_TTL: '3600', GRANTS: 'client_credentials' });
    try {
      const w = newWorld();
      const name = unique('m2m');
      await addRemote(w, name, machinesOnly.mcpUrl);
      const before = await machinesOnly.stats();
      const r = await w.conn(['connect', name, '--no-browser', '--timeout', '10']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('does not support the authorization_code grant (a browser sign-in): it lists client_credentials');
      expect(r.stderr).toContain('--set grant=client_credentials');
      const device = await w.conn(['connect', name, '--device', '--timeout', '10']);
      expect(device.code).toBe(1);
      expect(device.stderr).toContain('does not support the device authorization grant');
      expect((await machinesOnly.stats()).registrations).toBe(before.registrations);
      expect(storedOAuth(w, name).client).toBeUndefined();
    } finally {
      await machinesOnly.stop();
    }
  });

  it('rejects a redirect whose state does not match, and stores nothing', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const before = await fixture.stats();
    const running = startConn(w, ['connect', name, '--no-browser', '--timeout', '30']);
    const [, url] = await running.waitForStderr(AUTH_URL);
    const { status } = await browse(url!, (redirect) => redirect.searchParams.set('state', 'forged-state'));
    expect(status).toBe(400);
    const r = await running.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/state that does not match/);
    expect(r.stderr).toContain(`run conn connect ${name} again`);
    expect((await fixture.stats()).codeExchanges).toBe(before.codeExchanges);
    expect(connection(w, name).oauth).toBeUndefined();
    expect(storedOAuth(w, name).tokens).toBeUndefined();
  });

  it('rejects a redirect naming another issuer (RFC 9207), and stores nothing', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const before = await fixture.stats();
    const running = startConn(w, ['connect', name, '--no-browser', '--timeout', '30']);
    const [, url] = await running.waitForStderr(AUTH_URL);
    const { status } = await browse(url!, (redirect) => redirect.searchParams.set('iss', 'https://evil.example.com'));
    expect(status).toBe(400);
    const r = await running.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/names issuer https:\/\/evil\.example\.com, not /);
    expect((await fixture.stats()).codeExchanges).toBe(before.codeExchanges);
    expect(storedOAuth(w, name).tokens).toBeUndefined();
  });

  it('times out with a clear message when nobody signs in', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const r = await w.conn(['connect', name, '--no-browser', '--timeout', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(AUTH_URL);
    expect(r.stderr).toMatch(new RegExp(`timed out after 1 s waiting for the sign-in to ${name}.*run conn connect ${name} again`));
    expect(connection(w, name).oauth).toBeUndefined();
  });

  it('refuses bad usage: unknown connection, stdio connection, invalid --port', async () => {
    const w = newWorld();
    expect((await w.conn(['connect', 'nope', '--no-browser'])).code).toBe(2);
    expect((await w.conn(['add', 'custom', '--name', 'local', '--', 'node', 'x.js'])).code).toBe(0);
    const stdio = await w.conn(['connect', 'local']);
    expect(stdio.code).toBe(2);
    expect(stdio.stderr).toMatch(/remote MCP servers only/);
    await addRemote(w, 'fx-port', fixture.mcpUrl);
    expect((await w.conn(['connect', 'fx-port', '--port', '70000'])).code).toBe(2);
    const blank = await w.conn(['connect', 'fx-port', '--scope', ' ']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain('--scope must be OAuth scopes separated by spaces');
  });

  it('--scope asks for more scope on top of what was granted (what conn serve names on a 403 insufficient_scope)', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    const granted = (storedOAuth(w, name).tokens?.scope ?? '').split(' ').filter(Boolean);
    expect(granted.length, 'the fixture grants some scope').toBeGreaterThan(0);
    const more = await connectViaBrowser(w, name, ['--scope', 'files:write']);
    expect(more.code, more.stderr).toBe(0);
    const asked = (new URL(more.authorizationUrl).searchParams.get('scope') ?? '').split(' ');
    expect(asked.sort()).toEqual([...new Set([...granted, 'files:write'])].sort());
  });
});

describe('step-up in conn tools', () => {
  let scoped: OAuthFixture;
  beforeAll(async () => {
    // tools/list needs mcp:admin, which no sign-in asks for by itself (not in scopes_supported).
    scoped = await startOAuthFixture({ ACCESS_TTL: '3600', LIST_SCOPE: 'mcp:admin' });
  });
  afterAll(async () => {
    await scoped?.stop();
  });

  it('signs in again asking for the challenged scope on top of the granted ones, then lists the tools', async () => {
    const w = newWorld();
    const name = unique('sc');
    await addRemote(w, name, scoped.mcpUrl);
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    const granted = (storedOAuth(w, name).tokens?.scope ?? '').split(' ').filter(Boolean);
    expect(granted).not.toContain('mcp:admin');

    const running = startConn(w, ['tools', name]);
    await running.waitForStderr(/asks for more OAuth scope \(mcp:admin\): signing in again/);
    const [, url] = await running.waitForStderr(AUTH_URL);
    expect((new URL(url!).searchParams.get('scope') ?? '').split(' ').sort()).toEqual([...new Set([...granted, 'mcp:admin'])].sort());
    await browse(url!);
    const r = await running.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('echo(');
    expect(storedOAuth(w, name).tokens?.scope?.split(' ')).toContain('mcp:admin');
    expect((await scoped.stats()).insufficientScope).toBe(1);
  });

  it('conn test does the same once, reports the connection healthy, and records its tools', async () => {
    const w = newWorld();
    const name = unique('st');
    await addRemote(w, name, scoped.mcpUrl);
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    const before = (await scoped.stats()).insufficientScope ?? 0;

    const running = startConn(w, ['test', name, '--json']);
    await running.waitForStderr(/asks for more OAuth scope \(mcp:admin\): signing in again/);
    const [, url] = await running.waitForStderr(AUTH_URL);
    await browse(url!);
    const r = await running.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ name, status: 'healthy' });
    expect((await scoped.stats()).insufficientScope).toBe(before + 1);
    expect((await w.conn(['tools', name, '--cached'])).stdout).toContain('whoami(');
  });
});

describe('conn connect with a preset client id', () => {
  it("uses the preset's client id and scopes instead of registering, and the OAuth preset is not sent unauthenticated", async () => {
    const w = newWorld();
    const name = unique('vendor');
    // The "vendor" registered conn's client out of band; the user preset carries its id.
    const reg = await fetch(`${fixture.base}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [`http://127.0.0.1:${loopbackPort(name)}/callback`], token_endpoint_auth_method: 'none', client_name: 'conn (vendor)' }),
    });
    const { client_id: clientId } = (await reg.json()) as { client_id: string };
    mkdirSync(join(w.home, 'presets'), { recursive: true });
    writeFileSync(
      join(w.home, 'presets', 'vendor-oauth.json'),
      JSON.stringify({
        id: 'vendor-oauth',
        name: 'Vendor (OAuth)',
        category: 'test',
        description: 'A remote MCP server that signs in with OAuth',
        kind: 'remote',
        remote: { url: '{{url}}', auth: 'oauth', oauth: { clientId, scopes: ['mcp:read'] } },
        fields: [{ key: 'url', label: 'URL', required: true }],
      }),
    );
    expect((await w.conn(['add', 'vendor-oauth', '--name', name, '--set', `url=${fixture.mcpUrl}`])).code).toBe(0);
    // Never signed in: rendered and tested without a header (the server's 401 says OAuth).
    const t = await w.conn(['test', name, '--json']);
    expect(JSON.parse(t.stdout)[0]).toMatchObject({ status: 'error', needsOAuth: true });

    const before = await fixture.stats();
    const r = await connectViaBrowser(w, name);
    expect(r.code, r.stderr).toBe(0);
    const auth = new URL(r.authorizationUrl);
    expect(auth.searchParams.get('client_id')).toBe(clientId);
    expect(auth.searchParams.get('scope')).toBe('mcp:read');
    expect((await fixture.stats()).registrations).toBe(before.registrations);
    expect((await w.conn(['test', name])).code).toBe(0);
  });
});

describe('conn connect --device', () => {
  it('signs in with the device authorization grant: prints a code and URL, polls, stores the tokens', async () => {
    const w = newWorld();
    const name = unique('dev');
    await addRemote(w, name, fixture.mcpUrl);
    const before = await fixture.stats();
    const running = startConn(w, ['connect', name, '--device', '--timeout', '30', '--json']);
    const [, code] = await running.waitForStderr(/enter the code: (\S+)/);
    const [, complete] = await running.waitForStderr(/or open: (\S+)/);
    expect(complete).toContain(`user_code=${code}`);
    const approve = await fetch(complete!);
    expect(approve.status).toBe(200);
    const r = await running.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name, state: 'connected', flow: 'device' });
    const after = await fixture.stats();
    expect(after.deviceGrants - before.deviceGrants).toBe(1);
    expect(after.authorizations).toBe(before.authorizations);
    expect(connection(w, name).oauth?.state).toBe('connected');

    const t = await w.conn(['test', name]);
    expect(t.code, t.stdout + t.stderr).toBe(0);
  });

  it('fails clearly (exit 1) when the authorization server has no device endpoint, before registering a client', async () => {
    const w = newWorld();
    const name = unique('dev');
    await addRemote(w, name, noDevice.mcpUrl);
    const before = await noDevice.stats();
    const r = await w.conn(['connect', name, '--device']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not support the device authorization grant/);
    expect((await noDevice.stats()).registrations).toBe(before.registrations);
    expect(connection(w, name).oauth).toBeUndefined();
  });
});

describe('conn disconnect', () => {
  it('deletes the tokens, revokes the refresh token, and marks the connection disconnected by user', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    expect((await connectViaBrowser(w, name)).code).toBe(0);
    const r = await w.conn(['disconnect', name, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name, state: 'disconnected', reason: 'disconnected by user', tokensDeleted: true, revoked: true });
    expect(connection(w, name).oauth).toEqual({ state: 'disconnected', reason: 'disconnected by user' });
    expect(storedOAuth(w, name).tokens).toBeUndefined();
    expect(storedOAuth(w, name).client).toBeDefined();

    const t = await w.conn(['test', name]);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(new RegExp(`${name} is disconnected \\(disconnected by user\\) — run conn connect ${name}`));

    const list = await w.conn(['list']);
    expect(list.stdout).toMatch(new RegExp(`${name}\\s.*disconnected`));
  });
});

describe('secrets stay secret', () => {
  it('tokens appear in no CLI output and not in config.json', async () => {
    const w = newWorld();
    const name = unique('fx');
    await addRemote(w, name, fixture.mcpUrl);
    const outputs: RunResult[] = [];
    const connected = await connectViaBrowser(w, name, ['--json']);
    outputs.push(connected);
    const first = storedOAuth(w, name);
    for (const args of [['show', name], ['show', name, '--json'], ['list', '--json'], ['test', name, '--json'], ['doctor']]) {
      outputs.push(await w.conn(args));
    }
    const config = configText(w);
    const audit = readFileSync(join(w.home, 'audit.log'), 'utf8');
    expect(audit).toContain('"command":"connect"');
    const secrets = [first.tokens!.access_token, first.tokens!.refresh_token!];
    for (const secret of secrets) {
      expect(config).not.toContain(secret);
      expect(audit).not.toContain(secret);
      for (const o of outputs) {
        expect(o.stdout).not.toContain(secret);
        expect(o.stderr).not.toContain(secret);
      }
    }
    expect(config).not.toContain('access_token');
    expect(config).not.toContain('refresh_token');
  });
});

describe('conn connect with a templated preset client (like box)', () => {
  it('expands {{client_id}} and the secret {{client_secret}} before signing in', async () => {
    const w = newWorld();
    const name = unique('boxlike');
    const reg = await fetch(`${fixture.base}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: [`http://127.0.0.1:${loopbackPort(name)}/callback`],
        token_endpoint_auth_method: 'client_secret_post',
        client_name: 'conn (box-like)',
      }),
    });
    const { client_id: clientId, client_secret: clientSecret } = (await reg.json()) as { client_id: string; client_secret: string };
    expect(clientSecret).toBeTruthy();
    mkdirSync(join(w.home, 'presets'), { recursive: true });
    writeFileSync(
      join(w.home, 'presets', 'box-like.json'),
      JSON.stringify({
        id: 'box-like',
        name: 'Box-like (OAuth, client from fields)',
        category: 'test',
        description: 'A remote MCP server whose OAuth client comes from the connection, as in the box preset',
        kind: 'remote',
        remote: { url: '{{url}}', auth: 'oauth', oauth: { clientId: '{{client_id}}', clientSecret: '{{client_secret}}' } },
        fields: [
          { key: 'url', label: 'URL', required: true },
          { key: 'client_id', label: 'client id', required: true },
          { key: 'client_secret', label: 'client secret', secret: true, required: true },
        ],
      }),
    );
    const add = await w.conn(['add', 'box-like', '--name', name, '--set', `url=${fixture.mcpUrl}`, '--set', `client_id=${clientId}`, '--secret-stdin', 'client_secret'], {
      input: clientSecret,
    });
    expect(add.code, add.stderr).toBe(0);
    const r = await connectViaBrowser(w, name);
    expect(r.code, r.stderr).toBe(0);
    expect(new URL(r.authorizationUrl).searchParams.get('client_id')).toBe(clientId);
    expect(storedOAuth(w, name).client?.client_id).toBe(clientId);
    expect(r.stderr).not.toContain(clientSecret);
    expect((await w.conn(['test', name])).code).toBe(0);
  });

  it('names the missing field instead of sending the template', async () => {
    const w = newWorld();
    const name = unique('boxmiss');
    mkdirSync(join(w.home, 'presets'), { recursive: true });
    writeFileSync(
      join(w.home, 'presets', 'box-like.json'),
      JSON.stringify({
        id: 'box-like',
        name: 'Box-like',
        category: 'test',
        description: 'client id from a field',
        kind: 'remote',
        remote: { url: '{{url}}', auth: 'oauth', oauth: { clientId: '{{client_id}}' } },
        fields: [
          { key: 'url', label: 'URL', required: true },
          { key: 'client_id', label: 'client id' },
        ],
      }),
    );
    expect((await w.conn(['add', 'box-like', '--name', name, '--set', `url=${fixture.mcpUrl}`])).code).toBe(0);
    const r = await w.conn(['connect', name, '--no-browser', '--timeout', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('client_id');
    expect(r.stderr).not.toContain('{{');
  });
});
