// The no-change path of `conn render` (run by the shell hook on every cd): answers `unchanged` from
// a stamp, notices every change that matters, and loads none of the heavy modules.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, ROOT, runProcess, type World } from '../../helpers/world.js';
import { addCustom, addNotion, assign, claude, mcpJson, NOTION_TOKEN, ok, render, snapshot } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

/** Sets files' mtimes an hour back, as if they had been written long before this check. */
function age(...paths: string[]): void {
  const then = new Date(Date.now() - 3_600_000);
  for (const p of paths) utimesSync(p, then, then);
}

const RECORDER = join(ROOT, 'test/fixtures/render/record-loads.mjs');

describe('conn render: the no-change fast path', () => {
  it('prints unchanged after a render, and nothing at all with --quiet', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await render(w, repo);
    const before = snapshot(join(repo, '.mcp.json'));
    expect((await render(w, repo)).stdout).toBe('unchanged\n');
    const quiet = await render(w, repo, ['--quiet']);
    expect(quiet.stdout + quiet.stderr).toBe('');
    const json = await render(w, repo, ['--json']);
    // The README's shape, as a render that writes prints it.
    expect(JSON.parse(json.stdout)).toEqual([
      { agent: 'claude-code', file: '.mcp.json', status: 'unchanged', secrets: 'inline', entries: [{ name: 'mem', permission: 'full', deniedTools: [] }], removed: [], warnings: [], tools: { count: 0, unknown: ['mem'] }, skipped: [] },
    ]);
    expect(snapshot(join(repo, '.mcp.json'))).toEqual(before);
  });

  it('re-renders after conn edit and after conn assign', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await addCustom(w, 'other');
    await render(w, repo);

    await ok(w, ['edit', 'mem', '--set', 'env.LOG_LEVEL=debug']);
    expect((await render(w, repo)).stdout).toBe('wrote .mcp.json: mem (full), other (full)\n');
    expect(mcpJson(repo)).toEqual({ mcpServers: { mem: { ...claude.custom, env: { LOG_LEVEL: 'debug' } }, other: claude.custom } });
    expect((await render(w, repo)).stdout).toBe('unchanged\n');

    await assign(w, 'other', ['--repo', 'github.com/acme/web']);
    expect((await render(w, repo)).stdout).toBe('wrote .mcp.json: mem (full); removed other\n');
    expect(mcpJson(repo)).toEqual({ mcpServers: { mem: { ...claude.custom, env: { LOG_LEVEL: 'debug' } } } });
  });

  it("re-renders after .mcp.json was edited by hand, restoring conn's entries and keeping the user's", async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await addNotion(w);
    await render(w, repo);
    const path = join(repo, '.mcp.json');
    const edited = JSON.parse(readFileSync(path, 'utf8')) as { mcpServers: Record<string, unknown> };
    edited.mcpServers.mem = { type: 'stdio', command: 'node', args: ['tampered.js'] };
    delete edited.mcpServers.notion;
    edited.mcpServers.mine = { command: 'my-server' };
    writeFileSync(path, JSON.stringify(edited, null, 2));

    expect((await render(w, repo)).stdout).toBe('wrote .mcp.json: mem (full), notion (full)\n');
    expect(mcpJson(repo)).toEqual({ mcpServers: { mem: claude.custom, mine: { command: 'my-server' }, notion: claude.notion(NOTION_TOKEN) } });
    expect((await render(w, repo)).stdout).toBe('unchanged\n');
  });

  it('re-renders when the deny rules in .claude/settings.local.json were edited by hand', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await ok(w, ['test', 'mem']);
    await assign(w, 'mem', ['--permission', 'readwrite']);
    await render(w, repo);
    const side = join(repo, '.claude/settings.local.json');
    const rules = readFileSync(side, 'utf8');
    writeFileSync(side, '{ "permissions": { "deny": [] } }\n');
    expect((await render(w, repo)).stdout).toBe('wrote .mcp.json: mem (readwrite)\n');
    expect(JSON.parse(readFileSync(side, 'utf8'))).toEqual(JSON.parse(rules));
  });

  it('takes over render states written before 0.2 (sha256 folders) without disowning their entries', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await render(w, repo);
    // Turn today's state into the old layout: version 1, in a folder named by sha256 of the root.
    const renders = join(w.home, 'renders');
    const [folder] = readdirSync(renders).filter((n) => !n.endsWith('.json'));
    const state = JSON.parse(readFileSync(join(renders, folder!, 'claude-code.json'), 'utf8'));
    const old = { ...state, version: 1, stamp: 'x', output: state.output.hash, side: state.side.hash };
    const oldDir = join(renders, createHash('sha256').update(repo).digest('hex').slice(0, 24));
    mkdirSync(oldDir);
    writeFileSync(join(oldDir, 'claude-code.json'), JSON.stringify(old));
    rmSync(join(renders, folder!), { recursive: true });
    rmSync(join(renders, 'layout.json'));

    // The hook finds the old state, and conn still owns `mem`: a change to it is rendered, not refused.
    await ok(w, ['edit', 'mem', '--set', 'env.LOG_LEVEL=debug']);
    const r = await render(w, repo, ['--auto']);
    expect(r.stderr).toBe('api: updated .mcp.json\n');
    expect(existsSync(oldDir)).toBe(false);
    expect((await render(w, repo)).stdout).toBe('unchanged\n');
  });

  it('loads neither the MCP SDK, commander, zod nor @napi-rs/keyring on the unchanged path', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addCustom(w, 'mem');
    await addNotion(w);
    const loads = async (args: string[], name: string): Promise<string[]> => {
      const out = join(w.tmp, `${name}.loads`);
      const r = await runProcess(process.execPath, ['--import', RECORDER, CONN_BIN, ...args], {
        cwd: repo,
        env: { ...w.env, CONN_RECORD_LOADS: out },
      });
      expect(r.code, r.stderr).toBe(0);
      return existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
    };
    /** Which of the heavy dependencies a recorded run loaded, by the text of the bundle chunks it loaded. */
    const heavy = (lines: string[]): string[] => {
      const found = new Set<string>();
      for (const line of lines) {
        if (line === 'builtin:crypto' || line === 'builtin:child_process') found.add(line);
        // string-width / wrap-ansi set up: ~30 ms of Unicode tables (the CommonJS paths load them on first need).
        if (line === 'setup:Intl.Segmenter') found.add('string-width');
        if (line.startsWith('builtin:')) continue;
        const where = line.replace(/^(esm|cjs):/, '');
        if (where.includes('@napi-rs/keyring')) found.add('keyring');
        if (where.includes('/node_modules/')) found.add(`node_modules: ${where}`);
        if (!where.includes('/dist/')) continue;
        const text = readFileSync(where.startsWith('file://') ? fileURLToPath(where) : where, 'utf8');
        if (text.includes('LATEST_PROTOCOL_VERSION') || text.includes('StdioClientTransport')) found.add('sdk');
        if (text.includes('CommanderError')) found.add('commander');
        if (text.includes('ZodError')) found.add('zod');
      }
      return [...found].sort();
    };

    // The markers are real: a full render, a catalog change and conn test load what the fast path must not.
    const fullLoads = await loads(['render'], 'full');
    const full = heavy(fullLoads);
    expect(full).toContain('keyring');
    expect(full).toContain('builtin:crypto');
    // A plain render that finds a change runs from dist/render.cjs: no commander, no ES module chunks.
    expect(fullLoads.filter((l) => l.includes('/dist/')).map((l) => l.replace(/^.*\/dist\//, ''))).toEqual(['fast.cjs', 'render.cjs']);
    expect(heavy(await loads(['enable', 'mem'], 'update'))).toEqual(expect.arrayContaining(['commander', 'zod']));
    expect(heavy(await loads(['test', 'mem'], 'probe'))).toEqual(expect.arrayContaining(['sdk', 'builtin:child_process']));
    await ok(w, ['render', '--repo', repo]);

    // Just written, the files are too fresh to trust by stat: the first check reads them (crypto)…
    const first = await loads(['render'], 'fresh');
    expect(first.filter((l) => l.includes('/dist/')).length).toBeGreaterThan(0);
    expect(heavy(first).filter((h) => h !== 'builtin:crypto')).toEqual([]);
    // …and once they are old (as on the next `cd`), stats alone answer: no crypto either.
    age(join(w.home, 'config.json'), join(repo, '.mcp.json'));
    await loads(['render'], 'confirm');
    const fast = await loads(['render'], 'fast');
    // The recorder did see conn's own bundle (an empty record would prove nothing).
    expect(fast.filter((l) => l.includes('/dist/')).length).toBeGreaterThan(0);
    expect(heavy(fast)).toEqual([]);
    // The hook's own invocation too.
    expect(heavy(await loads(['render', '--auto', '--quiet'], 'auto'))).toEqual([]);
    // conn list is answered without commander or the ES module bundle, and (all ASCII) without
    // string-width's set-up, which a table of the full CLI does run.
    expect(heavy(await loads(['presets'], 'presets'))).toContain('string-width');
    const list = await loads(['list'], 'list');
    expect(heavy(list)).toEqual([]);
    expect(list.filter((l) => l.includes('/dist/'))).toEqual([expect.stringMatching(/dist\/list\.cjs$/)]);
  });
});
