// Continue loads `.continue/mcpServers/*.yaml` as blocks of exactly one server each, so conn writes a
// block per connection (conn-NAME.yaml), removes it with the connection, keeps the user's own blocks,
// moves its entries out of the single conn.yaml an older conn wrote, and guards each block from git.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writeState } from '../../../src/render/state.js';
import { inputsText } from '../../../src/render/stamp.js';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addApi, addCustom, addNotion, API_TOKEN, NOTION_TOKEN, ok, render } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const DIR = '.continue/mcpServers';
type Block = { name: string; version: string; schema: string; mcpServers: Record<string, unknown>[] };
const block = (repo: string, file: string): Block => parse(readFileSync(join(repo, DIR, file), 'utf8')) as Block;
const files = (repo: string): string[] => (existsSync(join(repo, DIR)) ? readdirSync(join(repo, DIR)).filter((n) => !n.startsWith('.')).sort() : []);

describe('conn render --agent continue: one block per server', () => {
  it('writes each connection as a block of its own, each a valid one-server block with its secret, private and excluded from git', async () => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    await addApi(w);
    const r = await render(w, repo, ['--agent', 'continue']);
    expect(r.stdout).toContain(`wrote ${DIR}`);
    expect(files(repo)).toEqual(['conn-api.yaml', 'conn-notion.yaml']);
    for (const [file, name] of [['conn-api.yaml', 'api'], ['conn-notion.yaml', 'notion']]) {
      const b = block(repo, file!);
      expect(b).toMatchObject({ name: `conn ${name}`, version: '0.0.1', schema: 'v1' });
      expect(b.mcpServers.map((s) => s.name)).toEqual([name]);
      expect(statSync(join(repo, DIR, file!)).mode & 0o777).toBe(0o600);
    }
    expect(block(repo, 'conn-notion.yaml').mcpServers[0]).toMatchObject({ command: 'npx', env: { NOTION_TOKEN } });
    expect(block(repo, 'conn-api.yaml').mcpServers[0]).toMatchObject({ type: 'streamable-http', requestOptions: { headers: { Authorization: `Bearer ${API_TOKEN}` } } });
    const exclude = readFileSync(join(repo, '.git/info/exclude'), 'utf8');
    expect(exclude).toContain(`/${DIR}/conn-api.yaml\n`);
    expect(exclude).toContain(`/${DIR}/conn-notion.yaml\n`);
    expect(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo, encoding: 'utf8' })).not.toContain('.continue');

    // Nothing changed: the hook's fast path answers without a render; an edited block is put back.
    expect((await render(w, repo, ['--agent', 'continue'])).stdout).toBe('unchanged\n');
    writeFileSync(join(repo, DIR, 'conn-api.yaml'), 'name: broken by hand\n');
    await render(w, repo, ['--agent', 'continue']);
    expect(block(repo, 'conn-api.yaml').mcpServers.map((s) => s.name)).toEqual(['api']);
  });

  it("removes a connection's block with the connection, and leaves the user's own blocks alone", async () => {
    const repo = w.gitRepo('api');
    mkdirSync(join(repo, DIR), { recursive: true });
    const mine = 'name: My sqlite\nversion: 0.0.1\nschema: v1\nmcpServers:\n  # mine\n  - name: sqlite\n    command: mcp-sqlite\n';
    writeFileSync(join(repo, DIR, 'sqlite.yaml'), mine);
    await addCustom(w, 'mem');
    await addCustom(w, 'other');
    await render(w, repo, ['--agent', 'continue', '--secrets', 'env']);
    expect(files(repo)).toEqual(['conn-mem.yaml', 'conn-other.yaml', 'sqlite.yaml']);

    await ok(w, ['remove', 'other', '--yes']);
    const r = await ok(w, ['render', '--repo', repo, '--agent', 'continue', '--json']);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ file: DIR, status: 'written', removed: ['other'] });
    expect(files(repo)).toEqual(['conn-mem.yaml', 'sqlite.yaml']);
    expect(readFileSync(join(repo, DIR, 'sqlite.yaml'), 'utf8')).toBe(mine);
  });

  it('never deletes a block through a symlinked .continue/ (exit 1, the file it leads to kept)', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    await addCustom(w, 'other');
    await render(w, repo, ['--agent', 'continue', '--secrets', 'env']);
    const elsewhere = join(w.tmp, 'elsewhere');
    renameSync(join(repo, '.continue'), elsewhere);
    symlinkSync(elsewhere, join(repo, '.continue'));
    await ok(w, ['remove', 'other', '--yes']);
    const r = await render(w, repo, ['--agent', 'continue', '--secrets', 'env'], 1);
    expect(r.stderr).toContain('.continue is a symlink');
    expect(readdirSync(join(elsewhere, 'mcpServers')).sort()).toEqual(['conn-mem.yaml', 'conn-other.yaml']);
  });

  it("refuses to take over a server name the user's own block has (exit 1, nothing written); --force writes conn's block and says both load", async () => {
    const repo = w.gitRepo('api');
    mkdirSync(join(repo, DIR), { recursive: true });
    writeFileSync(join(repo, DIR, 'team.yaml'), 'name: Team\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: mem\n    command: team-mem\n');
    await addCustom(w, 'mem');
    const r = await render(w, repo, ['--agent', 'continue'], 1);
    expect(r.stderr).toContain(`${DIR}/team.yaml already has its own entry named mem, not written by conn`);
    expect(files(repo)).toEqual(['team.yaml']);

    const forced = await render(w, repo, ['--agent', 'continue', '--force']);
    expect(forced.stderr).toContain(`${DIR}/team.yaml also has a server named mem, not written by conn; continue loads both`);
    expect(files(repo)).toEqual(['conn-mem.yaml', 'team.yaml']);
    expect(readFileSync(join(repo, DIR, 'team.yaml'), 'utf8')).toContain('command: team-mem');
  });

  it('moves its entries out of the conn.yaml an older conn wrote, keeping what the user added there', async () => {
    const repo = w.gitRepo('api');
    await addCustom(w, 'mem');
    mkdirSync(join(repo, DIR), { recursive: true });
    const legacy = join(repo, DIR, 'conn.yaml');
    writeFileSync(legacy, 'name: conn\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: mem\n    command: old\n  - name: gone\n    command: old\n');
    const old = (extra: string) => ({
      version: 2 as const, root: repo, agent: 'continue' as const, file: `${DIR}/conn.yaml`, secrets: 'inline' as const, entries: ['mem', 'gone'], denyRules: [],
      inputs: inputsText({ home: w.env.CONN_HOME!, root: repo, agent: 'continue', secrets: 'inline' }) + extra,
      catalog: { hash: null, stat: null, at: 0 }, output: { hash: null, stat: null, at: 0 }, side: null, volatile: false, renderedAt: new Date().toISOString(),
    });
    writeState(w.env.CONN_HOME!, old(''));
    await render(w, repo, ['--agent', 'continue']);
    expect(files(repo)).toEqual(['conn-mem.yaml']);

    // The same, with an item of the user's in the old file: it stays there, conn's leave.
    writeFileSync(legacy, 'name: conn\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: mem\n    command: old\n  - name: theirs\n    command: kept\n');
    writeState(w.env.CONN_HOME!, old(' '));
    await render(w, repo, ['--agent', 'continue']);
    expect(files(repo)).toEqual(['conn-mem.yaml', 'conn.yaml']);
    expect((parse(readFileSync(legacy, 'utf8')) as Block).mcpServers).toEqual([{ name: 'theirs', command: 'kept' }]);
  });

  it('shows every block in a dry run, secrets masked, and writes nothing', async () => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    await addCustom(w, 'mem');
    const r = await ok(w, ['render', '--repo', repo, '--agent', 'continue', '--dry-run']);
    expect(r.stdout).toContain(`# ${DIR}/conn-mem.yaml\n`);
    expect(r.stdout).toContain(`---\n# ${DIR}/conn-notion.yaml\n`);
    expect(r.stdout).not.toContain(NOTION_TOKEN);
    expect(files(repo)).toEqual([]);
  });

  it('import reads every block in the folder; --rewrite empties a block of the user into conn, deleting it', async () => {
    const repo = w.gitRepo('api');
    mkdirSync(join(repo, DIR), { recursive: true });
    writeFileSync(join(repo, DIR, 'mem.yaml'), `name: Mem\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: mem\n    command: node\n    args:\n      - ${join(w.tmp, 'mem.js')}\n`);
    writeFileSync(join(repo, DIR, 'notes.yml'), 'name: Notes\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: notes\n    command: notes-mcp\n');
    const plan = JSON.parse((await ok(w, ['import', '--dry-run', '--json'], { cwd: repo })).stdout) as { items: { name: string; file: string }[] };
    expect(plan.items.map((i) => [i.name, i.file]).sort()).toEqual([['mem', `${DIR}/mem.yaml`], ['notes', `${DIR}/notes.yml`]]);

    await ok(w, ['import', '--yes', '--rewrite', '--from', 'continue'], { cwd: repo });
    await render(w, repo, ['--agent', 'continue']);
    expect(files(repo)).toEqual(['conn-mem.yaml', 'conn-notes.yaml']);
  });
});
