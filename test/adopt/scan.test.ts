import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const FIXTURES = join(ROOT, 'test/fixtures/import');
let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

describe('conn scan', () => {
  it('lists file, server, key and kind for every agent format, never the value, and exits 1', async () => {
    const repo = w.gitRepo('api');
    copyFileSync(join(FIXTURES, 'claude-mcp.json'), join(repo, '.mcp.json'));
    write(repo, '.codex/config.toml', '[mcp_servers.s]\ncommand = "x"\nenv = { T = "sntryu_canary0scan0123456" }\n');
    write(repo, 'packages/web/.vscode/mcp.json', JSON.stringify({ servers: { api: { type: 'http', url: 'https://u:canary-url-pass@h.example/mcp' } } }));
    write(repo, 'node_modules/pkg/.mcp.json', JSON.stringify({ mcpServers: { x: { command: 'a', env: { GH: 'ghp_canary0nodemod12345' } } } }));
    const r = await w.conn(['scan'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n').sort()).toEqual([
      '.codex/config.toml: server s, env T: Sentry user token (sntryu_…)',
      '.mcp.json: server billing, env BILLING_API_KEY: name contains KEY',
      '.mcp.json: server docs, header Authorization: Authorization header',
      '.mcp.json: server notion, env NOTION_TOKEN: known secret field of preset notion',
      'packages/web/.vscode/mcp.json: server api, url: password inside the URL',
    ]);
    for (const text of [r.stdout, r.stderr]) {
      for (const v of ['ntn_canary0notion1234567', 'canary-billing-value', 'canary-docs-bearer', 'sntryu_canary0scan0123456', 'canary-url-pass']) expect(text).not.toContain(v);
    }
    const json = await w.conn(['scan', '--json'], { cwd: repo });
    expect(json.code).toBe(1);
    const data = JSON.parse(json.stdout);
    expect(data.files).toEqual(['.codex/config.toml', '.mcp.json', 'packages/web/.vscode/mcp.json']);
    expect(data.findings[0]).toEqual({ file: '.codex/config.toml', server: 's', site: 'env', key: 'T', rule: 'token-prefix', reason: 'Sentry user token (sntryu_…)' });
  });

  it('exits 0 on a clean tree: references only, and a git-ignored inline render is skipped', async () => {
    const repo = w.gitRepo('api');
    write(repo, '.mcp.json', JSON.stringify({ mcpServers: { n: { command: 'npx', env: { NOTION_TOKEN: '${NOTION_TOKEN}' } } } }));
    write(repo, '.cursor/mcp.json', JSON.stringify({ mcpServers: { n: { command: 'npx', env: { NOTION_TOKEN: 'ntn_canary0ignored12345' } } } }));
    write(repo, '.gitignore', '.cursor/\n');
    const r = await w.conn(['scan'], { cwd: repo });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no secret-looking values in 1 agent config file/);
    expect(r.stdout).toMatch(/skipped 1 file\(s\) git ignores: \.cursor\/mcp\.json/);
    const all = await w.conn(['scan', '--include-ignored'], { cwd: repo });
    expect(all.code).toBe(1);
    expect(all.stdout).toMatch(/\.cursor\/mcp\.json: server n, env NOTION_TOKEN/);
  });

  it('--history finds a secret removed from the working tree in an earlier commit', async () => {
    const repo = w.gitRepo('api');
    write(repo, 'README.md', 'hi\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'first');
    write(repo, '.gemini/settings.json', JSON.stringify({ mcpServers: { gh: { command: 'docker', env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_canary0history12345' } } } }));
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'oops');
    const leak = git(repo, 'rev-parse', 'HEAD');
    rmSync(join(repo, '.gemini'), { recursive: true });
    git(repo, 'commit', '-qam', 'remove');

    expect((await w.conn(['scan'], { cwd: repo })).code).toBe(0);
    const r = await w.conn(['scan', '--history'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe(`${leak.slice(0, 10)} .gemini/settings.json: server gh, env GITHUB_PERSONAL_ACCESS_TOKEN: known secret field of preset github`);
    expect(r.stderr).toMatch(/rotate/);
    expect(r.stdout + r.stderr).not.toContain('ghp_canary0history12345');
  });

  it('searches a file that does not parse line by line for vendor tokens', async () => {
    const repo = w.gitRepo('api');
    write(repo, '.mcp.json', '{ "mcpServers": { "x": { "env": { "K": "xoxb-canary-0123456789" \n');
    const r = await w.conn(['scan'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\.mcp\.json: server \(unparsed file\), line 1: Slack bot token \(xoxb-…\)/);
    expect(r.stdout).not.toContain('xoxb-canary');
  });
});
