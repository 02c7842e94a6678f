// `conn import` on real-world shaped configs (test/fixtures/import/corpus/): import → --rewrite →
// render gives the agent the same servers, keys, transports, settings and references, and secrets
// end up in the keychain only.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { git, makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const CORPUS = join(ROOT, 'test/fixtures/import/corpus');
const CANARIES = ['canaryJwtSignatureValue', 'gho_canaryKiroToken', 'ctx7sk-canary', 'canary-roo-pass-value', 'canary-db-password'];

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
const catalogText = () => readFileSync(join(w.home, 'config.json'), 'utf8');

function noCanaryIn(...texts: string[]): void {
  for (const text of texts) for (const c of CANARIES) expect(text).not.toContain(c);
}

async function ok(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = await w.conn(args, opts);
  expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  noCanaryIn(r.stdout, r.stderr);
  return r;
}

describe('the adoption flow on a committed file without secrets', () => {
  it('imports, rewrites and renders back the same keys, transports and settings; the leak guard lets it through', async () => {
    const repo = w.gitRepo('app');
    const path = place(repo, 'committed-no-secrets.mcp.json', '.mcp.json');
    git(repo, 'add', '.mcp.json');
    git(repo, 'commit', '-qm', 'mcp');
    const original = json(path).mcpServers;

    // The README's adoption example, as written.
    await ok(['import', '.mcp.json', '--yes', '--rewrite'], { cwd: repo });
    const render = await ok(['render'], { cwd: repo });
    expect(render.stdout + render.stderr).not.toMatch(/tracked by git/);

    const servers = json(path).mcpServers;
    expect(Object.keys(servers).sort()).toEqual(Object.keys(original).sort());
    expect(servers.XcodeBuildMCP).toMatchObject({ command: 'npx', args: original.XcodeBuildMCP.args });
    expect(servers.nu1l_forum).toEqual({ type: 'sse', url: original.nu1l_forum.url });
    expect(servers.github).toEqual({ type: 'http', url: original.github.url, headers: { 'X-MCP-Toolsets': 'repos,issues' } });
    expect(servers['local-tools']).toMatchObject({ command: 'node', args: ['server.js'], cwd: '/srv/tools', env: original['local-tools'].env });

    // conn's names are its own; the agent's keys are the file's.
    const list = JSON.parse((await ok(['list', '--json'])).stdout) as { name: string }[];
    expect(list.map((c) => c.name).sort()).toEqual(['github-2', 'local-tools', 'nu1l-forum', 'xcodebuildmcp']);
    expect(keychainItems(w.service)).toEqual({});
  });
});
