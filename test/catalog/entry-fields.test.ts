// The optional connection fields conn import fills (key, transport, settings): old catalogs keep
// loading on every path, new ones load on the fast path too, and --key works as the help says.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const conn = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  preset: 'custom',
  kind: 'stdio',
  enabled: true,
  fields: {},
  secrets: [],
  command: ['node', 'server.js'],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  health: { status: 'unknown' },
  ...extra,
});

function writeCatalog(connections: Record<string, unknown>): void {
  mkdirSync(w.home, { recursive: true });
  writeFileSync(join(w.home, 'config.json'), JSON.stringify({ version: 1, connections, assignments: [] }, null, 2));
}

async function ok(args: string[], cwd?: string) {
  const r = await w.conn(args, { cwd });
  expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

const servers = (repo: string) => JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers;

describe('connection key, transport and settings', () => {
  it('loads an old-shape catalog (no key, transport or settings) on the fast and the full path, and renders under the name', async () => {
    writeCatalog({ tools: conn('tools') });
    expect(JSON.parse((await ok(['list', '--json'])).stdout).map((c: { name: string }) => c.name)).toEqual(['tools']);
    const shown = JSON.parse((await ok(['show', 'tools', '--json'])).stdout);
    expect(shown).not.toHaveProperty('key');
    const repo = w.gitRepo('r');
    await ok(['render', '--agent', 'claude-code'], repo);
    expect(Object.keys(servers(repo))).toEqual(['tools']);
  });

  it('loads the new fields on the fast path and writes the key and settings', async () => {
    writeCatalog({
      xcode: conn('xcode', { key: 'XcodeBuildMCP', settings: { cwd: '/srv/x', disabledTools: ['rm'] } }),
      events: { ...conn('events', { transport: 'sse' }), preset: 'remote', kind: 'remote', command: undefined, fields: { url: 'http://127.0.0.1:9/sse' } },
    });
    expect(JSON.parse((await ok(['list', '--json'])).stdout).map((c: { name: string }) => c.name)).toEqual(['events', 'xcode']);
    expect((await ok(['show', 'xcode'])).stdout).toMatch(/key:\s+XcodeBuildMCP/);
    const repo = w.gitRepo('r');
    await ok(['render', '--agent', 'claude-code'], repo);
    expect(servers(repo)).toEqual({
      XcodeBuildMCP: { type: 'stdio', command: 'node', args: ['server.js'], cwd: '/srv/x' },
      events: { type: 'sse', url: 'http://127.0.0.1:9/sse' },
    });
    // The user's disabled tool is denied like conn's own: Claude Code's rule names the key.
    const settings = JSON.parse(readFileSync(join(repo, '.claude/settings.local.json'), 'utf8'));
    expect(settings.permissions.deny).toEqual(['mcp__XcodeBuildMCP__rm']);
  });

  it('add --key as the help shows, edit --key "" back to the name; two connections with one key refuse to render', async () => {
    await ok(['add', 'custom', '--name', 'xcode', '--key', 'XcodeBuildMCP', '--', 'npx', '-y', 'xcodebuildmcp@latest']);
    const repo = w.gitRepo('r');
    await ok(['render', '--agent', 'claude-code'], repo);
    expect(Object.keys(servers(repo))).toEqual(['XcodeBuildMCP']);

    await ok(['add', 'custom', '--name', 'other', '--key', 'XcodeBuildMCP', '--', 'node', 'o.js']);
    const clash = await w.conn(['render', '--agent', 'claude-code'], { cwd: repo });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/connections other and xcode would both write the entry XcodeBuildMCP.*conn edit xcode --key/);

    await ok(['edit', 'xcode', '--key', '']);
    await ok(['render', '--agent', 'claude-code'], repo);
    expect(Object.keys(servers(repo)).sort()).toEqual(['XcodeBuildMCP', 'xcode']);
    const bad = await w.conn(['edit', 'xcode', '--key', 'a\u0007b']);
    expect(bad.code).toBe(2);
  });

  it('render --dry-run names the entries that are not conn\'s, printed unmasked, in its header', async () => {
    writeCatalog({ tools: conn('tools') });
    const repo = w.gitRepo('r');
    writeFileSync(join(repo, '.mcp.json'), JSON.stringify({ mcpServers: { mine: { command: 'node', args: ['m.js'] } } }));
    const r = await ok(['render', '--agent', 'claude-code', '--dry-run'], repo);
    expect(r.stderr).toMatch(/secrets masked \(mine: not conn's, shown as the file has them, unmasked\), nothing written/);
  });
});
