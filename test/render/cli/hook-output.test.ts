// What a render says: the shell hook's one short line per repo naming what changed, a failure that
// names its agent and file, one broken connection that does not block the others (named once), and
// `--json` with the same shape whether the render wrote or found nothing to do.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addCustom, addNotion, claude, ok, render, servers } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const auto = (repo: string, env: Record<string, string> = {}) => w.conn(['render', '--auto', '--quiet'], { cwd: repo, env });

describe('conn render --auto (the shell hook)', () => {
  it('prints one short line per repo naming what changed in each file', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await addNotion(w);
    await ok(w, ['test', 'mem']);
    await render(w, repo, ['--agent', 'claude-code', '--agent', 'cursor']);
    await ok(w, ['disable', 'notion']);
    const r = await auto(repo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('api: updated .mcp.json (-notion); .cursor/mcp.json (-notion)\n');

    await ok(w, ['assign', 'mem', '--repo', repo, '--permission', 'read']);
    const again = await auto(repo);
    // Cursor cannot deny single tools, so only Claude Code's file (its deny rules) changes.
    expect(again.stderr).toBe('api: updated .mcp.json (mem full→read)\n');
  });

  it('names the agent and file that failed, and still renders the others', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await render(w, repo, ['--agent', 'claude-code', '--agent', 'cursor']);
    writeFileSync(join(repo, '.cursor/mcp.json'), '{ "mcpServers": ');
    await addCustom(w, 'more');
    const r = await auto(repo);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('api: updated .mcp.json (+more)');
    expect(lines[1]).toMatch(/^conn: \.cursor\/mcp\.json \(cursor\): /);
    expect(Object.keys(servers(repo))).toEqual(['mem', 'more']);
  });
});

describe('conn render: a connection whose secret does not resolve', () => {
  it('renders the others, names it and the fix (once for the hook), and renders it once it resolves', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await ok(w, ['add', 'notion', '--secret', 'NOTION_TOKEN=env:CONN_TEST_UNSET_TOKEN']);

    const r = await render(w, repo, [], 1);
    expect(r.stdout).toBe('wrote .mcp.json: mem (full)\n');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^conn: notion was left out of the render \(the other entries are written\): .*CONN_TEST_UNSET_TOKEN/);
    expect(servers(repo)).toEqual({ mem: claude.custom });

    const json = JSON.parse((await render(w, repo, ['--json'], 1)).stdout) as { skipped: { name: string; error: string }[] }[];
    expect(json[0]!.skipped).toEqual([{ name: 'notion', error: expect.stringContaining('CONN_TEST_UNSET_TOKEN') }]);

    // The hook already said so: quiet on the next cd.
    const hook = await auto(repo);
    expect(hook.stdout + hook.stderr).toBe('');
    expect(hook.code).toBe(0);

    const fixed = await auto(repo, { CONN_TEST_UNSET_TOKEN: 'ntn_resolved_now' });
    expect(fixed.stderr).toBe('api: updated .mcp.json (+notion)\n');
    expect(servers(repo)).toEqual({ mem: claude.custom, notion: claude.notion('ntn_resolved_now') });
  });
});

describe('conn render --json', () => {
  it('has the same shape when unchanged as when written', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await ok(w, ['test', 'mem']);
    await ok(w, ['assign', 'mem', '--repo', repo, '--agent', 'cursor', '--permission', 'read']);
    const written = JSON.parse((await render(w, repo, ['--agent', 'cursor', '--json'])).stdout) as Record<string, unknown>[];
    const unchanged = JSON.parse((await render(w, repo, ['--agent', 'cursor', '--json'])).stdout) as Record<string, unknown>[];
    expect(written[0]!.status).toBe('written');
    expect(unchanged).toEqual([{ ...written[0], status: 'unchanged', removed: [] }]);
    expect(Object.keys(unchanged[0]!).sort()).toEqual(['agent', 'entries', 'file', 'removed', 'secrets', 'skipped', 'status', 'tools', 'warnings']);
    expect(unchanged[0]!.file).toBe('.cursor/mcp.json');
    expect((unchanged[0]!.warnings as string[]).length).toBeGreaterThan(0);
  });
});
