// The leak guard asks git what it would really do with the secret file, before anything is written:
// a .gitignore negation, a bogus nested .git, temp files of a killed write; and an agent file that is
// no regular file, too deeply nested, or whose side file cannot be written leaves nothing behind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addCustom, addNotion, assign, NOTION_TOKEN, ok, render, snapshot } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

/** What `git add -A` would stage, as `git status` lists it. */
const untracked = (repo: string) => git(repo, 'status', '--porcelain', '--untracked-files=all');
/** A temp file as writeSafely names it, left by a write that was killed. */
const tempOf = (file: string) => `.${file}.conn-4194301-0badf00d.tmp`;

describe('conn render: the leak guard checks what git will do', () => {
  it('refuses an inline render when a .gitignore negation would still add the file, writing nothing', async () => {
    const repo = w.gitRepo('api');
    writeFileSync(join(repo, '.gitignore'), '*.json\n!.mcp.json\n');
    await addNotion(w);
    const r = await render(w, repo, [], 1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('git would still add .mcp.json');
    expect(r.stderr).toContain('--secrets env');
    expect(r.stdout + r.stderr).not.toContain(NOTION_TOKEN);
    expect(readdirSync(repo).sort()).toEqual(['.git', '.gitignore']);
    git(repo, 'add', '-A');
    expect(git(repo, 'diff', '--cached', '--name-only')).toBe('.gitignore');

    // env mode puts no secret in the file: allowed.
    await render(w, repo, ['--secrets', 'env']);
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).not.toContain(NOTION_TOKEN);
  });

  it('refuses when a negation would add the temp files a killed write leaves', async () => {
    const repo = w.gitRepo('api');
    writeFileSync(join(repo, '.gitignore'), '!*.tmp\n');
    await addNotion(w);
    const r = await render(w, repo, [], 1);
    expect(r.stderr).toContain('git would still add the temp file conn writes next to .mcp.json');
    expect(readdirSync(repo).sort()).toEqual(['.git', '.gitignore']);
  });

  it('keeps temp files out of git when .gitignore already lists the agent file', async () => {
    const repo = w.gitRepo('api');
    writeFileSync(join(repo, '.gitignore'), '.mcp.json\n');
    git(repo, 'add', '.gitignore');
    git(repo, 'commit', '-q', '-m', 'ignore');
    await addNotion(w);
    await render(w, repo);
    // A first render killed between creating its temp file and renaming it leaves this behind.
    writeFileSync(join(repo, tempOf('.mcp.json')), `{"NOTION_TOKEN":"${NOTION_TOKEN}"}`);
    expect(untracked(repo)).toBe('');
  });

  it('anchors the exclude at git’s own top when a bogus nested .git made a subdirectory the root', async () => {
    const repo = w.gitRepo('api');
    const sub = join(repo, 'pkg');
    mkdirSync(join(sub, '.git'), { recursive: true });
    writeFileSync(join(sub, '.git', 'HEAD'), 'ref: refs/heads/main\n'); // no objects, no refs: git ignores it
    await addNotion(w);
    await render(w, sub);
    expect(readFileSync(join(sub, '.mcp.json'), 'utf8')).toContain(NOTION_TOKEN);
    expect(untracked(repo)).not.toContain('.mcp.json');
    git(repo, 'add', '-A');
    expect(git(repo, 'diff', '--cached', '--name-only')).not.toContain('.mcp.json');
  });
});

describe('conn render: agent files it cannot use', () => {
  it('refuses a FIFO in one line instead of hanging, and a directory without an unexpected error', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    expect(spawnSync('mkfifo', [join(repo, '.mcp.json')]).status).toBe(0);
    const fifo = await render(w, repo, [], 1);
    expect(fifo.signal).toBeNull();
    expect(fifo.stderr).toBe('conn: refusing to use .mcp.json: it is not a regular file (move it away, or render for another agent)\n');

    mkdirSync(join(repo, '.cursor', 'mcp.json'), { recursive: true });
    const dir = await render(w, repo, ['--agent', 'cursor'], 1);
    expect(dir.stderr).toBe('conn: refusing to use .cursor/mcp.json: it is a directory (move it away, or render for another agent)\n');
  });

  it('refuses a FIFO put where a rendered file was, also on the unchanged path', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    await render(w, repo);
    spawnSync('rm', [join(repo, '.mcp.json')]);
    expect(spawnSync('mkfifo', [join(repo, '.mcp.json')]).status).toBe(0);
    const r = await render(w, repo, [], 1);
    expect(r.stderr).toContain('it is not a regular file');
  });

  it('refuses a too deeply nested file in one line and leaves it untouched', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    const path = join(repo, '.mcp.json');
    writeFileSync(path, `{"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}\n`);
    const before = snapshot(path);
    const r = await render(w, repo, [], 1);
    expect(r.stderr).toBe('conn: .mcp.json is too deeply nested to read; it was left untouched (flatten or move the file, or render for another agent)\n');
    expect(snapshot(path)).toEqual(before);
  });

  it('writes no secret when the deny rules cannot be written (a symlinked .claude)', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    await addNotion(w);
    await ok(w, ['test', 'mem']);
    await assign(w, 'mem', ['--repo', repo, '--permission', 'read']);
    mkdirSync(join(w.tmp, 'elsewhere'));
    symlinkSync(join(w.tmp, 'elsewhere'), join(repo, '.claude'));
    const r = await render(w, repo, [], 1);
    expect(r.stderr).toContain('.claude is a symlink');
    expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
    expect(readdirSync(join(w.tmp, 'elsewhere'))).toEqual([]);
    // Nothing recorded, so a later render after the fix writes both and owns both.
    spawnSync('rm', [join(repo, '.claude')]);
    await render(w, repo);
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toContain(NOTION_TOKEN);
    expect(readFileSync(join(repo, '.claude', 'settings.local.json'), 'utf8')).toContain('mcp__mem__delete_entities');
  });
});
