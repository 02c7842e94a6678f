import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const FIXTURES = join(ROOT, 'test/fixtures/import');
const CANARIES = ['ntn_canary0notion1234567', 'canary-billing-value', 'canary-docs-bearer', 'sntryu_canary0sentry12345', 'canary-brave-key-value'];

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

function place(repo: string, fixture: string, rel: string): string {
  const path = join(repo, rel);
  mkdirSync(dirname(path), { recursive: true });
  copyFileSync(join(FIXTURES, fixture), path);
  return path;
}

function noCanaryIn(...texts: string[]): void {
  for (const text of texts) for (const c of CANARIES) expect(text).not.toContain(c);
}

describe('conn import from agent config files', () => {
  it('plans a Claude Code file: preset by package, custom with split env, remote with the bearer token; values never shown', async () => {
    const repo = w.gitRepo('api');
    place(repo, 'claude-mcp.json', '.mcp.json');
    const r = await w.conn(['import', '--dry-run', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    const byName = Object.fromEntries(plan.items.map((i: { name: string }) => [i.name, i]));
    expect(byName.notion).toMatchObject({ preset: 'notion', match: 'package @notionhq/notion-mcp-server', secrets: { NOTION_TOKEN: { store: 'keychain' } } });
    expect(byName.billing).toMatchObject({
      preset: 'custom',
      command: ['node', './billing-server.js', '--stdio'],
      fields: { 'env.LOG_LEVEL': 'debug' },
      secrets: { BILLING_API_KEY: { store: 'keychain', reason: 'name contains KEY' }, DB_PASSWORD: { ref: 'env:DB_PASSWORD' } },
    });
    expect(byName.docs).toMatchObject({ preset: 'remote', fields: { url: 'https://mcp.example.com/mcp' }, secrets: { token: { store: 'keychain', reason: 'Authorization header' } } });
    noCanaryIn(r.stdout, r.stderr);
    // A dry run writes nothing.
    expect(JSON.parse((await w.conn(['list', '--json'])).stdout)).toEqual([]);
    expect(keychainItems(w.service)).toEqual({});

    const human = await w.conn(['import', '--dry-run'], { cwd: repo });
    expect(human.stdout).toMatch(/notion → notion\s+\[preset notion, matched by package @notionhq\/notion-mcp-server\]/);
    expect(human.stdout).toMatch(/BILLING_API_KEY: secret → keychain \(name contains KEY\)/);
    noCanaryIn(human.stdout);
  });

  it('refuses with exit 2 and the list when there is no terminal and no --yes', async () => {
    const repo = w.gitRepo('api');
    place(repo, 'claude-mcp.json', '.mcp.json');
    const r = await w.conn(['import'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would import 3 server\(s\): notion \(notion\) from \.mcp\.json, billing \(custom\)/);
    expect(r.stderr).toMatch(/--yes/);
    noCanaryIn(r.stderr, r.stdout);
    expect(keychainItems(w.service)).toEqual({});
  });

  it('imports with --yes: secrets in the keychain, references kept, nothing secret in the catalog', async () => {
    const repo = w.gitRepo('api');
    place(repo, 'claude-mcp.json', '.mcp.json');
    const r = await w.conn(['import', '--yes'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Imported 3: notion, billing, docs/);
    expect(keychainItems(w.service)).toEqual({
      'notion/NOTION_TOKEN': 'ntn_canary0notion1234567',
      'billing/BILLING_API_KEY': 'canary-billing-value',
      'docs/token': 'canary-docs-bearer',
    });
    const config = readFileSync(join(w.home, 'config.json'), 'utf8');
    noCanaryIn(config, r.stdout, r.stderr);
    const billing = JSON.parse((await w.conn(['show', 'billing', '--json'])).stdout);
    expect(billing.secrets).toEqual({ BILLING_API_KEY: '(keychain)', DB_PASSWORD: '(reference env)' });
    // The source file is left alone without --rewrite.
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'claude-mcp.json'), 'utf8'));

    // Rendered into another repo, the imported connections give the agent the same servers and values.
    const other = w.gitRepo('other');
    const render = await w.conn(['render'], { cwd: other, env: { DB_PASSWORD: 'from-env' } });
    expect(render.code, render.stderr).toBe(0);
    const servers = JSON.parse(readFileSync(join(other, '.mcp.json'), 'utf8')).mcpServers;
    const original = JSON.parse(readFileSync(join(FIXTURES, 'claude-mcp.json'), 'utf8')).mcpServers;
    expect(servers.notion).toMatchObject({ command: 'npx', args: original.notion.args, env: original.notion.env });
    expect(servers.billing).toMatchObject({ command: 'node', args: original.billing.args, env: { ...original.billing.env, DB_PASSWORD: 'from-env' } });
    expect(servers.docs).toMatchObject({ type: 'http', url: original.docs.url, headers: original.docs.headers });

    // Rendering into the source repo itself is a conflict until --rewrite hands the entries over.
    const conflict = await w.conn(['render'], { cwd: repo, env: { DB_PASSWORD: 'from-env' } });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/own entries named billing, docs, notion/);
  });

  it('gives a colliding name a numeric suffix', async () => {
    const repo = w.gitRepo('api');
    place(repo, 'claude-mcp.json', '.mcp.json');
    expect((await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'ntn_mine12345678' })).code).toBe(0);
    const r = await w.conn(['import', '--yes', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).imported).toEqual(['notion-2', 'billing', 'docs']);
    expect(keychainItems(w.service)['notion/NOTION_TOKEN']).toBe('ntn_mine12345678');
    expect(keychainItems(w.service)['notion-2/NOTION_TOKEN']).toBe('ntn_canary0notion1234567');
    // The file's key is taken by the existing notion: the import does not give it to a second entry.
    const item = JSON.parse(r.stdout).items.find((i: { name: string }) => i.name === 'notion-2');
    expect(item.key).toBeUndefined();
    expect(item.notes).toContain('key notion is taken by another connection: agents will see this one as notion-2');
    const render = await w.conn(['render', '--agent', 'cursor', '--secrets', 'env'], { cwd: w.gitRepo('other') });
    expect(render.code, render.stderr).toBe(0);
  });

  it('--rewrite refuses to write through a symlinked .cursor/ folder, leaving the file it points to untouched', async () => {
    const repo = w.gitRepo('api');
    const elsewhere = join(w.tmp, 'elsewhere');
    const target = place(elsewhere, 'cursor-mcp.jsonc', 'mcp.json');
    const before = readFileSync(target, 'utf8');
    symlinkSync(elsewhere, join(repo, '.cursor'));
    const r = await w.conn(['import', '--yes', '--rewrite', '--from', 'cursor', '--json'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.cursor\/mcp\.json left as it is: .*\.cursor is a symlink/);
    expect(JSON.parse(r.stdout).rewritten).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe(before);
  });

  it('--rewrite removes only the imported entries from a JSONC project file, every other byte kept', async () => {
    const repo = w.gitRepo('api');
    const path = place(repo, 'cursor-mcp.jsonc', '.cursor/mcp.json');
    const r = await w.conn(['import', '--yes', '--rewrite', '--from', 'cursor', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.imported).toEqual(['linear', 'local-tools']);
    expect(out.rewritten).toEqual(['.cursor/mcp.json']);
    const linear = out.items.find((i: { name: string }) => i.name === 'linear');
    // A URL of the linear preset, the header a ${env:VAR} reference → the preset's field as env:VAR.
    expect(linear).toMatchObject({ preset: 'linear', secrets: { LINEAR_API_KEY: { ref: 'env:LINEAR_API_KEY' } } });
    expect(readFileSync(path, 'utf8')).toBe(`{
  // Cursor keeps comments in this file
  "mcpServers": {
    /* a server of the user's own */
  },
}
`);
    const human = await w.conn(['show', 'linear']);
    expect(human.stdout).toMatch(/LINEAR_API_KEY: +\(reference env\)/);

    // After the rewrite, render writes them back as conn-managed entries next to the comments.
    const render = await w.conn(['render', '--agent', 'cursor', '--secrets', 'env'], { cwd: repo });
    expect(render.code, render.stderr).toBe(0);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('// Cursor keeps comments in this file');
    expect(text).toContain('"linear"');
    expect(text).toContain('"local-tools"');
  });

  it('reads Codex TOML (env secrets, bearer_token_env_var) and rewrites keeping the other tables', async () => {
    const repo = w.gitRepo('api');
    const path = place(repo, 'codex-config.toml', '.codex/config.toml');
    const r = await w.conn(['import', '--yes', '--rewrite', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.items.map((i: { name: string; preset: string }) => [i.name, i.preset])).toEqual([['sentry', 'sentry'], ['search', 'remote']]);
    expect(out.items[1].secrets).toEqual({ token: { ref: 'env:SEARCH_TOKEN', reason: 'already a reference (${SEARCH_TOKEN})' } });
    expect(keychainItems(w.service)).toEqual({ 'sentry/SENTRY_ACCESS_TOKEN': 'sntryu_canary0sentry12345' });
    const after = readFileSync(path, 'utf8');
    expect(after).toContain('# Codex settings\nmodel = "o4"\n');
    expect(after).toContain('[projects."/tmp/x"]\ntrust_level = "trusted"');
    expect(after).not.toContain('mcp_servers');
    noCanaryIn(after);
  });

  it('finds user files under $HOME with no FILE, reads opencode {env:VAR}, keeps disabled entries disabled, and never rewrites a user file', async () => {
    const repo = w.gitRepo('api');
    const userFile = join(w.env.HOME!, '.config/opencode/opencode.jsonc');
    mkdirSync(dirname(userFile), { recursive: true });
    copyFileSync(join(FIXTURES, 'opencode.jsonc'), userFile);
    const before = readFileSync(userFile, 'utf8');
    const r = await w.conn(['import', '--yes', '--rewrite', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.items.map((i: { file: string; scope: string }) => [i.file, i.scope])).toEqual([
      ['~/.config/opencode/opencode.jsonc', 'user'],
      ['~/.config/opencode/opencode.jsonc', 'user'],
    ]);
    expect(out.items[0]).toMatchObject({ name: 'stripe', preset: 'stripe', secrets: { STRIPE_SECRET_KEY: { ref: 'env:STRIPE_SECRET_KEY' } } });
    expect(out.items[1]).toMatchObject({ name: 'brave', preset: 'brave-search', enabled: true, settings: { disabled: true } });
    expect(r.stderr).toMatch(/user file: --rewrite changes project files only/);
    expect(readFileSync(userFile, 'utf8')).toBe(before);
    expect(keychainItems(w.service)).toEqual({ 'brave/BRAVE_API_KEY': 'canary-brave-key-value' });
  });

  it('skips an entry whose command line holds a secret, and a malformed named file is exit 1 untouched', async () => {
    const repo = w.gitRepo('api');
    writeFileSync(join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { pg: { command: 'npx', args: ['-y', 'pg-mcp', 'postgresql://me:canary-pg-pass@db/x'] } } }));
    const r = await w.conn(['import', '--dry-run'], { cwd: repo });
    expect(r.stdout).toMatch(/pg: skipped: argument 3 holds a secret \(password inside the URL\)/);
    expect(r.stdout).not.toContain('canary-pg-pass');

    const bad = join(repo, 'broken.json');
    writeFileSync(bad, '{"mcpServers": {');
    const b = await w.conn(['import', bad, '--from', 'claude-code', '--yes'], { cwd: repo });
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/cannot parse .*broken\.json/);
    expect(readFileSync(bad, 'utf8')).toBe('{"mcpServers": {');

    const unknown = await w.conn(['import', bad], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--from/);
  });
});
