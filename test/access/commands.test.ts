// assign, assignments, unassign and explain, run through their real `run` with a real catalog file in
// a temp CONN_HOME and a real Io writing to captured streams.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as assign from '../../src/commands/assign.js';
import * as assignmentsCmd from '../../src/commands/assignments.js';
import * as explain from '../../src/commands/explain.js';
import * as unassign from '../../src/commands/unassign.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { UsageError } from '../../src/errors.js';
import { createIo } from '../../src/ui/io.js';
import type { Catalog } from '../../src/catalog/model.js';
import { connection, tempWorld, type TempWorld } from './fixtures.js';

interface Harness {
  deps: Deps;
  stdout(): string;
  stderr(): string;
}

function capture(stream: PassThrough): () => string {
  let text = '';
  stream.setEncoding('utf8').on('data', (d: string) => (text += d));
  return () => text;
}

describe('access commands', () => {
  let world: TempWorld;
  let home: string;
  const env = () => ({ CONN_HOME: home, NO_COLOR: '1', PATH: process.env.PATH ?? '' });

  function harness(json = false): Harness {
    const out = new PassThrough();
    const err = new PassThrough();
    const stdout = capture(out);
    const stderr = capture(err);
    const io = createIo({
      json,
      env: env(),
      stdout: out as unknown as NodeJS.WriteStream,
      stderr: err as unknown as NodeJS.WriteStream,
    });
    return { deps: { ...createDeps({ env: env() }), io, clock: () => new Date('2025-06-01T12:00:00.000Z') }, stdout, stderr };
  }

  async function seed(...names: string[]): Promise<void> {
    await harness().deps.catalog.update((c) => {
      for (const n of names) c.connections[n] = connection(n);
    });
  }

  const onDisk = (): Catalog => JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as Catalog;

  beforeEach(() => {
    world = tempWorld();
    home = join(world.dir, 'conn-home');
  });
  afterEach(() => world.cleanup());

  describe('assign', () => {
    it('parses flags: remote and path repos, agents, default permission readwrite', () => {
      const root = world.repo('api');
      mkdirSync(join(root, 'src'));
      expect(assign.parseAssign('notion', { repo: ['GitHub.com/Acme/*', './src'], agent: ['cursor'] }, root)).toEqual({
        name: 'notion',
        repos: ['github.com/acme/*', root],
        agents: ['cursor'],
        permission: 'readwrite',
      });
      expect(assign.parseAssign('notion', {}, root)).toEqual({ name: 'notion', repos: [], agents: [], permission: 'readwrite' });
    });

    it('rejects a bad permission, agent or repo as usage errors', () => {
      expect(() => assign.parseAssign('n', { permission: 'admin' }, world.dir)).toThrow(UsageError);
      expect(() => assign.parseAssign('n', { agent: ['windsurf-next'] }, world.dir)).toThrow('unknown agent: windsurf-next');
      expect(() => assign.parseAssign('n', { repo: ['./missing'] }, world.dir)).toThrow('repo not found: ./missing');
    });

    it('stores the assignment in the catalog file and prints its id, warning that the connection stops being global', async () => {
      await seed('notion');
      const h = harness();
      await assign.run(
        { name: 'notion', repos: ['github.com/acme/api'], agents: ['claude-code'], permission: 'read' },
        h.deps,
      );
      const stored = onDisk().assignments;
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ connection: 'notion', repos: ['github.com/acme/api'], agents: ['claude-code'], permission: 'read' });
      expect(h.stdout()).toBe(`Assigned notion (${stored[0]!.id}): repo github.com/acme/api, agent claude-code → read\n`);
      expect(h.stderr()).toContain('notion was global; from now on only its assignments grant access');
    });

    it('does not warn for a second assignment, and prints JSON with --json', async () => {
      await seed('notion');
      await assign.run({ name: 'notion', repos: [], agents: ['cursor'], permission: 'full' }, harness().deps);
      const h = harness(true);
      await assign.run({ name: 'notion', repos: ['/srv/x'], agents: [], permission: 'read' }, h.deps);
      const printed = JSON.parse(h.stdout());
      expect(printed).toEqual(onDisk().assignments[1]);
      expect(printed).toMatchObject({ connection: 'notion', repos: ['/srv/x'], agents: [], permission: 'read', createdAt: '2025-06-01T12:00:00.000Z' });
      expect(h.stderr()).toBe('');
    });

    it('fails for an unknown connection without writing anything', async () => {
      await seed('notion');
      const before = readFileSync(join(home, 'config.json'), 'utf8');
      await expect(assign.run({ name: 'nope', repos: [], agents: [], permission: 'read' }, harness().deps)).rejects.toThrow(
        'unknown connection: nope',
      );
      expect(readFileSync(join(home, 'config.json'), 'utf8')).toBe(before);
    });

    it('keeps both of two concurrent assigns (locked read-modify-write)', async () => {
      await seed('a', 'b');
      await Promise.all([
        assign.run({ name: 'a', repos: [], agents: ['cursor'], permission: 'read' }, harness().deps),
        assign.run({ name: 'b', repos: [], agents: ['codex'], permission: 'full' }, harness().deps),
      ]);
      expect(onDisk().assignments.map((a) => a.connection).sort()).toEqual(['a', 'b']);
    });
  });

  describe('assignments', () => {
    it('lists assignments and names the global connections', async () => {
      await seed('notion', 'sentry', 'slack');
      await assign.run({ name: 'sentry', repos: ['github.com/acme/*'], agents: [], permission: 'read' }, harness().deps);
      const h = harness();
      await assignmentsCmd.run({}, h.deps);
      const id = onDisk().assignments[0]!.id;
      expect(h.stdout()).toMatch(new RegExp(`^ID\\s+CONNECTION\\s+REPOS\\s+AGENTS\\s+PERMISSION\\n${id}\\s+sentry\\s+github\\.com/acme/\\*\\s+all\\s+read\\n`));
      expect(h.stdout()).toContain('Global (no assignments; every repo and agent, full): notion, slack');
    });

    it('filters by connection and prints a JSON array', async () => {
      await seed('notion', 'sentry');
      await assign.run({ name: 'sentry', repos: [], agents: ['cursor'], permission: 'read' }, harness().deps);
      await assign.run({ name: 'notion', repos: [], agents: ['cursor'], permission: 'read' }, harness().deps);
      const h = harness(true);
      await assignmentsCmd.run({ name: 'notion' }, h.deps);
      const printed = JSON.parse(h.stdout()) as Array<{ connection: string }>;
      expect(printed.map((a) => a.connection)).toEqual(['notion']);
    });

    it('is a usage error for an unknown connection', async () => {
      await seed('notion');
      await expect(assignmentsCmd.run({ name: 'notoin' }, harness().deps)).rejects.toThrow(UsageError);
    });
  });

  describe('unassign', () => {
    it('removes the assignment and warns when the connection becomes global again', async () => {
      await seed('notion');
      await assign.run({ name: 'notion', repos: [], agents: ['cursor'], permission: 'read' }, harness().deps);
      const id = onDisk().assignments[0]!.id;
      const h = harness();
      await unassign.run({ id }, h.deps);
      expect(onDisk().assignments).toEqual([]);
      expect(h.stdout()).toBe(`Removed assignment ${id} of notion: all repos, agent cursor → read\n`);
      expect(h.stderr()).toContain('notion has no assignments left: it is now global');
    });

    it('is a usage error for an unknown id, and changes nothing', async () => {
      await seed('notion');
      await assign.run({ name: 'notion', repos: [], agents: ['cursor'], permission: 'read' }, harness().deps);
      await expect(unassign.run({ id: 'ffffff' }, harness().deps)).rejects.toThrow('no assignment with id ffffff');
      expect(onDisk().assignments).toHaveLength(1);
    });
  });

  describe('explain', () => {
    it('explains every connection for a real repo found from a subdirectory', async () => {
      const root = world.repo('api', 'git@github.com:acme/api.git');
      mkdirSync(join(root, 'src'));
      await seed('global-one', 'sentry', 'web-only', 'off');
      await harness().deps.catalog.update((c) => {
        c.connections.off!.enabled = false;
      });
      await assign.run({ name: 'sentry', repos: ['github.com/acme/*'], agents: ['claude-code'], permission: 'read' }, harness().deps);
      await assign.run({ name: 'web-only', repos: ['github.com/acme/web'], agents: [], permission: 'full' }, harness().deps);
      const sentryId = onDisk().assignments.find((a) => a.connection === 'sentry')!.id;

      const h = harness(true);
      await explain.run(explain.parseExplain({ repo: join(root, 'src') }), h.deps);
      expect(JSON.parse(h.stdout())).toEqual({
        repo: { root, isGit: true, remote: 'github.com/acme/api' },
        agent: 'claude-code',
        connections: [
          { connection: 'global-one', rendered: true, permission: 'full', reason: 'global', text: 'global (no assignments): full' },
          { connection: 'off', rendered: false, reason: 'disabled', text: 'disabled' },
          {
            connection: 'sentry',
            rendered: true,
            permission: 'read',
            reason: 'assignment',
            assignment: sentryId,
            text: `assignment ${sentryId}: repo github.com/acme/*, agent claude-code → read`,
          },
          { connection: 'web-only', rendered: false, reason: 'no-match', text: 'no matching assignment (1 assignment for other repos/agents)' },
        ],
        // No connection has been tested: nothing to count yet, and the total says which.
        total: { tools: 0, tokens: 0, unknown: ['global-one', 'sentry'] },
      });

      const human = harness();
      await explain.run({ repo: root, agent: 'cursor' }, human.deps);
      expect(human.stdout()).toContain(`repo:  ${root} (github.com/acme/api)\nagent: cursor\n`);
      expect(human.stdout()).toMatch(/sentry\s+no\s+-\s+no matching assignment \(1 assignment for other repos\/agents\)/);
      expect(human.stdout()).toMatch(/global-one\s+yes\s+full\s+global/);
    });

    it('defaults to claude-code and rejects an unknown agent or a missing repo', async () => {
      expect(explain.parseExplain({})).toEqual({ repo: '.', agent: 'claude-code' });
      expect(() => explain.parseExplain({ agent: 'claude' })).toThrow('unknown agent: claude');
      await seed('notion');
      await expect(explain.run({ repo: join(world.dir, 'gone'), agent: 'codex' }, harness().deps)).rejects.toThrow(UsageError);
    });

    it('works with no catalog file, and does not create one', async () => {
      const dir = world.mkdir('plain');
      const h = harness();
      await explain.run({ repo: dir, agent: 'codex' }, h.deps);
      expect(h.stdout()).toContain(`${dir} (not a git repo)`);
      expect(h.stdout()).toContain('No connections yet');
      expect(existsSync(join(home, 'config.json'))).toBe(false);
    });
  });
});
