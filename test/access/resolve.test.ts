import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRepoMatcher } from '../../src/access/match.js';
import { repoIdentity } from '../../src/access/repo.js';
import { resolveAccess, type Decision } from '../../src/access/resolve.js';
import { assignment, catalogWith, connection, tempWorld, type TempWorld } from './fixtures.js';

const API = { root: '/home/u/work/api', remote: 'github.com/acme/api' };
const WEB = { root: '/home/u/work/web', remote: 'github.com/acme/web' };
const LOCAL = { root: '/home/u/scratch' };

function only(decisions: Decision[], name: string): Decision {
  const d = decisions.find((x) => x.connection === name);
  if (!d) throw new Error(`no decision for ${name}`);
  return d;
}

describe('resolveAccess', () => {
  it('gives a connection with no assignments to every repo and agent, with full permission', () => {
    const catalog = catalogWith([connection('notion')]);
    for (const repo of [API, WEB, LOCAL]) {
      for (const agent of ['claude-code', 'cursor', 'codex'] as const) {
        expect(resolveAccess(catalog, repo, agent)).toEqual([
          { connection: 'notion', rendered: true, permission: 'full', reason: 'global', text: 'global (no assignments): full' },
        ]);
      }
    }
  });

  it('returns one decision per connection, sorted by name', () => {
    const catalog = catalogWith([connection('zeta'), connection('alpha'), connection('mid', false)]);
    expect(resolveAccess(catalog, API, 'claude-code').map((d) => d.connection)).toEqual(['alpha', 'mid', 'zeta']);
  });

  it('never renders a disabled connection, assigned or not', () => {
    const catalog = catalogWith(
      [connection('off', false), connection('off-assigned', false)],
      [assignment('off-assigned', { repos: [API.root], permission: 'full' })],
    );
    for (const d of resolveAccess(catalog, API, 'claude-code')) {
      expect(d).toEqual({ connection: d.connection, rendered: false, reason: 'disabled', text: 'disabled' });
    }
  });

  it('grants a repo-specific assignment by path only to that repo', () => {
    const a = assignment('sentry', { id: 'a1b2c3', repos: [API.root], permission: 'read' });
    const catalog = catalogWith([connection('sentry')], [a]);
    expect(only(resolveAccess(catalog, API, 'cursor'), 'sentry')).toEqual({
      connection: 'sentry',
      rendered: true,
      permission: 'read',
      reason: 'assignment',
      assignment: 'a1b2c3',
      text: `assignment a1b2c3: repo ${API.root}, all agents → read`,
    });
    expect(only(resolveAccess(catalog, WEB, 'cursor'), 'sentry')).toMatchObject({ rendered: false, reason: 'no-match' });
  });

  it('grants by remote, and explains which repo and agent matched', () => {
    const a = assignment('sentry', { id: 'a1b2c3', repos: ['github.com/acme/api'], agents: ['claude-code'], permission: 'read' });
    const catalog = catalogWith([connection('sentry')], [a]);
    const d = only(resolveAccess(catalog, API, 'claude-code'), 'sentry');
    expect(d.text).toBe('assignment a1b2c3: repo github.com/acme/api, agent claude-code → read');
    expect(d).toMatchObject({ rendered: true, permission: 'read', assignment: 'a1b2c3' });
    expect(only(resolveAccess(catalog, WEB, 'claude-code'), 'sentry').rendered).toBe(false);
    expect(only(resolveAccess(catalog, LOCAL, 'claude-code'), 'sentry').rendered).toBe(false);
  });

  it('grants by a remote glob within one segment', () => {
    const catalog = catalogWith([connection('linear')], [assignment('linear', { repos: ['github.com/acme/*'] })]);
    expect(only(resolveAccess(catalog, API, 'gemini'), 'linear').rendered).toBe(true);
    expect(only(resolveAccess(catalog, WEB, 'gemini'), 'linear').rendered).toBe(true);
    expect(only(resolveAccess(catalog, { root: '/o', remote: 'github.com/other/api' }, 'gemini'), 'linear').rendered).toBe(false);
  });

  it('grants by a path glob', () => {
    const catalog = catalogWith([connection('pg')], [assignment('pg', { repos: ['/home/u/work/*'] })]);
    expect(only(resolveAccess(catalog, API, 'codex'), 'pg').rendered).toBe(true);
    expect(only(resolveAccess(catalog, LOCAL, 'codex'), 'pg').rendered).toBe(false);
  });

  it('grants an agent-specific assignment only to that agent', () => {
    const catalog = catalogWith([connection('slack')], [assignment('slack', { agents: ['cursor', 'vscode'], permission: 'full' })]);
    expect(only(resolveAccess(catalog, API, 'cursor'), 'slack')).toMatchObject({ rendered: true, permission: 'full' });
    expect(only(resolveAccess(catalog, LOCAL, 'vscode'), 'slack').text).toMatch(/: all repos, agent vscode → full$/);
    expect(only(resolveAccess(catalog, API, 'claude-code'), 'slack')).toMatchObject({ rendered: false, reason: 'no-match' });
  });

  it('never gives a repo a connection that is assigned only elsewhere', () => {
    const catalog = catalogWith(
      [connection('github')],
      [
        assignment('github', { repos: ['github.com/acme/web'], permission: 'full' }),
        assignment('github', { repos: ['/home/u/other'], agents: ['claude-code'] }),
      ],
    );
    for (const agent of ['claude-code', 'cursor', 'vscode', 'gemini', 'codex', 'opencode'] as const) {
      expect(only(resolveAccess(catalog, API, agent), 'github')).toEqual({
        connection: 'github',
        rendered: false,
        reason: 'no-match',
        text: 'no matching assignment (2 assignments for other repos/agents)',
      });
    }
  });

  it('prefers a repo-specific assignment over an all-repos one, even with a lower permission', () => {
    const all = assignment('gh', { id: 'all000', permission: 'full' });
    const specific = assignment('gh', { id: 'spec00', repos: ['github.com/acme/api'], permission: 'read' });
    const catalog = catalogWith([connection('gh')], [all, specific]);
    expect(only(resolveAccess(catalog, API, 'claude-code'), 'gh')).toMatchObject({ permission: 'read', assignment: 'spec00' });
    expect(only(resolveAccess(catalog, API, 'claude-code'), 'gh').text).toContain('(over 1 other matching assignment)');
    expect(only(resolveAccess(catalog, WEB, 'claude-code'), 'gh')).toMatchObject({ permission: 'full', assignment: 'all000' });
  });

  it('prefers a repo-specific assignment over an agent-specific one', () => {
    const byAgent = assignment('gh', { id: 'agent0', agents: ['claude-code'], permission: 'read' });
    const byRepo = assignment('gh', { id: 'repo00', repos: [API.root], permission: 'full' });
    const catalog = catalogWith([connection('gh')], [byAgent, byRepo]);
    expect(only(resolveAccess(catalog, API, 'claude-code'), 'gh')).toMatchObject({ permission: 'full', assignment: 'repo00' });
  });

  it('then prefers an agent-specific assignment over an all-agents one', () => {
    const repoAll = assignment('gh', { id: 'rall00', repos: [API.root], permission: 'read' });
    const repoAgent = assignment('gh', { id: 'ragent', repos: ['github.com/acme/*'], agents: ['cursor'], permission: 'full' });
    const anyAll = assignment('gh', { id: 'any000', agents: ['cursor'], permission: 'read' });
    const catalog = catalogWith([connection('gh')], [repoAll, anyAll, repoAgent]);
    expect(only(resolveAccess(catalog, API, 'cursor'), 'gh')).toMatchObject({ permission: 'full', assignment: 'ragent' });
    expect(only(resolveAccess(catalog, API, 'claude-code'), 'gh')).toMatchObject({ permission: 'read', assignment: 'rall00' });
  });

  it('breaks a tie of equal specificity with the lower permission, whatever the order', () => {
    const high = assignment('gh', { id: 'high00', repos: ['github.com/acme/api'], permission: 'full' });
    const low = assignment('gh', { id: 'low000', repos: [API.root], permission: 'read' });
    const mid = assignment('gh', { id: 'mid000', repos: ['github.com/acme/*'], permission: 'readwrite' });
    for (const order of [[high, low, mid], [mid, high, low], [low, mid, high]]) {
      const catalog = catalogWith([connection('gh')], order);
      expect(only(resolveAccess(catalog, API, 'opencode'), 'gh')).toMatchObject({ permission: 'read', assignment: 'low000' });
    }
  });

  it('names the matcher that matched when an assignment lists several repos', () => {
    const a = assignment('gh', { id: 'multi0', repos: ['github.com/acme/web', '/home/u/work/*'], permission: 'readwrite' });
    const d = only(resolveAccess(catalogWith([connection('gh')], [a]), API, 'codex'), 'gh');
    expect(d.text).toBe('assignment multi0: repo /home/u/work/*, all agents → readwrite');
  });

  it('decides per connection: assignments of one never affect another', () => {
    const catalog = catalogWith(
      [connection('a'), connection('b')],
      [assignment('a', { repos: ['github.com/acme/web'] })],
    );
    const decisions = resolveAccess(catalog, API, 'claude-code');
    expect(only(decisions, 'a').rendered).toBe(false);
    expect(only(decisions, 'b')).toMatchObject({ rendered: true, reason: 'global', permission: 'full' });
  });
});

describe('resolveAccess on real repos', () => {
  let world: TempWorld;
  beforeEach(() => {
    world = tempWorld();
  });
  afterEach(() => world.cleanup());

  it('matches assignments made with conn-style --repo values against repos read from disk', async () => {
    const api = world.repo('api', 'git@github.com:Acme/API.git');
    const web = world.repo('web', 'https://github.com/acme/web');
    const none = world.mkdir('scratch');
    const catalog = catalogWith(
      [connection('by-remote'), connection('by-path'), connection('by-glob')],
      [
        assignment('by-remote', { repos: [parseRepoMatcher('github.com/acme/api', world.dir)] }),
        assignment('by-path', { repos: [parseRepoMatcher('./web', world.dir)] }),
        assignment('by-glob', { repos: [parseRepoMatcher('GitHub.com/acme/*', world.dir)] }),
      ],
    );
    const rendered = async (dir: string) =>
      resolveAccess(catalog, await repoIdentity(dir), 'claude-code')
        .filter((d) => d.rendered)
        .map((d) => d.connection);
    expect(await rendered(api)).toEqual(['by-glob', 'by-remote']);
    expect(await rendered(web)).toEqual(['by-glob', 'by-path']);
    expect(await rendered(none)).toEqual([]);
  });
});
