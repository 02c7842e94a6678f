// conn runs on Node 20 (these machines) and must keep working on 22 and 24. .ci/run installs those
// Node versions (npm packages node@22 / node@24) into $CONN_EXTRA_NODES_DIR (default
// ~/.cache/conn-nodes/<major>); each is then run over the paths that differ by Node version: the
// CommonJS launcher and fast bundle, the render bundle with the keychain binding, the ES module CLI
// (compile cache on 22+), and the MCP SDK. A version not installed is skipped, saying so.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, ROOT, runProcess, type World } from '../helpers/world.js';

const MEM_SERVER = join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
const TOKEN = 'tok_compat_canary_77a1';
const dir = process.env.CONN_EXTRA_NODES_DIR ?? join(homedir(), '.cache/conn-nodes');

function nodeBin(major: number): { bin?: string; skip: string } {
  const bin = join(dir, String(major), 'node_modules/node/bin/node');
  if (existsSync(bin)) return { bin, skip: '' };
  const skip = `skipped: Node ${major} not found at ${bin} (install: npm install --prefix ${join(dir, String(major))} node@${major})`;
  process.stderr.write(`[compat] ${skip}\n`);
  return { skip };
}

for (const major of [22, 24]) {
  const node = nodeBin(major);
  describe.skipIf(!node.bin)(`Node ${major} ${node.skip}`, () => {
    let w: World;
    beforeEach(() => {
      requireKeychain();
      w = makeWorld();
    });
    afterEach(() => w.cleanup());

    /** conn under this Node: exit 0, and nothing on stderr Node itself added (deprecations, warnings). */
    const conn = async (args: string[], opts: { cwd?: string; input?: string } = {}): Promise<string> => {
      const r = await runProcess(node.bin!, [CONN_BIN, ...args], { cwd: opts.cwd ?? w.tmp, env: w.env, input: opts.input });
      expect(r.code, `node ${major}: conn ${args.join(' ')}\n${r.stderr}`).toBe(0);
      expect(r.stderr, `node ${major}: conn ${args.join(' ')}`).not.toMatch(/Warning|\(node:\d+\)/);
      return r.stdout;
    };

    it('runs help, add, list, render (writing, unchanged, dry run), show and test', async () => {
      expect(await conn(['--help'])).toContain('Usage: conn');
      await conn(['add', 'custom', '--name', 'mem', '--', 'node', MEM_SERVER]);
      await conn(['add', 'remote', '--name', 'api', '--set', 'url=https://example.com/mcp', '--secret-stdin', 'token'], { input: TOKEN });
      expect(await conn(['list'])).toMatch(/^api\s+remote/m);
      const repo = w.gitRepo('repo');
      expect(await conn(['render', '--repo', repo])).toBe('wrote .mcp.json: api (full), mem (full)\n');
      expect(await conn(['render', '--repo', repo])).toBe('unchanged\n');
      expect(await conn(['render', '--repo', repo, '--agent', 'cursor', '--dry-run'])).toContain('"mem"');
      expect(await conn(['show', 'api'])).toContain('(keychain)');
      expect(JSON.parse(await conn(['test', 'mem', '--json']))[0]).toMatchObject({ name: 'mem', status: 'healthy' });
    });
  });
}
