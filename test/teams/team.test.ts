import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/model.js';
import { resolvedSpec } from '../helpers/spec.js';
import { loadPresets } from '../../src/presets/registry.js';
import { keychainItems } from '../helpers/keyring.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

const NOTION = 'ntn_canary0team123456789';
const SENTRY = 'sntryu_canary0team12345678';

let a: World;
let b: World;
beforeEach(() => {
  requireKeychain();
  a = makeWorld();
  b = makeWorld();
});
afterEach(() => {
  a.cleanup();
  b.cleanup();
});

async function ok(w: World, args: string[], opts: Parameters<World['conn']>[1] = {}) {
  const r = await w.conn(args, opts);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

/** Machine A: a stored secret, an env: reference, a file: reference, a custom server and assignments. */
async function teamSetup(): Promise<string> {
  await ok(a, ['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: NOTION });
  await ok(a, ['add', 'sentry', '--secret-stdin', 'SENTRY_ACCESS_TOKEN', '--set', 'SENTRY_HOST=sentry.acme.dev'], { input: SENTRY });
  await ok(a, ['add', 'custom', '--name', 'billing', '--set', 'env.LOG_LEVEL=debug', '--secret', 'BILLING_KEY=env:BILLING_KEY', '--', 'node', 'billing.js']);
  await ok(a, ['add', 'remote', '--name', 'docs', '--set', 'url=https://mcp.example.com/mcp', '--secret', 'token=file:/run/secrets/docs-token']);
  await ok(a, ['assign', 'notion', '--repo', 'github.com/acme/api', '--agent', 'claude-code', '--permission', 'read']);
  const exp = await ok(a, ['export', '--assignments']);
  const file = join(b.tmp, 'conn-catalog.json');
  writeFileSync(file, exp.stdout);
  expect(exp.stderr).toMatch(/2 secret\(s\) each machine provides itself: notion\/NOTION_TOKEN, sentry\/SENTRY_ACCESS_TOKEN/);
  return file;
}

describe('conn export', () => {
  it('writes the team catalog with references kept and stored secrets as provide, never a value', async () => {
    const file = await teamSetup();
    const text = readFileSync(file, 'utf8');
    for (const v of [NOTION, SENTRY]) expect(text).not.toContain(v);
    const doc = JSON.parse(text);
    expect(doc).toMatchObject({ format: 'conn-team-catalog', version: 1 });
    expect(doc.$schema).toBe('urn:conn:team-catalog:1');
    expect(doc.connections).toEqual([
      { name: 'billing', preset: 'custom', enabled: true, fields: { 'env.LOG_LEVEL': 'debug' }, command: ['node', 'billing.js'], secrets: { BILLING_KEY: { ref: 'env:BILLING_KEY' } } },
      { name: 'docs', preset: 'remote', enabled: true, fields: { url: 'https://mcp.example.com/mcp' }, secrets: { token: { ref: 'file:/run/secrets/docs-token' } } },
      { name: 'notion', preset: 'notion', enabled: true, fields: {}, secrets: { NOTION_TOKEN: { provide: true } } },
      { name: 'sentry', preset: 'sentry', enabled: true, fields: { SENTRY_HOST: 'sentry.acme.dev' }, secrets: { SENTRY_ACCESS_TOKEN: { provide: true } } },
    ]);
    expect(doc.assignments).toEqual([{ connection: 'notion', repos: ['github.com/acme/api'], agents: ['claude-code'], permission: 'read' }]);

    const some = JSON.parse((await ok(a, ['export', 'docs'])).stdout);
    expect(some.connections.map((c: { name: string }) => c.name)).toEqual(['docs']);
    expect(some.assignments).toBeUndefined();
    const unknown = await a.conn(['export', 'nope']);
    expect(unknown.code).toBe(2);
  });
});

describe('conn import --catalog', () => {
  it('round-trips to a second machine, lists the secrets it lacks, and is idempotent', async () => {
    const file = await teamSetup();
    const noYes = await b.conn(['import', '--catalog', file]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/would add billing, add docs, add notion, add sentry/);

    const r = await ok(b, ['import', '--catalog', file, '--yes', '--json']);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      added: ['billing', 'docs', 'notion', 'sentry'],
      updated: [],
      collisions: [],
      assignmentsAdded: 1,
      missingSecrets: [
        { connection: 'notion', field: 'NOTION_TOKEN' },
        { connection: 'sentry', field: 'SENTRY_ACCESS_TOKEN' },
      ],
    });
    expect(keychainItems(b.service)).toEqual({});
    const shown = JSON.parse((await ok(b, ['show', 'notion', '--json'])).stdout);
    expect(shown.secrets).toEqual({ NOTION_TOKEN: '(missing)' });
    expect(shown.assignments).toBe(1);
    const billing = await ok(b, ['show', 'billing']);
    expect(billing.stdout).toMatch(/BILLING_KEY: +\(reference env\)/);
    expect(billing.stdout).toMatch(/command:\s+node billing\.js/);
    expect((await ok(b, ['show', 'docs'])).stdout).toMatch(/token: +\(reference file\)/);
    const human = await ok(b, ['import', '--catalog', file, '--yes']);
    expect(human.stdout).toMatch(/unchanged\s+notion \(notion\)/);
    expect(human.stdout).toMatch(/Secrets this machine still lacks:\n  notion\/NOTION_TOKEN\s+conn edit notion --secret NOTION_TOKEN/);

    // Once provided, it is no longer listed.
    await ok(b, ['edit', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'ntn_machineb123456789' });
    const again = JSON.parse((await ok(b, ['import', '--catalog', file, '--yes', '--json'])).stdout);
    expect(again.missingSecrets).toEqual([{ connection: 'sentry', field: 'SENTRY_ACCESS_TOKEN' }]);
    expect(again.unchanged).toEqual(['billing', 'docs', 'notion', 'sentry']);
    expect(again.assignmentsAdded).toBe(0);
  });

  it('updates a changed definition, reports a collision with exit 1, and namespaces with --prefix', async () => {
    const file = await teamSetup();
    await ok(b, ['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'ntn_local12345678' });
    await ok(b, ['add', 'custom', '--name', 'sentry-local', '--', 'node', 'x.js']);
    await ok(b, ['edit', 'sentry-local', '--rename', 'docs-local']);
    await ok(b, ['add', 'memory', '--name', 'docs']);
    const r = await b.conn(['import', '--catalog', file, '--yes', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.added).toEqual(['billing', 'sentry']);
    expect(out.unchanged).toEqual(['notion']);
    expect(out.collisions).toEqual([{ name: 'docs', reason: 'docs exists here with preset memory, the file has remote' }]);
    // The local stored secret of notion is kept.
    expect(keychainItems(b.service)['notion/NOTION_TOKEN']).toBe('ntn_local12345678');

    const p = await ok(b, ['import', '--catalog', file, '--yes', '--prefix', 'acme', '--json']);
    expect(JSON.parse(p.stdout).added).toEqual(['acme-billing', 'acme-docs', 'acme-notion', 'acme-sentry']);
    const assignments = JSON.parse((await ok(b, ['assignments', 'acme-notion', '--json'])).stdout);
    expect(assignments).toHaveLength(1);

    // The team switches sentry's host and its token to a reference: the local stored value is removed.
    await ok(b, ['edit', 'sentry', '--secret-stdin', 'SENTRY_ACCESS_TOKEN'], { input: 'sntryu_local123456789' });
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const sentry = doc.connections.find((c: { name: string }) => c.name === 'sentry');
    sentry.fields.SENTRY_HOST = 'sentry.acme.io';
    sentry.secrets.SENTRY_ACCESS_TOKEN = { ref: 'env:SENTRY_TOKEN' };
    writeFileSync(file, JSON.stringify(doc));
    const u = JSON.parse((await b.conn(['import', '--catalog', file, '--yes', '--json'])).stdout);
    expect(u.updated).toEqual(['sentry']);
    const shown = JSON.parse((await ok(b, ['show', 'sentry', '--json'])).stdout);
    expect(shown.fields).toEqual({ SENTRY_HOST: 'sentry.acme.io' });
    expect(shown.secrets).toEqual({ SENTRY_ACCESS_TOKEN: '(reference env)' });
    expect(keychainItems(b.service)['sentry/SENTRY_ACCESS_TOKEN']).toBeUndefined();
  });

  it('rejects a file that is not a team catalog, does not parse, or smuggles a secret value, with exit 1 (the README\'s exit codes)', async () => {
    const file = join(b.tmp, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'conn-team-catalog', version: 1, connections: [{ name: 'n', preset: 'notion', secrets: { NOTION_TOKEN: { value: NOTION } } }] }));
    const r = await b.conn(['import', '--catalog', file, '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid team catalog .*connections\.0\.secrets\.NOTION_TOKEN/);
    expect(r.stderr).not.toContain(NOTION);
    writeFileSync(file, '{"format": "something-else"}');
    expect((await b.conn(['import', '--catalog', file, '--yes'])).code).toBe(1);
    writeFileSync(file, '{"format": ');
    const unparseable = await b.conn(['import', '--catalog', file, '--yes']);
    expect(unparseable.code).toBe(1);
    expect(unparseable.stderr).toMatch(/^conn: cannot parse the team catalog .*bad\.json/);
    // A path that does not exist is bad usage.
    expect((await b.conn(['import', '--catalog', join(b.tmp, 'absent.json'), '--yes'])).code).toBe(2);
  });
});

describe('secret references at use time', () => {
  async function importedCatalog(): Promise<Catalog> {
    const file = await teamSetup();
    await ok(b, ['import', '--catalog', file, '--yes']);
    return JSON.parse(readFileSync(join(b.home, 'config.json'), 'utf8')) as Catalog;
  }

  it('resolves env: and file: references through the credentials port, never storing them resolved', async () => {
    const catalog = await importedCatalog();
    const presets = loadPresets(b.home);
    const tokenFile = join(b.tmp, 'docs-token');
    writeFileSync(tokenFile, 'canary-file-token\n');
    const billing = await resolvedSpec(catalog.connections.billing!, presets.require('custom'), {
      permission: 'full',
      env: { ...b.env, BILLING_KEY: 'canary-env-value' },
    });
    expect(billing).toMatchObject({ kind: 'stdio', command: 'node', args: ['billing.js'], env: { LOG_LEVEL: 'debug', BILLING_KEY: 'canary-env-value' } });

    const docs = { ...catalog.connections.docs!, secretRefs: { token: `file:${tokenFile}` } };
    const spec = await resolvedSpec(docs, presets.require('remote'), { permission: 'full', env: b.env });
    expect(spec).toMatchObject({ kind: 'remote', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer canary-file-token' } });
    expect(readFileSync(join(b.home, 'config.json'), 'utf8')).not.toContain('canary-');
  });

  it('fails with a message naming the reference when it cannot be resolved', async () => {
    const catalog = await importedCatalog();
    const presets = loadPresets(b.home);
    await expect(resolvedSpec(catalog.connections.billing!, presets.require('custom'), { permission: 'full', env: b.env })).rejects.toThrow(
      'billing/BILLING_KEY: environment variable BILLING_KEY (from env:BILLING_KEY) is not set',
    );
    await expect(resolvedSpec(catalog.connections.docs!, presets.require('remote'), { permission: 'full', env: b.env })).rejects.toThrow(
      'docs/token: cannot read file:/run/secrets/docs-token: ENOENT',
    );
    // The same through the CLI: render stops with exit 1 and one line naming it.
    await ok(b, ['disable', 'notion']);
    await ok(b, ['disable', 'sentry']);
    await ok(b, ['disable', 'docs']);
    const repo = b.gitRepo('api');
    const r = await b.conn(['render'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/environment variable BILLING_KEY \(from env:BILLING_KEY\) is not set/);
    const fine = await b.conn(['render'], { cwd: repo, env: { BILLING_KEY: 'canary-cli-env' } });
    expect(fine.code, fine.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers.billing.env.BILLING_KEY).toBe('canary-cli-env');
  });

  it('reads op:// and vault: references through the op and vault CLIs on PATH, with the expected arguments', async () => {
    const bin = join(b.tmp, 'bin');
    mkdirSync(bin);
    const log = join(b.tmp, 'argv.log');
    for (const [cli, value] of [['op', 'canary-from-op'], ['vault', 'canary-from-vault']] as const) {
      writeFileSync(join(bin, cli), `#!/bin/sh\nprintf '%s\\n' "${cli} $*" >> '${log}'\nprintf '%s\\n' '${value}'\n`);
      chmodSync(join(bin, cli), 0o755);
    }
    const env = { PATH: `${bin}:${process.env.PATH}` };
    await ok(b, ['add', 'notion', '--secret', 'NOTION_TOKEN=op://Engineering/Notion/credential']);
    await ok(b, ['add', 'custom', '--name', 'billing', '--secret', 'API_KEY=vault:secret/data/ci/billing#api_key', '--', 'node', 'billing.js']);
    expect(keychainItems(b.service)).toEqual({});
    expect((await ok(b, ['show', 'notion'])).stdout).toMatch(/NOTION_TOKEN: +\(reference op\)/);

    const repo = b.gitRepo('api');
    await ok(b, ['render'], { cwd: repo, env });
    const servers = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers;
    expect(servers.notion.env.NOTION_TOKEN).toBe('canary-from-op');
    expect(servers.billing.env.API_KEY).toBe('canary-from-vault');
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual([
      'op read --no-newline op://Engineering/Notion/credential',
      'vault kv get -field=api_key secret/data/ci/billing',
    ]);

    // A CLI that fails, and one that is not installed: the error names the reference.
    writeFileSync(join(bin, 'op'), `#!/bin/sh\necho "[ERROR] item not found" >&2\nexit 1\n`);
    const catalog = JSON.parse(readFileSync(join(b.home, 'config.json'), 'utf8')) as Catalog;
    const notion = catalog.connections.notion!;
    const preset = loadPresets(b.home).require('notion');
    await expect(resolvedSpec(notion, preset, { permission: 'full', env: { ...b.env, ...env } })).rejects.toThrow(
      'notion/NOTION_TOKEN: op could not read op://Engineering/Notion/credential: [ERROR] item not found',
    );
    await expect(resolvedSpec(notion, preset, { permission: 'full', env: { ...b.env, PATH: join(b.tmp, 'empty') } })).rejects.toThrow(
      'op://Engineering/Notion/credential needs the op CLI, which is not installed or not on PATH',
    );
  });
});

describe('schemas/team-catalog.schema.json', () => {
  it('agrees with the zod schema on agents, permissions, references and the format tag', async () => {
    const { AGENTS, PERMISSIONS } = await import('../../src/catalog/constants.js');
    const { SECRET_REF_PATTERN } = await import('../../src/secrets/refs.js');
    const { TEAM_CATALOG_SCHEMA_URL } = await import('../../src/adopt/team-catalog.js');
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../schemas/team-catalog.schema.json'), 'utf8'));
    expect(schema.$id).toBe(TEAM_CATALOG_SCHEMA_URL);
    expect(schema.properties.format.const).toBe('conn-team-catalog');
    expect(schema.$defs.assignment.properties.agents.items.enum).toEqual([...AGENTS]);
    expect(schema.$defs.assignment.properties.permission.enum).toEqual([...PERMISSIONS]);
    expect(new RegExp(schema.$defs.secret.oneOf[0].properties.ref.pattern).source).toBe(SECRET_REF_PATTERN.source);
  });
});
