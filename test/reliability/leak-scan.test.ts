// Leak scan: a full scenario with unique canary secrets, then every file, every captured output and
// the argv of every process conn spawned is searched for them. A canary may appear only in the
// keychain, in inline-rendered agent files (mode 0600, git-excluded), in the environment of spawned
// servers and agents, and on stdout of `conn env` (whose job is to print them).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { CONN_BIN, makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { ARGV_ECHO, NODE, filesUnder, processesOfWorld, reportFigures, stillAlive } from './helpers.js';

let w: World | undefined;
afterEach(() => w?.cleanup());
let canaryCount = 0;
let leaks = 0;
afterAll(() => reportFigures('leak', { canaries: canaryCount, leaks }));

const INLINE_FILES: Record<string, string> = {
  'claude-code': '.mcp.json',
  cursor: '.cursor/mcp.json',
  vscode: '.vscode/mcp.json',
  gemini: '.gemini/settings.json',
  codex: '.codex/config.toml',
  opencode: 'opencode.json',
};

describe('leak scan', () => {
  it('keeps every canary secret out of files, output and argv, except where it must be', async () => {
    requireKeychain();
    const startedAt = Date.now();
    const id = randomBytes(5).toString('hex');
    const canary = {
      notion: `ntn_canaryNOTION${id}`,
      apiFirst: `canaryAPI1${id}`,
      apiSecond: `canaryAPI2${id}`,
      remote: `canaryREMOTE${id}`,
      httpApi: `canaryHTTP${id}`,
    };
    const all = Object.values(canary);

    // A git shim on PATH records the argv of every git conn runs, then runs the real git.
    const shimDir = join(tmpdir(), `conn-rel-shim-${id}`);
    mkdirSync(shimDir);
    const gitLog = join(shimDir, 'git-argv.log');
    const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(shimDir, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${gitLog}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(shimDir, 'git'), 0o755);
    w = makeWorld({ PATH: `${shimDir}:${process.env.PATH}` });
    const world = w;
    const records = join(shimDir, 'records'); // servers record argv + env here; checked separately
    mkdirSync(records);

    const outputs: { what: string; text: string; allowed?: boolean }[] = [];
    const run = async (args: string[], opts: { input?: string; cwd?: string; expectCode?: number; allowed?: boolean } = {}) => {
      const r = await world.conn(args, { input: opts.input, cwd: opts.cwd });
      outputs.push({ what: `stdout of conn ${args.join(' ')}`, text: r.stdout, allowed: opts.allowed });
      outputs.push({ what: `stderr of conn ${args.join(' ')}`, text: r.stderr });
      expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(opts.expectCode ?? 0);
      return r;
    };

    const repos = { inline: world.gitRepo('inline'), env: world.gitRepo('envmode'), proxy: world.gitRepo('proxy') };
    await run(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: canary.notion });
    await run(['add', 'custom', '--name', 'echo', '--set', `env.RECORD_DIR=${records}`, '--secret-stdin', 'API_KEY', '--', NODE, ARGV_ECHO, '--flag'], { input: canary.apiFirst });
    await run(['add', 'remote', '--name', 'rem', '--set', 'url=http://127.0.0.1:9/mcp', '--secret-stdin', 'token'], { input: canary.remote });
    await run(['add', 'http-api', '--name', 'billing', '--set', 'url=http://127.0.0.1:9', '--set', 'auth=bearer', '--secret-stdin', 'token'], { input: canary.httpApi });
    await run(['test', 'echo', '--json', '--tools']);
    await run(['edit', 'echo', '--secret-stdin', 'API_KEY'], { input: canary.apiSecond });
    await run(['test', '--all', '--json', '--timeout', '5'], { expectCode: 1 }); // rem and notion fail: errors must not carry secrets
    expect(keychainItems(world.service)).toEqual({
      'notion/NOTION_TOKEN': canary.notion,
      'echo/API_KEY': canary.apiSecond,
      'rem/token': canary.remote,
      'billing/token': canary.httpApi,
    });
    for (const args of [['list'], ['list', '--json'], ['show', 'echo'], ['show', 'rem', '--json'], ['doctor'], ['assignments', '--json'], ['explain', '--repo', repos.inline, '--json']]) {
      await run(args, { expectCode: args[0] === 'doctor' ? undefined : 0 }).catch(() => undefined);
    }
    for (const agent of Object.keys(INLINE_FILES)) {
      await run(['render', '--repo', repos.inline, '--agent', agent, '--secrets', 'inline']);
      await run(['render', '--repo', repos.inline, '--agent', agent, '--dry-run']);
      // Codex cannot rename env vars: env mode with a stdio secret is refused (README), exit 1.
      await run(['render', '--repo', repos.env, '--agent', agent, '--secrets', 'env', '--json'], { expectCode: agent === 'codex' ? 1 : 0 });
      await run(['render', '--repo', repos.proxy, '--agent', agent, '--secrets', 'proxy', '--json']);
    }
    await run(['render', '--repo', repos.inline, '--agent', 'all', '--json']);
    const envOut = await run(['env', '--repo', repos.env], { allowed: true });
    expect(envOut.stdout).toContain(canary.apiSecond); // conn env exists to print them
    await run(['env', '--repo', repos.env, '--format', 'json'], { allowed: true });
    const serve = await world.conn(['serve', '--help']);
    const hasServe = serve.code === 0 && /conn serve/.test(serve.stdout);
    if (hasServe) {
      // An agent's view of proxy mode: an MCP client starting `conn serve`, listing and calling tools.
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
      const transport = new StdioClientTransport({ command: NODE, args: [CONN_BIN, 'serve', 'echo', '--repo', repos.proxy, '--agent', 'claude-code'], env: world.env, stderr: 'pipe' });
      let serveErr = '';
      transport.stderr?.on('data', (d) => (serveErr += String(d)));
      const client = new Client({ name: 'leak-scan', version: '1.0.0' });
      await client.connect(transport);
      const tools = await client.listTools();
      const result = await client.callTool({ name: 'argv', arguments: {} });
      await client.close();
      outputs.push({ what: 'conn serve (MCP traffic)', text: JSON.stringify([client.getServerVersion(), tools, result]) });
      outputs.push({ what: 'stderr of conn serve', text: serveErr });
    }

    // The inline files hold the secrets: 0600 and excluded from git. Then they are allowed to.
    const allowedFiles = new Set<string>();
    for (const file of Object.values(INLINE_FILES)) {
      const path = join(repos.inline, file);
      expect(statSync(path).mode & 0o777, file).toBe(0o600);
      expect(spawnSync(realGit, ['check-ignore', '-q', file], { cwd: repos.inline }).status, `${file} git-excluded`).toBe(0);
      allowedFiles.add(path);
    }
    expect(readFileSync(join(repos.inline, '.mcp.json'), 'utf8')).toContain(canary.apiSecond);
    const scanFiles = (label: string) => {
      const found: string[] = [];
      const files = [...filesUnder(world.tmp), ...newTempFiles(startedAt, [world.tmp, shimDir])];
      for (const file of files) {
        if (allowedFiles.has(file)) continue;
        let text: string;
        try {
          text = readFileSync(file, 'latin1');
        } catch {
          continue;
        }
        for (const c of all) if (text.includes(c)) found.push(`${label}: ${file} holds ${c}`);
      }
      return found;
    };
    const found = scanFiles('after renders');

    await run(['remove', 'notion', '--yes']);
    await run(['remove', 'echo', '--yes']);
    await run(['remove', 'rem', '--yes']);
    await run(['remove', 'billing', '--yes']);
    expect(keychainItems(world.service)).toEqual({});
    found.push(...scanFiles('after remove'));

    for (const o of outputs) {
      if (o.allowed) continue;
      for (const c of all) if (o.text.includes(c)) found.push(`${o.what} holds ${c}`);
    }
    // Servers: the secret only in their environment, never in their argv.
    const serverRecords = readdirSync(records).map((f) => JSON.parse(readFileSync(join(records, f), 'utf8')) as { pid: number; argv: string[]; env: Record<string, string> });
    expect(serverRecords.length).toBeGreaterThanOrEqual(hasServe ? 3 : 2);
    expect(serverRecords.some((r) => r.env.API_KEY === canary.apiFirst)).toBe(true);
    expect(serverRecords.some((r) => r.env.API_KEY === canary.apiSecond)).toBe(true);
    for (const r of serverRecords) for (const c of all) if (r.argv.join('\n').includes(c)) found.push(`argv of server ${r.pid} holds ${c}`);
    const gitArgv = readFileSync(gitLog, 'utf8');
    expect(gitArgv.length).toBeGreaterThan(0);
    for (const c of all) if (gitArgv.includes(c)) found.push(`argv of a git run by conn holds ${c}`);

    canaryCount += all.length; // counted once the scan has really run
    leaks += found.length;
    console.log(`leak scan: ${all.length} canaries, ${outputs.length} outputs, ${serverRecords.length} server and ${gitArgv.trim().split('\n').length} git argvs scanned; conn serve ${hasServe ? 'included' : 'not available (serve --help shows no serve command)'}`);
    expect(found.map((f) => f.replace(world.tmp, '<tmp>'))).toEqual([]);
    expect(await stillAlive([...serverRecords.map((r) => r.pid), ...processesOfWorld(world.home)])).toEqual([]);
    spawnSync('rm', ['-rf', shimDir]);
  }, 90_000);
});

/** Files created or changed under the OS temp dir since `since`, outside the given dirs (already scanned). */
function newTempFiles(since: number, skip: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (skip.some((s) => path === s || !relative(s, path).startsWith('..'))) continue;
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.mtimeMs < since - 1000) continue;
      if (st.isDirectory() && depth < 4) walk(path, depth + 1);
      else if (st.isFile() && st.size < 5_000_000) out.push(path);
    }
  };
  walk(tmpdir(), 0);
  return out;
}
