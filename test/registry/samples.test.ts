// Every real server.json in test/fixtures/registry/ (see SOURCES.md there), served by a local v0.1
// registry, either becomes a connection whose command or URL is checked against the document, or is
// refused with the reason named here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';

import { fixtureFiles, readFixture, runtimeBin, startRegistry, type FixtureRegistry } from '../helpers/registry.js';
import { makeWorld, type World } from '../helpers/world.js';

const REFUSED: Record<string, RegExp> = {
  'io.circleci.mcp__mcp-server-circleci.json': /does not match its schema \(2025-09-29\): \/description must NOT have more than 100 characters/,
  'io.github.agentic-research__rosary.json': /does not match its schema \(2025-12-11\): \/description/,
  'io.github.chrispulman__crisscross-mcp-server.json': /does not match its schema \(2025-12-11\): \/description/,
  'io.github.karldane__newrelic-mcp.json': /does not match its schema \(2025-12-11\): \/description/,
  'io.github.temporal-cortex__mcp.json': /does not match its schema \(2025-10-17\): \/description/,
  'io.github.domdomegg__airtable-mcp-server.json': /does not match its schema \(2025-07-09\): \/packages\/0 must have required property 'transport'/,
  'io.github.exa-labs__exa-mcp-server.json': /does not match its schema \(2025-07-09\): \/packages\/0 must have required property 'registry_type'/,
  'io.github.0xChron__polymarket-mcp.json': /serves streamable-http on a local port; conn starts stdio packages/,
  'io.github.Erdu-EC__PostgresMcpServer.json': /registry type "nuget" is not supported/,
  'io.github.domdomegg__time-mcp-nuget.json': /registry type "nuget" is not supported/,
  'io.github.apache__solr-mcp.json': /registry type "docker" is not supported/,
  'io.github.github__github-mcp-server.json': /the version "\$\{VERSION\}" is an unfilled release placeholder/,
  'io.github.grafana__mcp-grafana.json': /unfilled release placeholder/,
  // Its bundles live on github.com, which tests cannot reach: the download is refused, nothing stored.
  'io.github.jmrplens__libgen-mcp.json': /cannot download the bundle https:\/\/github\.com\//,
};

let registry: FixtureRegistry;
let world: World;
let bin: string;
beforeAll(async () => {
  registry = await startRegistry();
  world = makeWorld({ CONN_SECRET_STORE: 'file' });
  bin = runtimeBin(join(world.tmp, 'bin'));
});
afterAll(async () => {
  await registry.stop();
  world.cleanup();
});

type Json = Record<string, any>;
const RUNTIME: Record<string, string> = { npm: 'npx', pypi: 'uvx', oci: 'docker' };

/** Adds a server, answering "missing field" refusals with made-up values the way a user would. */
async function add(name: string, as: string) {
  const extra: string[] = [];
  for (let round = 0; round < 3; round++) {
    const r = await world.conn(['add', name, '--name', as, '--json', ...extra], { env: { CONN_REGISTRY_URL: registry.url, PATH: bin } });
    const hint = /\(pass (.*)\)$/m.exec(r.stderr);
    if (r.code === 0 || !/missing fields? /.test(r.stderr) || !hint) return { ...r, extra };
    for (const [, flag, key] of hint[1]!.matchAll(/--(set|secret-stdin) ([^\s=]+)/g)) {
      extra.push(...(flag === 'set' ? ['--set', `${key}=1`] : ['--secret', `${key}=sample-secret-${key}`]));
    }
  }
  throw new Error(`${name}: still missing fields after three rounds`);
}

describe('every sample server.json', () => {
  const files = fixtureFiles();
  it('the fixtures are the 48 collected documents', () => {
    expect(files).toHaveLength(48);
  });

  for (const [i, file] of files.entries()) {
    it(file, async () => {
      const doc = readFixture(file) as Json;
      const r = await add(doc.name, `s${i}`);
      if (REFUSED[file]) {
        expect(r.code, r.stderr).not.toBe(0);
        expect(r.stderr.trim().split('\n').at(-1)).toMatch(REFUSED[file]!);
        const list = await world.conn(['show', `s${i}`]);
        expect(list.code).not.toBe(0); // nothing stored
        return;
      }
      expect(r.code, r.stderr).toBe(0);
      const conn = JSON.parse(r.stdout) as Json;
      expect(conn.registry).toMatchObject({ name: doc.name, version: doc.version, approved: false });
      const chosen = /^Using (\S+) /.exec(r.stderr)![1]!;
      if (chosen === 'remote') {
        const remote = (doc.remotes as Json[]).find((x) => x.url === conn.fields.url || x.url.includes('{'))!;
        expect(remote, `remote URL ${conn.fields.url}`).toBeDefined();
        expect(conn.kind).toBe('remote');
        const secretHeader = (remote.headers ?? []).find((h: Json) => h.isSecret);
        if (secretHeader) expect(conn.fields.header).toBe(secretHeader.name);
        return;
      }
      const pkg = (doc.packages as Json[]).find((p) => p.registryType === chosen)!;
      expect(conn.preset).toBe('custom');
      const command = conn.command as string[];
      expect(command[0]).toBe(RUNTIME[pkg.registryType]);
      if (pkg.registryType === 'npm') expect(command).toContain(`${pkg.identifier}@${pkg.version}`);
      if (pkg.registryType === 'pypi') expect(command).toContain(`${pkg.identifier}==${pkg.version}`);
      if (pkg.registryType === 'oci') {
        expect(command.slice(0, 4)).toEqual(['docker', 'run', '-i', '--rm']);
        expect(command.some((a) => a === pkg.identifier || a.startsWith(`${pkg.identifier}:`))).toBe(true);
      }
      for (const env of (pkg.environmentVariables ?? []) as Json[]) {
        if (env.isSecret && (env.isRequired || r.extra.includes(`${env.name}=sample-secret-${env.name}`))) {
          expect(Object.keys(conn.secrets)).toContain(env.name);
          if (pkg.registryType === 'oci') expect(command.join(' ')).toContain(`-e ${env.name}`);
        } else if (env.isRequired && !env.isSecret) {
          expect(conn.fields[`env.${env.name}`]).toBeDefined();
        }
      }
      // No secret value is ever part of the command line.
      expect(command.join(' ')).not.toContain('sample-secret');
    });
  }
});
