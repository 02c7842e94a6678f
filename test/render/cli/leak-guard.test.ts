// The leak guard of an inline render: mode 0600, git-excluded, refused into a tracked file, and a
// dry run that prints masked secrets and writes nothing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addApi, addCustom, addNotion, API_TOKEN, claude, mcpJson, NOTION_TOKEN, ok, render, snapshot } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const excludeLines = (repo: string) => readFileSync(join(repo, '.git/info/exclude'), 'utf8').split('\n').filter((l) => l === '/.mcp.json');

describe('conn render: leak guard', () => {
  it('writes an inline file with mode 0600 and adds /.mcp.json to .git/info/exclude exactly once', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addNotion(w);
    await render(w, repo);
    expect(snapshot(join(repo, '.mcp.json')).mode).toBe(0o600);
    expect(excludeLines(repo)).toHaveLength(1);
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');

    // Re-rendered after a change, and after the file was deleted: still one line.
    await addCustom(w, 'mem');
    await render(w, repo);
    writeFileSync(join(repo, '.mcp.json'), '{}\n', { mode: 0o644 });
    await render(w, repo, ['--force']);
    expect(excludeLines(repo)).toHaveLength(1);
    expect(snapshot(join(repo, '.mcp.json')).mode).toBe(0o600);
  });

  it('does not add an exclude line when git already ignores the file', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    writeFileSync(join(repo, '.gitignore'), '.mcp.json\n');
    await addNotion(w);
    await render(w, repo);
    expect(excludeLines(repo)).toHaveLength(0);
    expect(git(repo, 'status', '--porcelain')).toBe('?? .gitignore');
  });

  it('refuses an inline render into a tracked .mcp.json with exit 1 and a hint, and allows it with --allow-tracked', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const path = join(repo, '.mcp.json');
    writeFileSync(path, '{\n  "mcpServers": {}\n}\n');
    git(repo, 'add', '.mcp.json');
    git(repo, 'commit', '-q', '-m', 'mcp config');
    await addNotion(w);
    const before = snapshot(path);

    const r = await render(w, repo, [], 1);
    expect(r.stderr).toContain('.mcp.json is tracked by git');
    expect(r.stderr).toContain('--secrets env');
    expect(snapshot(path)).toEqual(before);
    expect(r.stdout + r.stderr).not.toContain(NOTION_TOKEN);

    // env mode puts no secret in the file: allowed into a tracked file.
    await render(w, repo, ['--secrets', 'env']);
    expect(readFileSync(path, 'utf8')).not.toContain(NOTION_TOKEN);

    const allowed = await render(w, repo, ['--secrets', 'inline', '--allow-tracked']);
    expect(allowed.stdout).toBe('wrote .mcp.json: notion (full)\n');
    expect(mcpJson(repo)).toEqual({ mcpServers: { notion: claude.notion(NOTION_TOKEN) } });
  });

  it('prints the file with secrets masked on --dry-run and writes nothing', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addNotion(w);
    await addApi(w);
    await addCustom(w, 'mem');
    const excludeBefore = readFileSync(join(repo, '.git/info/exclude'), 'utf8');

    const r = await render(w, repo, ['--dry-run']);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(NOTION_TOKEN);
      expect(text).not.toContain(API_TOKEN);
    }
    expect(JSON.parse(r.stdout)).toEqual({
      mcpServers: { api: claude.api('Bearer ********'), mem: claude.custom, notion: claude.notion('********') },
    });
    expect(r.stderr).toContain('dry run');
    expect(readdirSync(repo)).toEqual(['.git']);
    expect(readFileSync(join(repo, '.git/info/exclude'), 'utf8')).toBe(excludeBefore);
    expect(existsSync(join(w.home, 'renders'))).toBe(false);
    // Nothing was recorded either: the next render really writes.
    expect((await render(w, repo)).stdout).toBe('wrote .mcp.json: api (full), mem (full), notion (full)\n');
  });
});
