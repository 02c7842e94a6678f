// Every example a user reads — the `conn …` lines in README.md's shell blocks and every command's
// `--help` "Examples:" — run as written, in a fresh HOME and CONN_HOME with the private keychain, a
// fake repo and what the example needs (a token on stdin, token.txt, stand-in agent CLIs). Data-driven:
// a new command's help examples are picked up from `conn --help` without touching this file.
// The few that cannot finish here are listed in ALLOWED with why; they must still get past parsing
// (never exit 2) unless the reason is exactly the documented no-terminal refusal.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONN_BIN, git, makeWorld, requireKeychain, ROOT, runProcess, type World } from '../helpers/world.js';

interface Example {
  source: string;
  line: string;
}

/** `conn …` command lines in README.md's ```sh blocks (comments and `[optional]` synopsis parts dropped). */
function readmeExamples(): Example[] {
  const out: Example[] = [];
  let inSh = false;
  for (const raw of readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('```')) {
      inSh = line === '```sh';
      continue;
    }
    if (!inSh) continue;
    const command = stripComment(line).replace(/\s*\[[^\]]*\]/g, '').trim();
    if (isConnCommand(command)) out.push({ source: 'README.md', line: command });
  }
  return out;
}

/** `$ conn …` lines after "Examples:" in the top-level help and every command's help. */
function helpExamples(): Example[] {
  const help = (args: string[]) => spawnSync(process.execPath, [CONN_BIN, ...args], { encoding: 'utf8' }).stdout;
  const top = help(['--help']);
  const commands = [...top.slice(top.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  const out: Example[] = [];
  for (const [source, text] of [['conn --help', top] as const, ...commands.map((c) => [`conn ${c} --help`, help([c, '--help'])] as const)]) {
    const tail = text.slice(text.indexOf('Examples:'));
    for (const m of tail.matchAll(/^ {2}\$ (.*)$/gm)) {
      const command = stripComment(m[1]!).trim();
      if (isConnCommand(command)) out.push({ source, line: command });
    }
  }
  return out;
}

/** Drops a trailing `# comment` (a `#` between spaces, as the docs write them). */
function stripComment(line: string): string {
  const at = line.search(/\s+#\s|^#/);
  return at === -1 ? line : line.slice(0, at);
}

/** A line that runs conn: starts with it, evals its output, or pipes into it. */
function isConnCommand(line: string): boolean {
  return /^conn\s/.test(line) || /^eval "\$\(conn /.test(line) || /^printf .*\|\s*conn\s/.test(line);
}

/**
 * `not-usage`: must get past parsing (never exit 2); `refused`: exit 2 with exactly this documented
 * message; `runs`: a server that keeps running: still up after a few seconds, having printed `listening`.
 */
type Allowed = { why: string; expect: 'not-usage' } | { why: string; expect: 'refused'; message: RegExp } | { why: string; expect: 'runs'; listening: RegExp };

const NO_TERMINAL = /no terminal/;

/** Examples that cannot finish here, and why. Everything else must exit 0. */
const ALLOWED: [RegExp, Allowed][] = [
  [/^conn test\b/, { why: 'starts every server: npx downloads and remote URLs need the network', expect: 'not-usage' }],
  [/^conn connect\b/, { why: 'OAuth sign-in talks to the remote server and waits for a browser', expect: 'not-usage' }],
  [/^conn disconnect\b/, { why: 'revocation talks to the remote server', expect: 'not-usage' }],
  [/^conn serve notion\b/, { why: 'starts the Notion server through npx (network)', expect: 'not-usage' }],
  [/^conn unassign \w+$/, { why: 'a placeholder id: assignment ids are random', expect: 'refused', message: /^conn: no assignment with id \w+ \(conn assignments lists them\)\n$/ }],
  [/^conn add (notion|custom)\b.* --secret (NOTION_TOKEN|API_KEY)( |$)/, { why: 'prompts on a terminal for the value (hidden)', expect: 'refused', message: NO_TERMINAL }],
  [/^conn add notion$/, { why: 'prompts on a terminal for the token (hidden)', expect: 'refused', message: NO_TERMINAL }],
  [/^conn edit notion --secret NOTION_TOKEN$/, { why: 'prompts on a terminal for the value (hidden)', expect: 'refused', message: NO_TERMINAL }],
  [/^conn edit notion$/, { why: 'interactive on a terminal; without one there is nothing to change', expect: 'refused', message: /nothing to change/ }],
  [/^conn import \S+ --from cursor$/, { why: 'confirms on a terminal (scripts pass --yes)', expect: 'refused', message: NO_TERMINAL }],
  [/^conn (search|update)\b/, { why: 'asks the MCP Registry (network)', expect: 'not-usage' }],
  [/^(printf .*\| )?conn add (io|com)\.[\w.-]+\//, { why: 'fetches the server.json from the MCP Registry (network)', expect: 'not-usage' }],
  [/^conn (tools|call) github\b/, { why: 'starts the GitHub server (npx or docker: network)', expect: 'not-usage' }],
  [/^conn tools \S+ --cached/, { why: 'prints what conn test recorded; the examples never run conn test (network)', expect: 'not-usage' }],
  [/^conn call everything trigger-elicitation-request/, { why: 'the elicitation is asked on a terminal (declined without one)', expect: 'not-usage' }],
  [/^(printf .*\| )?conn serve \S+ .*--http/, { why: 'a server: it keeps listening until stopped', expect: 'runs', listening: /over HTTP at http:\/\/[\d.]+:\d+\/mcp/ }],
  [/^conn remove notion$/, { why: 'asks for confirmation on a terminal; scripts pass --yes', expect: 'refused', message: /--yes/ }],
];

/** Examples whose job is to print secret values (for eval or an env file). */
const PRINTS_SECRETS = /^conn env\b(?!.*>)/;

const allowedFor = (line: string): Allowed | undefined => ALLOWED.find(([re]) => re.test(line))?.[1];

let w: World;
let baseline: string;
let emptyBaseline: string;
let keychain: { account: string; password: string }[] = [];
const SECRET = 'tok_example_value_1234';

/** Runs a shell line with `conn` on PATH (a shim for the built CLI) in the fake repo. */
function shell(line: string, input = SECRET) {
  const sh = /hook zsh/.test(line) ? 'zsh' : /hook fish/.test(line) ? 'fish' : 'bash';
  const bin = join(w.tmp, 'bin');
  return runProcess(sh, ['-c', line], {
    cwd: join(w.tmp, 'userhome', 'src', 'api'),
    env: { ...w.env, PATH: `${bin}:${w.env.PATH}`, TOKEN: SECRET, npm_config_offline: 'true' },
    input,
    timeoutMs: 90_000,
  });
}

/**
 * Starts a shell line as its own process group and waits until it says it is listening (or exits, or
 * 30 s pass); then stops the whole group. Running: it was still up when it said so.
 */
async function stillRunning(line: string, listening: RegExp): Promise<{ running: boolean; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const bin = join(w.tmp, 'bin');
  const child = spawn('bash', ['-c', line], {
    cwd: join(w.tmp, 'userhome', 'src', 'api'),
    env: { ...w.env, PATH: `${bin}:${w.env.PATH}`, TOKEN: SECRET, npm_config_offline: 'true' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const said = new Promise<void>((resolve) => {
    child.stderr!.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      if (listening.test(stderr)) resolve();
    });
  });
  child.stdout!.resume();
  const limit = new Promise<void>((r) => setTimeout(r, 30_000).unref());
  await Promise.race([said, gone, limit]);
  const running = !exited && listening.test(stderr);
  const group = (signal: NodeJS.Signals | 0) => {
    try {
      process.kill(-child.pid!, signal);
      return true;
    } catch {
      return false; // no process of the group is left
    }
  };
  group('SIGTERM');
  await gone;
  // The server itself (a grandchild) must be gone too before the next example takes its port.
  for (let i = 0; i < 200 && group(0); i++) await new Promise((r) => setTimeout(r, 50));
  return { running, stderr };
}

const keyring = (script: string) => {
  const r = spawnSync(process.execPath, ['-e', `const k = require(${JSON.stringify(join(ROOT, 'node_modules/@napi-rs/keyring'))}); const S = ${JSON.stringify(w.service)}; const E = (a) => new k.Entry(S, a, { linux: { store: 'secret-service' } }); ${script}`], { env: w.env, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};

/** Puts the world back to a baseline: files (home, catalog, repos) and keychain items. */
function restore(from: string, items: { account: string; password: string }[]): void {
  for (const dir of ['home', 'userhome']) {
    rmSync(join(w.tmp, dir), { recursive: true, force: true });
    cpSync(join(from, dir), join(w.tmp, dir), { recursive: true, verbatimSymlinks: true });
  }
  keyring(`for (const c of k.findCredentials(S)) E(c.account).deletePassword(); for (const i of ${JSON.stringify(items)}) E(i.account).setPassword(i.password);`);
}

beforeAll(async () => {
  requireKeychain();
  w = makeWorld();
  const userhome = join(w.tmp, 'userhome');
  // Stand-in agent CLIs and the `conn` the examples call.
  const bin = join(w.tmp, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'conn'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CONN_BIN)} "$@"\n`);
  for (const agent of ['claude', 'gemini']) writeFileSync(join(bin, agent), '#!/bin/sh\nexit 0\n');
  for (const f of ['conn', 'claude', 'gemini']) chmodSync(join(bin, f), 0o755);
  // The repos the examples name.
  for (const rel of ['src/api', 'src/scratch', 'work/api', 'work/billing']) {
    const dir = join(userhome, rel);
    mkdirSync(dir, { recursive: true });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'remote', 'add', 'origin', `git@github.com:acme/${rel.split('/')[1]}.git`);
  }
  const repo = join(userhome, 'src', 'api');
  writeFileSync(join(repo, 'token.txt'), SECRET);
  writeFileSync(join(repo, 'secret.txt'), SECRET);
  writeFileSync(join(repo, 'server.js'), '');
  // A local server.json (`conn add ./server.json`): a real one, whose second package runs with docker.
  cpSync(join(ROOT, 'test/fixtures/registry/io.github.redis__mcp-redis.json'), join(repo, 'server.json'));
  // Agent files to import (and to detect with --agent all): a project one and a user one.
  const foreign = (dir: string) => JSON.stringify({ mcpServers: { [`fs-${dir}`]: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] } } });
  writeFileSync(join(repo, '.mcp.json'), foreign('project'));
  mkdirSync(join(userhome, '.cursor'));
  writeFileSync(join(userhome, '.cursor', 'mcp.json'), foreign('user'));
  emptyBaseline = join(w.tmp, 'baseline-empty');
  mkdirSync(join(w.tmp, 'home'), { recursive: true });
  for (const dir of ['home', 'userhome']) cpSync(join(w.tmp, dir), join(emptyBaseline, dir), { recursive: true });

  // Connections the non-`add` examples name.
  const setup = [
    'conn add notion --secret-stdin NOTION_TOKEN',
    'conn add github --secret-stdin GITHUB_PERSONAL_ACCESS_TOKEN',
    'conn add sentry --secret-stdin SENTRY_ACCESS_TOKEN',
    'conn add postgres --secret-stdin DSN',
    'conn add slack --set SLACK_TEAM_ID=T0123 --secret-stdin SLACK_BOT_TOKEN',
    'conn add remote --set url=https://mcp.linear.app/mcp',
    'conn add remote --set url=https://mcp.notion.com/mcp',
    'conn add http-api --name billing-api --set url=https://api.example.com --set auth=bearer --secret-stdin token',
    'conn add http-api --name billing --set url=https://billing.example.com --set auth=bearer --secret-stdin token',
    'conn add memory',
    'conn add everything',
    'conn add ./server.json --package 2 --yes --name brave-search-mcp-server',
    'conn add remote --name github-2 --set url=https://api.githubcopilot.com/mcp/',
    'conn add remote --name my-remote --set url=https://mcp.example.com/mcp',
    'conn add remote --name ci-api --set url=https://mcp.example.com/mcp --set grant=client_credentials --set client_id=conn-ci --secret-stdin client_secret',
    'conn export --assignments > conn-catalog.json',
  ];
  for (const line of setup) {
    const r = await shell(line, line.includes('DSN') ? 'postgres://u:p@127.0.0.1/db' : SECRET);
    expect(r.code, `${line}\n${r.stderr}`).toBe(0);
  }
  baseline = join(w.tmp, 'baseline');
  for (const dir of ['home', 'userhome']) cpSync(join(w.tmp, dir), join(baseline, dir), { recursive: true });
  keychain = JSON.parse(keyring(`console.log(JSON.stringify(k.findCredentials(S).map((c) => ({ account: c.account, password: c.password }))))`)) as typeof keychain;
}, 120_000);
afterAll(() => w?.cleanup());

const examples = [...readmeExamples(), ...helpExamples()];
const unique = [...new Map(examples.map((e) => [e.line, e])).values()];

describe('README and --help examples', () => {
  it('finds the examples (README and every command)', () => {
    expect(readmeExamples().length).toBeGreaterThan(30);
    expect(new Set(helpExamples().map((e) => e.source)).size).toBeGreaterThan(20);
  });

  for (const ex of unique) {
    it(`${ex.line}  (${ex.source})`, async () => {
      // `add` examples start from no connections (they create them); the others from the baseline.
      restore(/^(printf .*\| )?conn add /.test(ex.line) ? emptyBaseline : baseline, /^(printf .*\| )?conn add /.test(ex.line) ? [] : keychain);
      const allowed = allowedFor(ex.line);
      if (allowed?.expect === 'runs') {
        const up = await stillRunning(ex.line, allowed.listening);
        expect(up.running, `${ex.line}\nstderr: ${up.stderr}`).toBe(true);
        expect(up.stderr).toMatch(allowed.listening);
        expect(up.stderr).not.toContain(SECRET);
        return;
      }
      const r = await shell(ex.line);
      const shown = `${ex.line}\nexit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;
      expect(r.stderr, shown).not.toMatch(/unknown option|unknown command|too many arguments|missing required argument/);
      if (!allowed) expect(r.code, shown).toBe(0);
      else if (allowed.expect === 'refused') {
        expect(r.code, shown).toBe(2);
        expect(r.stderr, shown).toMatch(allowed.message);
      } else expect(r.code, shown).not.toBe(2);
      if (!PRINTS_SECRETS.test(ex.line)) expect(r.stdout + r.stderr, shown).not.toContain(SECRET);
    }, 120_000);
  }
});
