// Entries switched off in an agent's own file (Kiro `disabled: true`, opencode `enabled: false`,
// Codex `enabled = false`) survive import → --rewrite → render: written back switched off for agents
// that have the switch, left out with a warning for the others. `conn disable` keeps its meaning
// (rendered for no agent); `conn enable` switches an imported-off entry on everywhere.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const CORPUS = join(ROOT, 'test/fixtures/import/corpus');

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

function place(repo: string, fixture: string, rel: string): string {
  const path = join(repo, rel);
  mkdirSync(dirname(path), { recursive: true });
  copyFileSync(join(CORPUS, fixture), path);
  return path;
}

const json = (path: string) => parseJsonc(readFileSync(path, 'utf8')) as Record<string, any>;

async function ok(args: string[], cwd?: string) {
  const r = await w.conn(args, cwd ? { cwd } : {});
  expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

describe('entries switched off in the agent file', () => {
  it('Kiro: the disabled entry comes back disabled; other agents leave it out and say so; conn enable turns it on', async () => {
    const repo = w.gitRepo('kiro');
    const path = place(repo, 'kiro-mcp.json', '.kiro/settings/mcp.json');
    const original = json(path).mcpServers;
    const plan = JSON.parse((await ok(['import', '--from', 'kiro', '--yes', '--rewrite', '--json'], repo)).stdout);
    const item = plan.items.find((i: { entry: string }) => i.entry === 'aws-docs');
    expect(item).toMatchObject({ enabled: true, settings: { disabled: true } });
    expect(item.notes.join('\n')).toMatch(/switched off: written back switched off for kiro, roo, crush, opencode, codex, goose; left out for other agents/);
    // --rewrite removed it too: render owns it now.
    expect(json(path).mcpServers['aws-docs']).toBeUndefined();

    await ok(['render', '--agent', 'kiro'], repo);
    // Same semantics (an empty autoApprove is no setting).
    const { autoApprove: _empty, ...rest } = original['aws-docs'];
    expect(json(path).mcpServers['aws-docs']).toEqual(rest);
    expect(json(path).mcpServers.fetch).not.toHaveProperty('disabled');

    const claude = await ok(['render', '--agent', 'claude-code'], repo);
    expect(claude.stderr + claude.stdout).toMatch(/aws-docs: switched off in the file it was imported from, and claude-code has no per-entry switch: left out/);
    const mcp = json(join(repo, '.mcp.json')).mcpServers;
    expect(Object.keys(mcp).sort()).toEqual(['fetch', 'github-tools']);

    // conn enable: on everywhere.
    await ok(['enable', 'aws-docs']);
    await ok(['render', '--agent', 'kiro'], repo);
    expect(json(path).mcpServers['aws-docs']).not.toHaveProperty('disabled');
    await ok(['render', '--agent', 'claude-code'], repo);
    expect(json(join(repo, '.mcp.json')).mcpServers['aws-docs']).toMatchObject({ command: 'uvx' });
  });

  it('conn disable keeps its meaning: the connection is rendered for no agent, not written switched off', async () => {
    const repo = w.gitRepo('kiro-off');
    const path = place(repo, 'kiro-mcp.json', '.kiro/settings/mcp.json');
    await ok(['import', '--from', 'kiro', '--yes', '--rewrite'], repo);
    await ok(['disable', 'fetch']);
    await ok(['render', '--agent', 'kiro'], repo);
    expect(json(path).mcpServers.fetch).toBeUndefined();
    expect(json(path).mcpServers['aws-docs']).toMatchObject({ disabled: true });
  });

  it('opencode: enabled: false comes back as enabled: false', async () => {
    const repo = w.gitRepo('oc');
    const path = place(repo, 'disabled-opencode.json', 'opencode.json');
    const original = json(path).mcp;
    await ok(['import', 'opencode.json', '--yes', '--rewrite'], repo);
    expect(json(path).mcp ?? {}).toEqual({});
    await ok(['render', '--agent', 'opencode'], repo);
    const mcp = json(path).mcp;
    expect(mcp.playwright).toEqual(original.playwright);
    expect(mcp.docs).toEqual({ type: 'remote', url: original.docs.url });
  });

  it('Codex: enabled = false comes back as enabled = false', async () => {
    const repo = w.gitRepo('cx');
    const path = place(repo, 'disabled-codex.toml', '.codex/config.toml');
    await ok(['import', '.codex/config.toml', '--yes', '--rewrite'], repo);
    await ok(['render', '--agent', 'codex'], repo);
    const file = parseToml(readFileSync(path, 'utf8')) as Record<string, any>;
    expect(file.model).toBe('o3');
    expect(file.mcp_servers.playwright).toEqual({ command: 'npx', args: ['-y', '@playwright/mcp@latest'], enabled: false });
    expect(file.mcp_servers.docs).toEqual({ url: 'https://docs.example.com/mcp' });
    expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
  });
});
