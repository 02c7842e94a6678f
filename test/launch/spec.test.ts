// The launch spec as a pure function of values: every preset kind (stdio preset, custom command,
// remote with a static token, remote signed in with OAuth, http-api bearer and api-key, conn serve's
// proxy entry) in both modes (resolved values and env-mode placeholders). No keychain, no network,
// no file: the values are plain objects, and a secret store that throws proves none is opened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/catalog/model.js';
import { createCredentials } from '../../src/credentials/credentials.js';
import { launchSpec, proxySpec, referenceValues, secretEnv, type LaunchValues } from '../../src/launch/build.js';
import { replacePlaceholders } from '../../src/launch/types.js';
import { presetFor } from '../../src/presets/effective.js';
import { openPresets } from '../../src/presets/prebuilt.js';
import type { PresetRegistry } from '../../src/presets/registry-core.js';

let home: string;
let registry: PresetRegistry;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'conn-launch-'));
  registry = await openPresets(home);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function conn(over: Partial<Connection> & Pick<Connection, 'name' | 'preset' | 'kind'>): Connection {
  return { enabled: true, fields: {}, secrets: [], createdAt: '', updatedAt: '', health: { status: 'unknown' }, ...over };
}

const spec = (c: Connection, permission: 'read' | 'readwrite' | 'full', values: LaunchValues) => launchSpec(c, presetFor(c, registry), permission, values);
/** A spec with its placeholders written as ${VAR}, as an env-mode agent file references them. */
const referenced = (text: string) => replacePlaceholders(text, (v) => `\${${v}}`);

describe('launch spec from plain values', () => {
  const pg = conn({ name: 'db', preset: 'postgres', kind: 'stdio', secrets: ['DSN'] });

  it('stdio preset: secret into the env, the permission switch applied (read) or not (full)', () => {
    const read = spec(pg, 'read', { secrets: { DSN: 'postgres://u:pw@h/db' } });
    expect(read).toMatchObject({ kind: 'stdio', command: 'npx', args: ['-y', '@bytebase/dbhub', '--transport', 'stdio'], permission: 'read' });
    expect(read.kind === 'stdio' && read.env).toEqual({ DSN: 'postgres://u:pw@h/db', PGOPTIONS: '-c default_transaction_read_only=on' });
    const full = spec(pg, 'full', { secrets: { DSN: 'postgres://u:pw@h/db' } });
    expect(full.kind === 'stdio' && full.env).toEqual({ DSN: 'postgres://u:pw@h/db' });
    expect(full.secrets).toEqual([{ field: 'DSN', envVar: 'CONN_DB_DSN' }]);
  });

  it('stdio preset in reference mode holds placeholders, never a value', () => {
    const s = spec(pg, 'full', referenceValues(pg));
    expect(s.kind === 'stdio' && referenced(s.env.DSN!)).toBe('${CONN_DB_DSN}');
  });

  it('a missing secret value is a one-line error naming the fix', () => {
    expect(() => spec(pg, 'full', { secrets: {} })).toThrow(/secret DSN of db has no value.*/);
  });

  it('custom command: env.X fields and secrets in the env, the command as given', () => {
    const c = conn({ name: 'mine', preset: 'custom', kind: 'stdio', command: ['node', '/srv/server.js', '--flag'], fields: { 'env.MODE': 'x' }, secrets: ['API_KEY'] });
    expect(spec(c, 'readwrite', { secrets: { API_KEY: 'k1' } })).toMatchObject({
      kind: 'stdio',
      command: 'node',
      args: ['/srv/server.js', '--flag'],
      env: { MODE: 'x', API_KEY: 'k1' },
      permission: 'readwrite',
    });
    const ref = spec(c, 'full', referenceValues(c));
    expect(ref.kind === 'stdio' && referenced(ref.env.API_KEY!)).toBe('${CONN_MINE_API_KEY}');
  });

  it('remote with a static token: Bearer prefixed unless it has a scheme; a custom header takes it raw', () => {
    const r = conn({ name: 'api', preset: 'remote', kind: 'remote', fields: { url: 'https://mcp.example.com/mcp' }, secrets: ['token'] });
    expect(spec(r, 'full', { secrets: { token: 't0k' } })).toMatchObject({ kind: 'remote', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer t0k' }, transport: 'auto' });
    expect(spec(r, 'full', { secrets: { token: 'Basic abc' } })).toMatchObject({ headers: { Authorization: 'Basic abc' } });
    const h = { ...r, fields: { ...r.fields, header: 'X-Api-Key' } };
    expect(spec(h, 'full', { secrets: { token: 't0k' } })).toMatchObject({ headers: { 'X-Api-Key': 't0k' } });
    const ref = spec(r, 'full', referenceValues(r));
    expect(ref.kind === 'remote' && referenced(ref.headers.Authorization!)).toBe('Bearer ${CONN_API_TOKEN}');
  });

  it('remote signed in with OAuth: the given token as bearer; a placeholder for the env-mode variable', () => {
    const o = conn({ name: 'crm', preset: 'remote', kind: 'remote', fields: { url: 'https://crm.example.com/mcp' }, oauth: { state: 'connected' } });
    const s = spec(o, 'full', { secrets: {}, oauthToken: 'at_123' });
    expect(s).toMatchObject({ kind: 'remote', headers: { Authorization: 'Bearer at_123' } });
    expect(s.secrets).toEqual([{ field: 'oauth_access_token', envVar: 'CONN_CRM_OAUTH_ACCESS_TOKEN' }]);
    const ref = spec(o, 'full', referenceValues(o));
    expect(ref.kind === 'remote' && referenced(ref.headers.Authorization!)).toBe('Bearer ${CONN_CRM_OAUTH_ACCESS_TOKEN}');
    expect(() => spec(o, 'full', { secrets: {} })).toThrow(/run conn connect crm/);
    expect(secretEnv(o, { secrets: {}, oauthToken: 'at_123' })).toEqual({ CONN_CRM_OAUTH_ACCESS_TOKEN: 'at_123' });
  });

  it('http-api: bearer and api-key auth put the token where the auth field says', () => {
    const base = conn({ name: 'billing', preset: 'http-api', kind: 'http-api', fields: { url: 'https://api.example.com/v1', auth: 'bearer' }, secrets: ['token'] });
    expect(spec(base, 'read', { secrets: { token: 'sk' } })).toMatchObject({ kind: 'http-api', url: 'https://api.example.com/v1', headers: { Authorization: 'Bearer sk' }, permission: 'read' });
    const key = { ...base, fields: { ...base.fields, auth: 'api-key' } };
    expect(spec(key, 'read', { secrets: { token: 'sk' } })).toMatchObject({ headers: { 'X-API-Key': 'sk' } });
    const ref = spec(base, 'read', referenceValues(base));
    expect(ref.kind === 'http-api' && referenced(ref.headers.Authorization!)).toBe('Bearer ${CONN_BILLING_TOKEN}');
  });

  it('proxy entry: conn serve with the repo and agent, only non-default locations, no secret', () => {
    const place = { root: '/r', agent: 'cursor', node: '/usr/bin/node', entry: '/conn/bin/conn.js', home: '/h', platform: 'linux' as const };
    const s = proxySpec(pg, 'read', { ...place, env: { CONN_HOME: '/h', CONN_KEYCHAIN_SERVICE: 'svc', SECRET: 'x' } });
    expect(s).toEqual({
      kind: 'stdio',
      name: 'db',
      command: '/usr/bin/node',
      args: ['/conn/bin/conn.js', 'serve', 'db', '--repo', '/r', '--agent', 'cursor'],
      env: { CONN_HOME: '/h', CONN_KEYCHAIN_SERVICE: 'svc' },
      passEnv: ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'],
      secrets: [],
      permission: 'read',
    });
    expect(proxySpec(pg, 'full', { ...place, env: {}, platform: 'darwin' })).not.toHaveProperty('passEnv');
  });
});

describe('the credentials port without a keychain', () => {
  const refused = async () => {
    throw new Error('the secret store must not be opened');
  };
  const catalog = { path: '', read: refused, snapshot: refused, update: refused, updateTracked: refused };

  it('reference mode reads nothing; references resolve from the environment; one failure stays with its connection', async () => {
    const creds = createCredentials({ home, env: { PG_DSN: 'postgres://from-env' }, catalog, secrets: refused });
    const byRef = conn({ name: 'db', preset: 'postgres', kind: 'stdio', secrets: ['DSN'], secretRefs: { DSN: 'env:PG_DSN' } });
    const unset = conn({ name: 'db2', preset: 'postgres', kind: 'stdio', secrets: ['DSN'], secretRefs: { DSN: 'env:NOT_SET_HERE' } });
    const refs = await creds.resolve([byRef, unset], 'reference');
    // A reference to the user's own variable keeps its name in env mode (issue 23: `${PG_DSN}` stays so).
    expect(referenced(refs.values('db').secrets.DSN!)).toBe('${PG_DSN}');
    const set = await creds.resolve([byRef, unset], 'resolve');
    expect(set.values('db').secrets).toEqual({ DSN: 'postgres://from-env' });
    expect(() => set.values('db2')).toThrow(/environment variable NOT_SET_HERE \(from env:NOT_SET_HERE\) is not set/);
    expect(set.catalogWrites).toEqual([]);
  });
});
