// conn search / add / update against a local v0.1 registry: search and its cache, offline answers,
// bad input, secrets in the keychain and never on the command line, consent before the first run
// (refused without a terminal, asked on a pty), .mcpb bundles and their sha256.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeZip, readFixture, runtimeBin, startRegistry, type FixtureRegistry, type ServerJson } from '../helpers/registry.js';
import { spawnPty } from '../helpers/pty.js';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const BRAVE = 'io.github.brave/brave-search-mcp-server';
let registry: FixtureRegistry;
let world: World;
let bin: string;
let env: Record<string, string>;

beforeEach(async () => {
  registry = await startRegistry();
  world = makeWorld();
  bin = runtimeBin(join(world.tmp, 'bin'));
  env = { CONN_REGISTRY_URL: registry.url, PATH: bin };
});
afterEach(async () => {
  await registry.stop().catch(() => undefined);
  world.cleanup();
});

const runs = () => {
  const log = join(bin, 'runtime.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { runtime: string; argv: string[]; env: Record<string, string> }) : [];
};

describe('conn search', () => {
  it('lists matching servers with how they run, whether they need secrets, and the preset that covers them', async () => {
    const r = await world.conn(['search', 'brave', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(rows).toEqual([expect.objectContaining({ name: BRAVE, version: '2.1.3', runs: ['npm'], secrets: true, preset: 'brave-search' })]);
    const human = await world.conn(['search', 'neon'], { env });
    expect(human.stdout).toMatch(/com\.neon\/mcp\s+\S+\s+remote\s+yes/);
  });

  it('answers a repeated search from its cache, and an offline registry from an older cached answer with a note', async () => {
    await world.conn(['search', 'redis'], { env });
    await world.conn(['search', 'redis'], { env });
    expect(registry.requests.filter((q) => q.includes('search=redis'))).toHaveLength(1);
    // Age the cached answers past their freshness, then take the registry away.
    const cache = join(world.home, 'registry-cache');
    for (const f of readdirSync(cache)) {
      const data = JSON.parse(readFileSync(join(cache, f), 'utf8'));
      writeFileSync(join(cache, f), JSON.stringify({ ...data, at: '2000-01-01T00:00:00.000Z' }));
    }
    await registry.stop();
    const stale = await world.conn(['search', 'redis', '--json'], { env });
    expect(stale.code, stale.stderr).toBe(0);
    expect(JSON.parse(stale.stdout)[0].name).toBe('io.github.redis/mcp-redis');
    expect(stale.stderr).toContain(`registry ${registry.url} is unreachable`);
    expect(stale.stderr).toContain('using the answer cached at 2000-01-01');
    const none = await world.conn(['search', 'github'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain(`registry ${registry.url} is unreachable`);
  });
});

describe('conn add from the registry: bad input', () => {
  it('refuses a server.json that fails its official schema, in one line, storing nothing', async () => {
    const doc = { ...readFixture('io.github.brave__brave-search-mcp-server.json'), description: 'x'.repeat(101) };
    writeFileSync(join(world.tmp, 'server.json'), JSON.stringify(doc));
    const r = await world.conn(['add', './server.json'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('does not match its schema (2025-12-11): /description must NOT have more than 100 characters');
    expect(JSON.parse((await world.conn(['list', '--json'])).stdout)).toEqual([]);
  });

  it('refuses a server.json with a $schema conn does not know', async () => {
    writeFileSync(join(world.tmp, 'server.json'), JSON.stringify({ ...readFixture('io.github.brave__brave-search-mcp-server.json'), $schema: 'https://example.com/s.json' }));
    const r = await world.conn(['add', './server.json'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown $schema');
  });

  it('says which runtime is missing (exit 1) when nothing in the server.json can run here', async () => {
    const r = await world.conn(['add', BRAVE, '--secret', 'BRAVE_API_KEY=x'], { env: { ...env, PATH: join(world.tmp, 'empty') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npx is not on PATH');
    expect(JSON.parse((await world.conn(['list', '--json'])).stdout)).toEqual([]);
  });

  it('refuses a user value that would smuggle an option into a positional argument', async () => {
    const doc = readFixture('io.github.brave__brave-search-mcp-server.json') as ServerJson & { packages: Record<string, unknown>[] };
    doc.packages[0]!.packageArguments = [{ type: 'positional', valueHint: 'dir', isRequired: true }];
    writeFileSync(join(world.tmp, 'server.json'), JSON.stringify(doc));
    const r = await world.conn(['add', './server.json', '--set', 'dir=--eval=evil', '--secret', 'BRAVE_API_KEY=x'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('would smuggle in an option');
  });
});

describe('argument fields', () => {
  const MD = 'io.github.motherduckdb/mcp-server-motherduck';
  it('puts named arguments the user sets on the command line, checking choices and number format', async () => {
    const fileEnv = { ...env, CONN_SECRET_STORE: 'file' };
    const ok = await world.conn(['add', MD, '--set', 'transport=stdio', '--set', 'max-rows=10', '--set', 'read-write=', '--json'], { env: fileEnv });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).command).toEqual(['uvx', 'mcp-server-motherduck==1.0.5', '--transport', 'stdio', '--read-write', '--max-rows', '10']);
    const choice = await world.conn(['add', MD, '--name', 'md2', '--set', 'transport=bogus'], { env: fileEnv });
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('transport must be one of stdio, http, sse, stream, not "bogus"');
    const number = await world.conn(['add', MD, '--name', 'md3', '--set', 'max-rows=lots'], { env: fileEnv });
    expect(number.code).toBe(2);
    expect(number.stderr).toContain('max-rows must be a number');
    const secretArg = await world.conn(['add', MD, '--name', 'md4', '--secret', 'motherduck-token=abc'], { env: fileEnv });
    expect(secretArg.code).toBe(2);
    expect(secretArg.stderr).toContain('argument motherduck-token would put a secret on the command line');
  });
});

describe('conn add from the registry: secrets and consent', () => {
  it('keeps a secret in the keychain and passes it by environment, never on the command line', async () => {
    requireKeychain();
    const secret = 'brave-secret-7f3a';
    const add = await world.conn(['add', BRAVE, '--secret-stdin', 'BRAVE_API_KEY', '--yes', '--json'], { env, input: secret });
    expect(add.code, add.stderr).toBe(0);
    const conn = JSON.parse(add.stdout);
    expect(conn.secrets).toEqual({ BRAVE_API_KEY: '(keychain)' });
    expect(conn.registry).toMatchObject({ name: BRAVE, version: '2.1.3', source: `${registry.url}/v0.1/servers/${encodeURIComponent(BRAVE)}/versions/latest`, approved: true });
    expect(readFileSync(join(world.home, 'config.json'), 'utf8')).not.toContain(secret);
    const test = await world.conn(['test', 'brave-search-mcp-server'], { env });
    expect(test.code, test.stderr).toBe(0);
    const [run] = runs();
    expect(run!.runtime).toBe('npx');
    expect(run!.argv).toEqual(['-y', '@brave/brave-search-mcp-server@2.1.3']);
    expect(run!.argv.join(' ')).not.toContain(secret);
    expect(run!.env.BRAVE_API_KEY).toBe(secret);
  });

  it('turns docker -e NAME={secret} into -e NAME with the value in the environment', async () => {
    const add = await world.conn(['add', 'io.github.hashicorp/terraform-mcp-server', '--secret', 'token=tfe-secret-1', '--yes', '--json'], { env: { ...env, CONN_SECRET_STORE: 'file' } });
    expect(add.code, add.stderr).toBe(0);
    const test = await world.conn(['test', 'terraform-mcp-server'], { env: { ...env, CONN_SECRET_STORE: 'file' } });
    expect(test.code, test.stderr).toBe(0);
    const [run] = runs();
    expect(run!.argv.slice(0, 3)).toEqual(['run', '-i', '--rm']);
    expect(run!.argv).toContain('TFE_TOKEN');
    expect(run!.argv.join(' ')).not.toContain('tfe-secret-1');
    expect(run!.env.TFE_TOKEN).toBe('tfe-secret-1');
  });

  it('refuses the first run without a terminal and without consent, running nothing', async () => {
    const fileEnv = { ...env, CONN_SECRET_STORE: 'file' };
    expect((await world.conn(['add', 'io.github.microsoft/playwright-mcp'], { env: fileEnv })).code).toBe(0);
    const test = await world.conn(['test', 'playwright-mcp'], { env: fileEnv });
    expect(test.code).toBe(1);
    expect(test.stderr).toContain('playwright-mcp (from the MCP Registry: io.github.microsoft/playwright-mcp) has not been approved to run npx -y @playwright/mcp@0.0.79');
    expect(test.stderr).toContain('conn test playwright-mcp');
    expect(runs()).toEqual([]);
    const serve = await world.conn(['serve', 'playwright-mcp', '--permission', 'full'], { env: fileEnv });
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain('has not been approved');
    expect(runs()).toEqual([]);
  });

  it('render refuses an unapproved registry connection without a terminal and writes it once approved', async () => {
    const fileEnv = { ...env, CONN_SECRET_STORE: 'file' };
    const repo = world.gitRepo('repo');
    expect((await world.conn(['add', 'io.github.microsoft/playwright-mcp'], { env: fileEnv })).code).toBe(0);
    expect((await world.conn(['assign', 'playwright-mcp', '--repo', repo, '--agent', 'claude-code'], { env: fileEnv })).code).toBe(0);
    const refused = await world.conn(['render', '--agent', 'claude-code'], { env: fileEnv, cwd: repo });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('has not been approved to run npx -y @playwright/mcp@0.0.79');
    expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
    expect((await world.conn(['remove', 'playwright-mcp', '--yes'], { env: fileEnv })).code).toBe(0);
    expect((await world.conn(['add', 'io.github.microsoft/playwright-mcp', '--yes'], { env: fileEnv })).code).toBe(0);
    expect((await world.conn(['assign', 'playwright-mcp', '--repo', repo, '--agent', 'claude-code'], { env: fileEnv })).code).toBe(0);
    const written = await world.conn(['render', '--agent', 'claude-code'], { env: fileEnv, cwd: repo });
    expect(written.code, written.stderr).toBe(0);
    const file = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8'));
    expect(file.mcpServers['playwright-mcp']).toMatchObject({ command: 'npx', args: ['-y', '@playwright/mcp@0.0.79'] });
  });

  it('asks on a terminal before the first run, showing the full command, and remembers the yes', async () => {
    const fileEnv = { ...world.env, ...env, CONN_SECRET_STORE: 'file' };
    expect((await world.conn(['add', 'io.github.microsoft/playwright-mcp'], { env: fileEnv })).code).toBe(0);
    const session = spawnPty(['test', 'playwright-mcp'], { cwd: world.tmp, env: fileEnv });
    try {
      await session.waitFor('Run it?');
      expect(session.output().replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\s+/g, ' ')).toContain('It will run npx -y @playwright/mcp@0.0.79');
      session.write('y\r');
      expect(await session.exit).toBe(0);
    } finally {
      session.kill();
    }
    expect(runs()).toHaveLength(1);
    const again = await world.conn(['test', 'playwright-mcp'], { env: fileEnv });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse((await world.conn(['show', 'playwright-mcp', '--json'])).stdout).registry.approved).toBe(true);
  });
});

describe('remotes and prompts', () => {
  it('fills URL template variables and keeps the secret header in the secret store', async () => {
    const doc: ServerJson = {
      $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
      name: 'io.example/tenant',
      description: 'A remote with a tenant in its URL',
      version: '2.0.0',
      remotes: [{
        type: 'streamable-http',
        url: 'https://{tenant}.example.com/mcp',
        variables: { tenant: { description: 'Your tenant', isRequired: true } },
        headers: [{ name: 'X-Api-Key', description: 'API key', isRequired: true, isSecret: true }],
      }],
    };
    writeFileSync(join(world.tmp, 'server.json'), JSON.stringify(doc));
    const fileEnv = { ...env, CONN_SECRET_STORE: 'file' };
    const missing = await world.conn(['add', './server.json'], { env: fileEnv });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing fields tenant, X-Api-Key for io.example/tenant (no terminal to prompt on) (pass --set tenant=… --secret-stdin X-Api-Key)');
    const add = await world.conn(['add', './server.json', '--set', 'tenant=acme', '--secret-stdin', 'X-Api-Key', '--json'], { env: fileEnv, input: 'key-123' });
    expect(add.code, add.stderr).toBe(0);
    const conn = JSON.parse(add.stdout);
    expect(conn).toMatchObject({ preset: 'remote', kind: 'remote', fields: { url: 'https://acme.example.com/mcp', header: 'X-Api-Key' } });
    expect(Object.keys(conn.secrets)).toEqual(['token']);
    expect(conn.registry.source).toBe(join(world.tmp, 'server.json'));
    expect(readFileSync(join(world.home, 'config.json'), 'utf8')).not.toContain('key-123');
  });

  it('prompts on a terminal for a required secret, hidden', async () => {
    requireKeychain();
    const session = spawnPty(['add', BRAVE, '--yes'], { cwd: world.tmp, env: { ...world.env, ...env } });
    try {
      await session.waitFor('BRAVE_API_KEY');
      session.write('typed-secret-42\r');
      expect(await session.exit).toBe(0);
    } finally {
      session.kill();
    }
    expect(session.output()).not.toContain('typed-secret-42');
    const show = JSON.parse((await world.conn(['show', 'brave-search-mcp-server', '--json'], { env })).stdout);
    expect(show.secrets).toEqual({ BRAVE_API_KEY: '(keychain)' });
  });
});

describe('.mcpb bundles', () => {
  function bundleDoc(sha: string): ServerJson {
    return {
      $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
      name: 'io.example/bundled',
      description: 'A bundle made in the test',
      version: '1.0.0',
      packages: [{ registryType: 'mcpb', identifier: `${registry.url}/b/bundled.mcpb`, version: '1.0.0', fileSha256: sha, transport: { type: 'stdio' } }],
    };
  }
  const zip = () =>
    makeZip({
      'manifest.json': JSON.stringify({ manifest_version: '0.2', name: 'bundled', version: '1.0.0', server: { type: 'node', entry_point: 'server.mjs', mcp_config: { command: process.execPath, args: ['${__dirname}/server.mjs'] } } }),
      'server.mjs': `await import(${JSON.stringify(join(ROOT, 'test/fixtures/servers/tiny-server.mjs'))});\n`,
    });

  it('downloads, verifies, unpacks into $CONN_HOME/bundles and runs the manifest entry point', async () => {
    const bytes = zip();
    registry.file('/b/bundled.mcpb', bytes);
    registry.add(bundleDoc(createHash('sha256').update(bytes).digest('hex')));
    const fileEnv = { ...env, CONN_SECRET_STORE: 'file' };
    const add = await world.conn(['add', 'io.example/bundled', '--yes', '--json'], { env: fileEnv });
    expect(add.code, add.stderr).toBe(0);
    const dir = join(world.home, 'bundles', 'io.example_bundled@1.0.0');
    expect(JSON.parse(add.stdout).command).toEqual([process.execPath, join(dir, 'server.mjs')]);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(true);
    const test = await world.conn(['test', 'bundled', '--json'], { env: fileEnv });
    expect(test.code, test.stderr).toBe(0);
    expect(JSON.parse(test.stdout)[0].status).toBe('healthy');
  });

  it('refuses a bundle whose sha256 differs from the server.json, unpacking and storing nothing', async () => {
    registry.file('/b/bundled.mcpb', zip());
    registry.add(bundleDoc('0'.repeat(64)));
    const r = await world.conn(['add', 'io.example/bundled', '--yes'], { env: { ...env, CONN_SECRET_STORE: 'file' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the bundle's sha256 is [0-9a-f]{64}, the server\.json says 0{64}: refusing it/);
    expect(existsSync(join(world.home, 'bundles'))).toBe(false);
    expect(JSON.parse((await world.conn(['list', '--json'])).stdout)).toEqual([]);
  });
});

describe('registry origin and conn update', () => {
  it('conn show says where it came from; conn update shows the difference and moves to the latest version', async () => {
    const fileEnv = { ...env, CONN_SECRET_STORE: 'file' };
    expect((await world.conn(['add', 'io.github.microsoft/playwright-mcp', '--yes'], { env: fileEnv })).code).toBe(0);
    const show = await world.conn(['show', 'playwright-mcp'], { env: fileEnv });
    expect(show.stdout).toContain('registry:    io.github.microsoft/playwright-mcp 0.0.79 (npm @playwright/mcp@0.0.79 from http://127.0.0.1:');
    const same = await world.conn(['update', 'playwright-mcp'], { env: fileEnv });
    expect(same.stdout).toContain('is at the latest version');
    const next = readFixture('io.github.microsoft__playwright-mcp.json') as ServerJson & { packages: Record<string, unknown>[] };
    registry.add({ ...next, version: '0.0.80', packages: next.packages.map((p) => ({ ...p, version: '0.0.80' })) });
    const refused = await world.conn(['update', 'playwright-mcp'], { env: fileEnv });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('- run npx -y @playwright/mcp@0.0.79');
    expect(refused.stderr).toContain('+ run npx -y @playwright/mcp@0.0.80');
    expect(refused.stderr).toContain('conn update playwright-mcp --yes');
    const updated = await world.conn(['update', 'playwright-mcp', '--yes', '--json'], { env: fileEnv });
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toEqual({ name: 'playwright-mcp', version: '0.0.80', updated: true, from: '0.0.79' });
    const after = JSON.parse((await world.conn(['show', 'playwright-mcp', '--json'])).stdout);
    expect(after.command).toEqual(['npx', '-y', '@playwright/mcp@0.0.80']);
    expect(after.registry).toMatchObject({ version: '0.0.80', approved: true });
  });

  it('loads a catalog written before connections had a registry origin', async () => {
    writeFileSync(join(world.tmp, 'old.json'), '');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(world.home, { recursive: true });
    const stamp = '2026-01-01T00:00:00.000Z';
    writeFileSync(join(world.home, 'config.json'), JSON.stringify({
      version: 1,
      connections: { old: { name: 'old', preset: 'custom', kind: 'stdio', enabled: true, fields: {}, secrets: [], command: ['node', 'x.js'], createdAt: stamp, updatedAt: stamp, health: { status: 'unknown' } } },
      assignments: [],
    }));
    const r = await world.conn(['show', 'old', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).registry).toBeUndefined();
  });
});
