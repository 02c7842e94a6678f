// `conn render --scope user`: agents with no project file (Claude Desktop, Cline, Windsurf) get their
// user config written with only the connections for all repos, merged with the user's own entries;
// without --scope user (and from the hook) they are refused, saying why.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, git, makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addCustom, addNotion, assign, explain, MEM_SERVER, NOTION_TOKEN, ok, readJson, render } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const appDir = process.platform === 'darwin' ? 'Library/Application Support' : '.config';
const desktopFile = () => join(w.env.HOME!, appDir, 'Claude/claude_desktop_config.json');
const windsurfFile = () => join(w.env.HOME!, '.codeium/windsurf/mcp_config.json');

describe('conn render --scope user', () => {
  it('writes only the connections for all repos, keeping the user entries, for each agent given', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    mkdirSync(dirname(desktopFile()), { recursive: true });
    const own = '{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {\n    "mine": { "command": "mine" }\n  }\n}\n';
    writeFileSync(desktopFile(), own);
    await addCustom(w, 'everywhere'); // no assignment: for every repo
    await addCustom(w, 'all-desktop');
    await assign(w, 'all-desktop', ['--agent', 'claude-desktop', '--permission', 'read']);
    await addCustom(w, 'one-repo');
    await assign(w, 'one-repo', ['--repo', repo, '--agent', 'claude-desktop']);
    await addNotion(w);
    await assign(w, 'notion', ['--repo', repo]);

    const r = await ok(w, ['render', '--agent', 'claude-desktop', '--scope', 'user'], { cwd: repo });
    expect(r.stdout).toContain('all-desktop (read), everywhere (full)');
    const file = readJson(desktopFile()) as { globalShortcut: string; mcpServers: Record<string, unknown> };
    expect(Object.keys(file.mcpServers).sort()).toEqual(['all-desktop', 'everywhere', 'mine']);
    expect(file.mcpServers.everywhere).toEqual({ command: 'node', args: [MEM_SERVER] });
    expect(file.globalShortcut).toBe('Ctrl+Space');
    expect(readFileSync(desktopFile(), 'utf8')).not.toContain(NOTION_TOKEN);

    // Unassigning from all repos removes exactly conn's entry; the user's stays byte for byte.
    await ok(w, ['remove', 'all-desktop', '--yes']);
    await ok(w, ['remove', 'everywhere', '--yes']);
    await ok(w, ['render', '--agent', 'claude-desktop', '--scope', 'user']);
    expect(readFileSync(desktopFile(), 'utf8')).toBe(own);
  });

  it('proxy entries name the permission instead of a repo (the file serves every repo)', async () => {
    mkdirSync(w.env.HOME!, { recursive: true });
    await addCustom(w, 'mem');
    await assign(w, 'mem', ['--agent', 'windsurf', '--permission', 'read']);
    await ok(w, ['render', '--agent', 'windsurf', '--scope', 'user', '--secrets', 'proxy']);
    const entry = (readJson(windsurfFile()) as { mcpServers: Record<string, { args: string[] }> }).mcpServers.mem!;
    expect(entry.args.slice(1)).toEqual(['serve', 'mem', '--permission', 'read']);
    expect(entry.args[0]).toBe(CONN_BIN);
  });

  it('refuses a user-level agent without --scope user, and --scope user for a project agent, writing nothing', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    const r = await render(w, repo, ['--agent', 'claude-desktop'], 2);
    expect(r.stderr).toContain('claude-desktop has no project file');
    expect(r.stderr).toContain('--scope user');
    expect(r.stderr).toContain('the shell hook never does');
    const p = await render(w, repo, ['--agent', 'cursor', '--scope', 'user'], 2);
    expect(p.stderr).toContain('cursor has a project file');
    const all = await render(w, repo, ['--agent', 'all', '--scope', 'user'], 2);
    expect(all.stderr).toContain('--scope user needs the agents named');
    expect(existsSync(desktopFile())).toBe(false);
    expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
  });

  it('the hook (--auto) and --agent all never write a user-level file, even in a home that is a repo', async () => {
    await addCustom(w, 'mem');
    mkdirSync(w.env.HOME!, { recursive: true });
    await ok(w, ['render', '--agent', 'windsurf', '--scope', 'user']);
    const before = readFileSync(windsurfFile(), 'utf8');
    await ok(w, ['add', 'custom', '--name', 'later', '--', 'node', MEM_SERVER]);
    git(w.env.HOME!, 'init', '-q');
    const auto = await ok(w, ['render', '--auto', '--repo', w.env.HOME!]);
    expect(auto.stdout + auto.stderr).not.toContain('windsurf');
    const all = await ok(w, ['render', '--agent', 'all', '--repo', w.env.HOME!, '--json'], {}, 2);
    expect(all.stderr).toContain('no agent detected');
    expect(readFileSync(windsurfFile(), 'utf8')).toBe(before);
  });

  it('conn explain shows for a user-level agent what its one file gets, whatever the repo', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'one-repo');
    await assign(w, 'one-repo', ['--repo', repo]);
    await addCustom(w, 'everywhere');
    const d = await explain(w, repo, 'cline');
    expect(d['one-repo']).toMatchObject({ rendered: false, text: 'assigned to some repos only: not for a user-level file' });
    expect(d.everywhere).toMatchObject({ rendered: true, permission: 'full' });
    expect((await explain(w, repo, 'cursor'))['one-repo']?.rendered).toBe(true);
  });
});
