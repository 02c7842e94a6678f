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
const CANARIES = ['Y2FuYXJ5LWJhc2ljOnZhbHVl', 'canaryJwtSignatureValue', 'gho_canaryKiroToken', 'ctx7sk-canary', 'canary-roo-pass-value', 'canary-db-password'];

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

describe('references and secrets', () => {
  it('keeps ${VAR} as the user\'s own variable in env mode, ${VAR:-default} as env:VAR with its default, and skips a JWT argument', async () => {
    const repo = w.gitRepo('refs');
    const path = place(repo, 'references.mcp.json', '.mcp.json');
    const original = json(path).mcpServers;
    const plan = JSON.parse((await ok(['import', '.mcp.json', '--yes', '--rewrite', '--json'], { cwd: repo })).stdout);
    const item = (entry: string) => plan.items.find((i: { entry: string }) => i.entry === entry);
    expect(item('db').secrets.DATABASE_URL).toMatchObject({ ref: 'env:DATABASE_URL:-postgres://localhost/dev' });
    expect(item('supabase-admin').skipped).toMatch(/JSON Web Token/);
    noCanaryIn(catalogText());

    await ok(['render', '--agent', 'claude-code', '--secrets', 'env'], { cwd: repo });
    const servers = json(path).mcpServers;
    expect(servers.github.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_TOKEN}' });
    expect(servers.db.env).toEqual({ DATABASE_URL: '${DATABASE_URL:-postgres://localhost/dev}', DB_PASS: '${DB_PASS}' });
    expect(servers.api).toEqual({ type: 'http', url: original.api.url, headers: { Authorization: 'Bearer ${API_TOKEN}' } });
    // The skipped entry stays in the file, untouched.
    expect(servers['supabase-admin']).toEqual(original['supabase-admin']);

    // Inline: the default stands in for an unset variable.
    await ok(['render', '--agent', 'claude-code', '--secrets', 'inline'], { cwd: repo, env: { GITHUB_TOKEN: 'gh-from-env', DB_PASS: 'pw-from-env', API_TOKEN: 'api-from-env' } });
    const inline = json(path).mcpServers;
    expect(inline.db.env).toEqual({ DATABASE_URL: 'postgres://localhost/dev', DB_PASS: 'pw-from-env' });
    expect(inline.github.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: 'gh-from-env' });
    expect(keychainItems(w.service)).toEqual({});
  });

  it('a Basic Authorization header stays Basic: inline, in env mode and masked in a dry run', async () => {
    const repo = w.gitRepo('basic');
    const path = place(repo, 'basic-auth.mcp.json', '.mcp.json');
    await ok(['import', '.mcp.json', '--yes', '--rewrite'], { cwd: repo });
    expect(keychainItems(w.service)).toEqual({ 'intranet/token': 'Y2FuYXJ5LWJhc2ljOnZhbHVl' });
    const dry = await ok(['render', '--agent', 'claude-code', '--dry-run'], { cwd: repo });
    expect(JSON.parse(dry.stdout).mcpServers.intranet.headers).toEqual({ Authorization: 'Basic ********' });
    await ok(['render', '--agent', 'claude-code', '--secrets', 'env'], { cwd: repo });
    expect(json(path).mcpServers.intranet.headers).toEqual({ Authorization: 'Basic ${CONN_INTRANET_TOKEN}' });
    const env = await w.conn(['env', '--agent', 'claude-code'], { cwd: repo });
    expect(env.stdout).toContain('CONN_INTRANET_TOKEN');
    expect(env.stdout).not.toMatch(/Basic/);
    await w.conn(['render', '--agent', 'claude-code', '--secrets', 'inline'], { cwd: repo });
    expect(readFileSync(path, 'utf8')).toContain('"Authorization": "Basic Y2FuYXJ5LWJhc2ljOnZhbHVl"');
  });

  it('--rewrite leaves a tracked file\'s entries in place when the render would put secrets into it', async () => {
    const repo = w.gitRepo('tracked');
    const path = place(repo, 'kiro-mcp.json', '.kiro/settings/mcp.json');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'kiro');
    const before = readFileSync(path, 'utf8');
    const r = await ok(['import', '.kiro/settings/mcp.json', '--yes', '--rewrite'], { cwd: repo });
    expect(r.stderr).toMatch(/entries left in place: it is tracked by git.*conn render --agent kiro --secrets env --force/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(keychainItems(w.service)).toEqual({ 'github-tools/GITHUB_TOKEN': 'gho_canaryKiroToken0123456789' });

    // The hinted render replaces them in place with references.
    await ok(['render', '--agent', 'kiro', '--secrets', 'env', '--force'], { cwd: repo });
    const servers = json(path).mcpServers;
    expect(servers['github-tools'].env).toEqual({ GITHUB_TOKEN: '${CONN_GITHUB_TOOLS_GITHUB_TOKEN}' });
    noCanaryIn(readFileSync(path, 'utf8'));
  });
});

describe('agents and their settings', () => {
  it('Kiro: autoApprove and disabledTools come back, a disabled entry stays; the token goes to the keychain; the hint names kiro', async () => {
    const repo = w.gitRepo('kiro');
    const path = place(repo, 'kiro-mcp.json', '.kiro/settings/mcp.json');
    const original = json(path).mcpServers;
    const r = await ok(['import', '--from', 'kiro', '--yes', '--rewrite'], { cwd: repo });
    expect(r.stdout).toMatch(/conn render --agent kiro/);
    expect(keychainItems(w.service)).toEqual({ 'github-tools/GITHUB_TOKEN': 'gho_canaryKiroToken0123456789' });
    noCanaryIn(catalogText());
    await ok(['render', '--agent', 'kiro'], { cwd: repo });
    const servers = json(path).mcpServers;
    expect(servers.fetch).toMatchObject({ command: 'uvx', args: ['mcp-server-fetch'], autoApprove: ['fetch'] });
    expect(servers['github-tools']).toMatchObject({
      args: original['github-tools'].args,
      env: { GITHUB_TOKEN: 'gho_canaryKiroToken0123456789' },
      autoApprove: ['list_repos', 'get_issue'],
      disabledTools: ['delete_repo'],
    });
    // A disabled entry comes back disabled (written by render; an empty autoApprove is no setting);
    // the connection stays enabled: the switch is the entry's, not `conn disable`.
    const { autoApprove: _empty, ...awsDocs } = original['aws-docs'];
    expect(servers['aws-docs']).toEqual(awsDocs);
    const list = JSON.parse((await ok(['list', '--json'])).stdout) as { name: string; enabled: boolean }[];
    expect(list.find((c) => c.name === 'aws-docs')).toMatchObject({ enabled: true });
  });

  it('VS Code: ${input:id} becomes a secret to provide, prompt mode writes the same input back; envFile, cwd, sse and X-MCP-Toolsets kept', async () => {
    const repo = w.gitRepo('vsc');
    const path = place(repo, 'vscode-inputs.json', '.vscode/mcp.json');
    const r = await ok(['import', '.vscode/mcp.json', '--yes', '--rewrite', '--json'], { cwd: repo });
    const out = JSON.parse(r.stdout);
    expect(out.missingSecrets).toEqual([{ connection: 'github-2', field: 'token' }]);
    expect(out.items.find((i: { entry: string }) => i.entry === 'github')).toMatchObject({ key: 'github', secrets: { token: { store: 'missing' } } });
    await ok(['render', '--agent', 'vscode', '--secrets', 'prompt'], { cwd: repo });
    const file = json(path);
    expect(file.servers.github).toEqual({
      type: 'http',
      url: 'https://api.githubcopilot.com/mcp/',
      headers: { Authorization: 'Bearer ${input:github_mcp_pat}', 'X-MCP-Toolsets': 'repos,issues,pull_requests' },
    });
    expect(file.inputs.map((i: { id: string }) => i.id)).toEqual(['github_mcp_pat']);
    expect(file.servers['py-tools']).toMatchObject({ type: 'stdio', command: 'uv', envFile: '${workspaceFolder}/.env', cwd: '${workspaceFolder}/tools' });
    expect(file.servers.events).toEqual({ type: 'sse', url: 'http://localhost:8931/sse' });
  });

  it('Gemini: SSE url stays SSE, timeout, cwd and excludeTools come back; trust is named as not kept', async () => {
    const repo = w.gitRepo('gem');
    const path = place(repo, 'gemini-settings.json', '.gemini/settings.json');
    const plan = await ok(['import', '.gemini/settings.json', '--dry-run'], { cwd: repo });
    expect(plan.stdout).toMatch(/trust is not kept/);
    await ok(['import', '.gemini/settings.json', '--yes', '--rewrite'], { cwd: repo });
    await ok(['render', '--agent', 'gemini', '--secrets', 'env'], { cwd: repo });
    const file = json(path);
    expect(file.theme).toBe('GitHub');
    expect(file.mcpServers['legacy-events']).toEqual({ type: 'sse', url: 'http://localhost:8080/sse', timeout: 30000 });
    expect(file.mcpServers.docs).toEqual({ type: 'http', url: 'https://docs.example.com/mcp', headers: { Authorization: 'Bearer ${DOCS_TOKEN}' } });
    expect(file.mcpServers.py).toMatchObject({ command: 'python', cwd: './server', timeout: 600000, excludeTools: ['dangerous_tool'] });
  });

  it('opencode: the key keeps its tools rule matching; oauth and timeout come back; a ctx7sk- header goes to the keychain', async () => {
    const repo = w.gitRepo('oc');
    const path = place(repo, 'opencode.json', 'opencode.json');
    await ok(['import', 'opencode.json', '--yes', '--rewrite'], { cwd: repo });
    expect(Object.values(keychainItems(w.service))).toEqual(['ctx7sk-canary0123456789abcdef']);
    noCanaryIn(catalogText());
    await ok(['render', '--agent', 'opencode', '--secrets', 'env'], { cwd: repo });
    const file = json(path);
    expect(file.tools).toEqual({ 'chrome-devtools_*': false });
    expect(Object.keys(file.mcp).sort()).toEqual(['chrome-devtools', 'context7', 'sentry-remote']);
    expect(file.mcp['sentry-remote']).toEqual({ type: 'remote', url: 'https://mcp.example.dev/mcp', headers: { 'X-Api-Key': '{env:EXAMPLE_API_KEY}' }, timeout: 10000, oauth: false });
    noCanaryIn(readFileSync(path, 'utf8'));
  });

  it('Codex: cwd, tool_timeout_sec, disabled_tools, env_vars and bearer_token_env_var come back as they were', async () => {
    const repo = w.gitRepo('cx');
    const path = place(repo, 'codex-config.toml', '.codex/config.toml');
    await ok(['import', '.codex/config.toml', '--yes', '--rewrite'], { cwd: repo });
    await ok(['render', '--agent', 'codex', '--secrets', 'env'], { cwd: repo });
    const file = parseToml(readFileSync(path, 'utf8')) as Record<string, any>;
    expect(file.model).toBe('o3');
    expect(file.mcp_servers.docs).toMatchObject({ command: 'npx', cwd: '/srv/docs', tool_timeout_sec: 45, disabled_tools: ['delete_page'], env_vars: ['DOCS_API_KEY'] });
    expect(file.mcp_servers.remote_api).toMatchObject({ url: 'https://api.example.com/mcp', bearer_token_env_var: 'REMOTE_API_TOKEN' });
  });

  it('Roo and Claude Desktop files are known by name: alwaysAllow and timeout kept, placeholders are no secrets, a URL password is found', async () => {
    const repo = w.gitRepo('roo');
    place(repo, 'roo-mcp.json', '.roo/mcp.json');
    place(repo, 'claude_desktop_config.json', 'claude_desktop_config.json');
    const plan = JSON.parse((await ok(['import', '.roo/mcp.json', 'claude_desktop_config.json', '--dry-run', '--json'], { cwd: repo })).stdout);
    const roo = plan.items.find((i: { entry: string }) => i.entry === 'filesystem-tools');
    expect(roo).toMatchObject({
      agent: 'roo',
      settings: { autoApprove: ['read_file', 'list_directory'], timeout: 60000 },
      fields: { 'env.API_KEY': 'YOUR_API_KEY_HERE', 'env.OTHER_KEY': '<APILLON_API_KEY>' },
      secrets: { ADMIN_PASS: { store: 'keychain', reason: 'name contains PASS' } },
    });
    // Cline/Roo defaults (`"alwaysAllow": []`) keep nothing and say nothing; placeholders stay plain values.
    const graph = plan.items.find((i: { entry: string }) => i.entry === 'code-graph');
    expect(graph).toMatchObject({ settings: { timeout: 300000 }, fields: { 'env.NEO4J_PASSWORD': 'YOUR_NEO4J_PASSWORD' }, secrets: {} });
    expect(graph.notes).toEqual(['timeout is kept, but written back only for gemini, opencode, codex']);
    expect(plan.items.find((i: { entry: string }) => i.entry === 'postgres')).toMatchObject({ agent: 'claude-desktop', skipped: expect.stringMatching(/password inside the URL/) });

    const scan = await w.conn(['scan', '--json'], { cwd: repo });
    noCanaryIn(scan.stdout, scan.stderr);
    const findings = JSON.parse(scan.stdout).findings as { file: string; key: string }[];
    expect(findings.map((f) => `${f.file} ${f.key}`).sort()).toEqual(['.roo/mcp.json ADMIN_PASS', 'claude_desktop_config.json arg 3']);
  });

  it('scan finds a committed Kiro token and a JWT, and not counts, placeholders or references', async () => {
    const repo = w.gitRepo('scan');
    place(repo, 'kiro-mcp.json', '.kiro/settings/mcp.json');
    place(repo, 'references.mcp.json', '.mcp.json');
    place(repo, 'committed-no-secrets.mcp.json', 'mcp.json');
    const r = await w.conn(['scan', '--json'], { cwd: repo });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as { file: string; server: string; reason: string }[];
    expect(findings.map((f) => `${f.file} ${f.server}: ${f.reason}`).sort()).toEqual([
      '.kiro/settings/mcp.json github-tools: GitHub OAuth token (gho_…)',
      '.mcp.json supabase-admin: JSON Web Token (eyJ…)',
    ]);
  });

  it('says plainly why an odd entry is skipped', async () => {
    const repo = w.gitRepo('odd');
    place(repo, 'odd-entries.mcp.json', '.mcp.json');
    place(repo, 'disable-only.toml', '.codex/config.toml');
    const plan = JSON.parse((await ok(['import', '.mcp.json', '.codex/config.toml', '--dry-run', '--json'], { cwd: repo })).stdout);
    const skipped = Object.fromEntries(plan.items.map((i: { entry: string; skipped: string }) => [i.entry, i.skipped]));
    expect(skipped['remote-input']).toMatch(/^the URL holds a reference \(\$\{input:host\}\)/);
    expect(skipped['bad-env']).toBe('"" is not a valid environment variable name');
    expect(skipped.github).toBe('no server to import: the entry only switches a server off');
  });
});
