// The agents added beside the first seven, through the real CLI: Copilot CLI and Claude Code sharing
// .mcp.json, env mode refused where the agent expands no reference, trust steps printed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addCustom, addNotion, assign, claude, ok, readJson, render, servers } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

describe('conn render: Claude Code and Copilot CLI in one .mcp.json', () => {
  it("keeps each agent's entries when both render into the file, and removes only its own", async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    writeFileSync(join(repo, '.mcp.json'), '{\n  "mcpServers": {\n    "mine": { "type": "stdio", "command": "mine" }\n  }\n}\n');
    await addCustom(w, 'both');
    await addCustom(w, 'only-claude');
    await addCustom(w, 'only-copilot');
    await assign(w, 'only-claude', ['--repo', repo, '--agent', 'claude-code']);
    await assign(w, 'only-copilot', ['--repo', repo, '--agent', 'copilot']);

    await render(w, repo, ['--agent', 'claude-code']);
    const r = await render(w, repo, ['--agent', 'copilot']);
    expect(r.stderr).toContain('trustedFolders');
    expect(Object.keys(servers(repo)).sort()).toEqual(['both', 'mine', 'only-claude', 'only-copilot']);
    expect(servers(repo).both).toEqual(claude.custom);

    // Each agent re-renders without a conflict and without dropping the other's entries.
    expect((await render(w, repo, ['--agent', 'claude-code'])).stdout).toBe('unchanged\n');
    expect((await render(w, repo, ['--agent', 'copilot'])).stdout).toBe('unchanged\n');

    // Claude Code loses its connection: only that entry goes; Copilot's and the user's stay.
    await ok(w, ['remove', 'only-claude', '--yes']);
    await render(w, repo, ['--agent', 'claude-code']);
    expect(Object.keys(servers(repo)).sort()).toEqual(['both', 'mine', 'only-copilot']);
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toContain('"mine": { "type": "stdio", "command": "mine" }');
  });

  it('--agent all picks Claude Code for an existing .mcp.json, not Copilot as well', async () => {
    const repo = w.gitRepo('api');
    writeFileSync(join(repo, '.mcp.json'), '{}\n');
    await addCustom(w, 'mem');
    const r = await ok(w, ['render', '--repo', repo, '--agent', 'all', '--json']);
    expect((JSON.parse(r.stdout) as { agent: string }[]).map((o) => o.agent)).toEqual(['claude-code']);
  });
});

describe('conn render: agents that expand no environment reference', () => {
  it.each([
    ['kilo', 'kilo.json'],
    ['zed', '.zed/settings.json'],
    ['augment', '.augment/settings.json'],
    ['junie', '.junie/mcp/mcp.json'],
  ])('%s: --secrets env is bad usage naming proxy and inline; nothing written', async (agent, file) => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    const r = await render(w, repo, ['--agent', agent, '--secrets', 'env'], 2);
    expect(r.stderr).toContain(`${agent} expands no environment reference`);
    expect(r.stderr).toContain('--secrets proxy');
    expect(r.stderr).toContain('--secrets inline');
    expect(existsSync(join(repo, file))).toBe(false);
  });

  it('kilo: inline and proxy modes write kilo.json', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    await render(w, repo, ['--agent', 'kilo']);
    expect((readJson(join(repo, 'kilo.json')) as { mcp: Record<string, unknown> }).mcp.mem).toEqual({ type: 'local', command: ['node', claude.custom.args[0]] });
    await render(w, repo, ['--agent', 'kilo', '--secrets', 'proxy']);
    const entry = (readJson(join(repo, 'kilo.json')) as { mcp: Record<string, { command: string[] }> }).mcp.mem!;
    expect(entry.command.slice(2, 4)).toEqual(['serve', 'mem']);
    expect(entry.command).toContain('kilo');
  });
});

describe('conn render: trust steps', () => {
  it.each([
    ['qwen-code', 'qwen mcp approve --all'],
    ['amp', 'amp mcp approve'],
    ['codex', 'trust_level = "trusted"'],
  ])('%s: render prints how to trust the project file', async (agent, note) => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    const r = await render(w, repo, ['--agent', agent]);
    expect(r.stderr).toContain(note);
  });
});
