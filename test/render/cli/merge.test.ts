// Merge, never clobber: the user's own entries in `.mcp.json` survive every render byte for byte.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addCustom, addNotion, assign, claude, mcpJson, NOTION_TOKEN, ok, render, snapshot } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

// The user's file, formatted their way: odd spacing, one-line entries, a key conn knows nothing of.
const USER_ENTRY = `"mine": { "command": "my-server",   "args": ["--port", "7"], "env": {"MY_KEY": "user-value"} }`;
const USER_FILE = `{
  "mcpServers": {
    ${USER_ENTRY},
    "docs":{"type":"http","url":"https://docs.example.com/mcp"}
  },
  "x-team-notes": [1,2,  3]
}
`;
const userServers = {
  mine: { command: 'my-server', args: ['--port', '7'], env: { MY_KEY: 'user-value' } },
  docs: { type: 'http', url: 'https://docs.example.com/mcp' },
};

function withUserFile(repo: string, text = USER_FILE): string {
  const path = join(repo, '.mcp.json');
  writeFileSync(path, text);
  return path;
}

describe('conn render: merge, never clobber', () => {
  it("keeps the user's entries and every unrelated byte, and gives the file back unchanged when conn's entries go", async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const path = withUserFile(repo);
    await addCustom(w, 'mem');
    await addNotion(w);

    const r = await render(w, repo);
    expect(r.stdout).toBe('wrote .mcp.json: mem (full), notion (full)\n');
    expect(mcpJson(repo)).toEqual({
      mcpServers: { ...userServers, mem: claude.custom, notion: claude.notion(NOTION_TOKEN) },
      'x-team-notes': [1, 2, 3],
    });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(USER_ENTRY);
    expect(text).toContain('"docs":{"type":"http","url":"https://docs.example.com/mcp"}');
    expect(text.startsWith('{\n  "mcpServers": {\n')).toBe(true);
    expect(text.endsWith('\n  },\n  "x-team-notes": [1,2,  3]\n}\n')).toBe(true);

    // Both connections leave (one disabled, one no longer assigned here): the user's file comes back exactly.
    await ok(w, ['disable', 'notion']);
    await assign(w, 'mem', ['--repo', 'github.com/acme/other']);
    const gone = await render(w, repo);
    expect(gone.stdout).toBe('wrote .mcp.json: no servers; removed mem, notion\n');
    expect(readFileSync(path, 'utf8')).toBe(USER_FILE);
  });

  it('removes the entry of an unassigned connection at the next render and keeps the rest', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const path = withUserFile(repo);
    await addCustom(w, 'mem');
    await addCustom(w, 'other');
    const id = await assign(w, 'mem', ['--repo', repo]);
    await render(w, repo);
    expect(Object.keys((mcpJson(repo) as { mcpServers: object }).mcpServers)).toEqual(['mine', 'docs', 'mem', 'other']);

    // The last assignment gone makes mem global again; a narrower one for another repo takes it away here.
    await assign(w, 'mem', ['--repo', 'github.com/acme/web']);
    await ok(w, ['unassign', id]);
    const r = await render(w, repo);
    expect(r.stdout).toBe('wrote .mcp.json: other (full); removed mem\n');
    expect(mcpJson(repo)).toEqual({ mcpServers: { ...userServers, other: claude.custom }, 'x-team-notes': [1, 2, 3] });
    expect(readFileSync(path, 'utf8')).toContain(USER_ENTRY);
  });

  it("refuses to overwrite the user's entry of the same name, leaving the file untouched, and replaces it with --force", async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const path = withUserFile(repo);
    await addCustom(w, 'mine');
    const before = snapshot(path);

    const r = await render(w, repo, [], 1);
    expect(r.stderr).toContain('.mcp.json already has its own entry named mine, not written by conn');
    expect(r.stderr).toContain('--force');
    expect(snapshot(path)).toEqual(before);

    const forced = await render(w, repo, ['--force']);
    expect(forced.stdout).toBe('wrote .mcp.json: mine (full)\n');
    expect(mcpJson(repo)).toEqual({ mcpServers: { mine: claude.custom, docs: userServers.docs }, 'x-team-notes': [1, 2, 3] });
    // From now on the entry is conn's: a plain render neither conflicts nor rewrites.
    expect((await render(w, repo)).stdout).toBe('unchanged\n');
  });

  it.each([
    ['broken JSON', '{ "mcpServers": { "mine": '],
    ['a non-object mcpServers', '{ "mcpServers": [1, 2] }\n'],
    ['a JSON array', '[]\n'],
  ])('stops with exit 1 on an existing file with %s and leaves it untouched', async (_what, text) => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const path = withUserFile(repo, text);
    await addCustom(w, 'mem');
    const before = snapshot(path);
    const r = await render(w, repo, [], 1);
    expect(r.stderr).toContain('.mcp.json');
    expect(snapshot(path)).toEqual(before);
  });

  it('does not rewrite an unchanged file: prints unchanged and keeps its mtime', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const path = withUserFile(repo);
    await addCustom(w, 'mem');
    await render(w, repo);
    const first = snapshot(path);
    const again = await render(w, repo);
    expect(again.stdout).toBe('unchanged\n');
    expect(snapshot(path)).toEqual(first);
    // The slow path (forced by a catalog change that does not change the output) also leaves it alone.
    await addCustom(w, 'elsewhere');
    await assign(w, 'elsewhere', ['--repo', 'github.com/acme/web']);
    expect((await render(w, repo)).stdout).toBe('unchanged\n');
    expect(snapshot(path)).toEqual(first);
  });

  it('recreates a deleted file at the next render', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await render(w, repo);
    rmSync(join(repo, '.mcp.json'));
    const r = await render(w, repo);
    expect(r.stdout).toBe('wrote .mcp.json: mem (full)\n');
    expect(mcpJson(repo)).toEqual({ mcpServers: { mem: claude.custom } });
    expect(existsSync(join(repo, '.mcp.json'))).toBe(true);
  });
});
