// The assignment matrix through the real CLI: which connections land in which repo's agent file, in
// real git repos with real origin remotes, compared with the whole expected file.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import {
  addApi,
  addCustom,
  addNotion,
  API_TOKEN,
  assign,
  claude,
  cursor,
  deny,
  denyRules,
  explain,
  MEM_TOOLS,
  mcpJson,
  NOTION_TOKEN,
  ok,
  readJson,
  render,
  servers,
} from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

describe('conn render: the assignment matrix', () => {
  it('renders a connection with no assignments into every repo with full permission, secrets resolved', async () => {
    const api = w.gitRepo('api', 'git@github.com:acme/api.git');
    const scratch = w.gitRepo('scratch');
    await addCustom(w, 'mem');
    await ok(w, ['add', 'memory']);
    await addNotion(w);
    await addApi(w);

    const r = await render(w, api);
    expect(r.stdout).toBe('wrote .mcp.json: api (full), mem (full), memory (full), notion (full)\n');
    const expected = {
      mcpServers: {
        api: claude.api(`Bearer ${API_TOKEN}`),
        mem: claude.custom,
        memory: claude.memory,
        notion: claude.notion(NOTION_TOKEN),
      },
    };
    expect(mcpJson(api)).toEqual(expected);
    await render(w, scratch);
    expect(mcpJson(scratch)).toEqual(expected);
    // Full permission: nothing to deny.
    expect(existsSync(join(api, '.claude/settings.local.json'))).toBe(false);
  });

  it('renders a repo-specific assignment by path only into that repo, however the path was given', async () => {
    const one = w.gitRepo('one', 'git@github.com:acme/one.git');
    const two = w.gitRepo('two', 'git@github.com:acme/two.git');
    mkdirSync(join(one, 'src/deep'), { recursive: true });
    await addCustom(w, 'abs');
    await addCustom(w, 'rel');
    await assign(w, 'abs', ['--repo', one]);
    // `--repo .` from a subdirectory names the top of the work tree.
    await assign(w, 'rel', ['--repo', '.'], join(one, 'src/deep'));

    await render(w, join(one, 'src'));
    expect(mcpJson(one)).toEqual({ mcpServers: { abs: claude.custom, rel: claude.custom } });
    const r = await render(w, two);
    expect(r.stdout).toBe('unchanged\n');
    // Nothing applies and there was no file: none is left behind.
    expect(existsSync(join(two, '.mcp.json'))).toBe(false);
  });

  it.each([
    ['scp', 'git@github.com:acme/api.git'],
    ['https', 'https://github.com/acme/api'],
    ['ssh', 'ssh://git@github.com/acme/api'],
  ])('matches a host/owner/name assignment against an origin in %s form', async (_form, origin) => {
    const repo = w.gitRepo('api', origin);
    const web = w.gitRepo('web', 'git@github.com:acme/web.git');
    const fork = w.gitRepo('fork', 'git@github.com:acme/api-fork.git');
    await addCustom(w, 'mem');
    await addNotion(w);
    await assign(w, 'mem', ['--repo', 'github.com/acme/api']);
    // A git URL given to --repo is normalised the same way.
    await assign(w, 'notion', ['--repo', 'git@github.com:Acme/API.git']);

    await render(w, repo);
    expect(mcpJson(repo)).toEqual({ mcpServers: { mem: claude.custom, notion: claude.notion(NOTION_TOKEN) } });
    for (const other of [web, fork]) {
      await render(w, other);
      expect(existsSync(join(other, '.mcp.json'))).toBe(false);
    }
  });

  it('matches a github.com/acme/* glob against every acme repo and nothing else', async () => {
    const api = w.gitRepo('api', 'https://github.com/acme/api.git');
    const web = w.gitRepo('web', 'git@github.com:acme/web.git');
    const nested = w.gitRepo('nested', 'https://github.com/acme/group/sub.git');
    const other = w.gitRepo('other', 'git@github.com:other/api.git');
    const gitlab = w.gitRepo('gitlab', 'git@gitlab.com:acme/api.git');
    await addCustom(w, 'mem');
    await assign(w, 'mem', ['--repo', 'github.com/acme/*']);

    for (const repo of [api, web]) {
      await render(w, repo);
      expect(mcpJson(repo)).toEqual({ mcpServers: { mem: claude.custom } });
    }
    // `*` stays within one path segment.
    for (const repo of [nested, other, gitlab]) {
      await render(w, repo);
      expect(mcpJson(repo)).toBeUndefined();
    }
  });

  it('renders an agent-specific assignment for that agent only', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await addNotion(w);
    await assign(w, 'mem', ['--agent', 'claude-code']);
    await assign(w, 'notion', ['--agent', 'cursor', '--repo', 'github.com/acme/api']);

    await render(w, repo, ['--agent', 'claude-code']);
    expect(mcpJson(repo)).toEqual({ mcpServers: { mem: claude.custom } });
    await render(w, repo, ['--agent', 'cursor']);
    expect(readJson(join(repo, '.cursor/mcp.json'))).toEqual({ mcpServers: { notion: cursor.notion(NOTION_TOKEN) } });
    // The claude-code file is not touched by the cursor render.
    expect(mcpJson(repo)).toEqual({ mcpServers: { mem: claude.custom } });
  });

  it('renders no disabled connection, assigned or global, and renders it again once enabled', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await addCustom(w, 'kept');
    await ok(w, ['add', 'custom', '--name', 'off', '--disabled', '--', 'node', 'x.js']);
    await assign(w, 'mem', ['--repo', repo, '--permission', 'full']);
    await ok(w, ['disable', 'mem']);

    await render(w, repo);
    expect(mcpJson(repo)).toEqual({ mcpServers: { kept: claude.custom } });
    const why = await explain(w, repo);
    expect(why.mem).toMatchObject({ rendered: false, reason: 'disabled' });
    expect(why.off).toMatchObject({ rendered: false, reason: 'disabled' });

    await ok(w, ['enable', 'mem']);
    await render(w, repo);
    expect(mcpJson(repo)).toEqual({ mcpServers: { kept: claude.custom, mem: claude.custom } });
  });

  it('never gives a repo assigned nothing a connection that is assigned elsewhere', async () => {
    const api = w.gitRepo('api', 'git@github.com:acme/api.git');
    const lonely = w.gitRepo('lonely', 'git@github.com:other/lonely.git');
    const bare = w.gitRepo('bare');
    await addCustom(w, 'mem');
    await addNotion(w);
    await addApi(w);
    await assign(w, 'mem', ['--repo', api]);
    await assign(w, 'notion', ['--repo', 'github.com/acme/*', '--permission', 'full']);
    await assign(w, 'api', ['--agent', 'cursor']);

    for (const repo of [lonely, bare]) {
      const r = await render(w, repo);
      expect(r.stdout).toBe('unchanged\n');
      expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
      const why = await explain(w, repo);
      for (const name of ['api', 'mem', 'notion']) expect(why[name]).toMatchObject({ rendered: false, reason: 'no-match' });
    }
    // A repo that does match still gets its own.
    await render(w, api);
    expect(Object.keys(servers(api))).toEqual(['mem', 'notion']);
  });
});

describe('conn render: precedence between matching assignments', () => {
  /** mem with its tools recorded by a real `conn test`, so permissions show as deny rules. */
  async function testedMem(): Promise<void> {
    await addCustom(w, 'mem');
    await ok(w, ['test', 'mem']);
  }

  it('lets a repo-specific assignment beat an all-repos one, even with a higher permission', async () => {
    const api = w.gitRepo('api', 'git@github.com:acme/api.git');
    const web = w.gitRepo('web', 'git@github.com:acme/web.git');
    await testedMem();
    const specific = await assign(w, 'mem', ['--repo', 'github.com/acme/api', '--permission', 'full']);
    const everywhere = await assign(w, 'mem', ['--permission', 'read']);

    expect((await explain(w, api)).mem).toMatchObject({ rendered: true, permission: 'full', assignment: specific });
    expect((await explain(w, web)).mem).toMatchObject({ rendered: true, permission: 'read', assignment: everywhere });

    const r = await render(w, api);
    expect(r.stdout).toBe('wrote .mcp.json: mem (full)\n');
    expect(denyRules(api)).toEqual([]);
    await render(w, web);
    expect(mcpJson(web)).toEqual({ mcpServers: { mem: claude.custom } });
    expect(denyRules(web).sort()).toEqual(deny('mem', [...MEM_TOOLS.write, ...MEM_TOOLS.destructive]));
  });

  it('lets an agent-specific assignment beat an all-agents one', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await testedMem();
    const forClaude = await assign(w, 'mem', ['--agent', 'claude-code', '--permission', 'read']);
    const forAll = await assign(w, 'mem', ['--permission', 'readwrite']);

    expect((await explain(w, repo, 'claude-code')).mem).toMatchObject({ permission: 'read', assignment: forClaude });
    expect((await explain(w, repo, 'cursor')).mem).toMatchObject({ permission: 'readwrite', assignment: forAll });
    await render(w, repo);
    expect(denyRules(repo).sort()).toEqual(deny('mem', [...MEM_TOOLS.write, ...MEM_TOOLS.destructive]));
  });

  it('ranks a repo-specific assignment above an agent-specific one', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await testedMem();
    const byRepo = await assign(w, 'mem', ['--repo', repo, '--permission', 'full']);
    await assign(w, 'mem', ['--agent', 'claude-code', '--permission', 'read']);

    expect((await explain(w, repo)).mem).toMatchObject({ permission: 'full', assignment: byRepo });
    await render(w, repo);
    expect(denyRules(repo)).toEqual([]);
  });

  it('takes the lower permission when matching assignments are equally specific', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await testedMem();
    await assign(w, 'mem', ['--repo', 'github.com/acme/api', '--permission', 'full']);
    const lower = await assign(w, 'mem', ['--repo', 'github.com/acme/*', '--permission', 'readwrite']);
    await assign(w, 'mem', ['--repo', repo, '--permission', 'full']);

    expect((await explain(w, repo)).mem).toMatchObject({ rendered: true, permission: 'readwrite', assignment: lower });
    const r = await render(w, repo);
    expect(r.stdout).toBe('wrote .mcp.json: mem (readwrite)\n');
    expect(denyRules(repo).sort()).toEqual(deny('mem', MEM_TOOLS.destructive));
  });

  it('moves the deny rules with the winner: a new, more specific assignment widens them at the next render', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await testedMem();
    await assign(w, 'mem', ['--permission', 'read']);
    await render(w, repo);
    expect(denyRules(repo)).toHaveLength(6);
    await assign(w, 'mem', ['--repo', repo, '--agent', 'claude-code', '--permission', 'readwrite']);
    await render(w, repo);
    expect(denyRules(repo).sort()).toEqual(deny('mem', MEM_TOOLS.destructive));
  });
});

describe('conn render --agent all', () => {
  it('renders every agent whose file exists in the repo and every agent assigned there, and no other', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const elsewhere = w.gitRepo('web', 'git@github.com:acme/web.git');
    mkdirSync(join(repo, '.cursor'));
    const userCursor = { mcpServers: { mine: { command: 'my-server' } } };
    writeFileSync(join(repo, '.cursor/mcp.json'), `${JSON.stringify(userCursor, null, 2)}\n`);
    await addCustom(w, 'mem');
    await addNotion(w);
    await addApi(w);
    await assign(w, 'notion', ['--repo', 'github.com/acme/api', '--agent', 'gemini']);
    // Assigned to codex, but for another repo: no codex file here.
    await assign(w, 'api', ['--repo', elsewhere, '--agent', 'codex']);

    const r = await ok(w, ['render', '--repo', repo, '--agent', 'all', '--json']);
    const outcomes = JSON.parse(r.stdout) as { agent: string; file: string; status: string }[];
    expect(outcomes.map((o) => [o.agent, o.file, o.status])).toEqual([
      ['cursor', '.cursor/mcp.json', 'written'],
      ['gemini', '.gemini/settings.json', 'written'],
    ]);
    expect(readJson(join(repo, '.cursor/mcp.json'))).toEqual({ mcpServers: { ...userCursor.mcpServers, mem: cursor.custom } });
    expect(readJson(join(repo, '.gemini/settings.json'))).toEqual({
      mcpServers: { mem: cursor.custom, notion: cursor.notion(NOTION_TOKEN) },
    });
    for (const file of ['.mcp.json', '.codex/config.toml', '.vscode/mcp.json', 'opencode.json']) expect(existsSync(join(repo, file)), file).toBe(false);

    // The agents rendered before are included from then on; a repo where nothing points at an agent is a usage error.
    await render(w, repo, ['--agent', 'claude-code']);
    const again = await ok(w, ['render', '--repo', repo, '--agent', 'all', '--json']);
    expect((JSON.parse(again.stdout) as { agent: string; status: string }[]).map((o) => [o.agent, o.status])).toEqual([
      ['claude-code', 'unchanged'],
      ['cursor', 'unchanged'],
      ['gemini', 'unchanged'],
    ]);
    const none = await w.conn(['render', '--repo', w.gitRepo('empty'), '--agent', 'all']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no agent detected');
  });
});
