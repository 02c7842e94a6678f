#!/usr/bin/env node
// `npm run bench`: conn's speed against the cheapest thing that does the same job, in a throw-away
// CONN_HOME with 20 connections and 10 assignments, secrets in a private keyring.
//
//   node bench/run.mjs [--quick] [--json] [--iterations N] [--no-install]
//
// It builds nothing (the npm script builds dist/ first). Every case runs after a warm-up, alternating
// with its baseline (A B, then B A, …) so drift in machine load hits both the same. It is a report:
// it exits 0 even when a goal is missed, and marks misses with FAIL. Nothing it creates outlives it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(import.meta.dirname, '..');
const CONN = join(ROOT, 'bin/conn.js');
const NODE = process.execPath;
const SERVERS = {
  memory: join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js'),
  everything: join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js'),
  filesystem: join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js'),
};
const SDK_PROBE = join(ROOT, 'bench/baselines/sdk-probe.mjs');
const TOOL_CALLS = join(ROOT, 'bench/baselines/tool-calls.mjs');
const SDK2_PROBE = join(ROOT, 'bench/baselines/sdk2-probe.mjs');
const SDK2_CALL = join(ROOT, 'bench/baselines/sdk2-call.mjs');
const TOOL_CALLS_MODERN = join(ROOT, 'bench/baselines/tool-calls-modern.mjs');
const MODERN_BRIDGE = join(ROOT, 'test/fixtures/servers/modern-bridge.mjs');
const MODERN_SERVER = join(ROOT, 'test/fixtures/servers/modern-stdio.mjs');
const KEYCHAIN_FLOOR = join(ROOT, 'bench/baselines/keychain-floor.cjs');
const AGENT_START = join(ROOT, 'bench/baselines/agent-start.mjs');
const FLOOR_SERVER = join(ROOT, 'bench/baselines/floor-server.mjs');
const LATE_START = join(ROOT, 'test/fixtures/servers/late-start.mjs');

// ---------------------------------------------------------------------------------------------
// Flags

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const QUICK = flag('--quick');
const JSON_OUT = flag('--json');
const NO_INSTALL = flag('--no-install');
// `--only TEXT`: measure only the cases whose name contains TEXT (a quick look at one row).
const onlyIdx = args.indexOf('--only');
const ONLY = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const itIdx = args.indexOf('--iterations');
const ITERATIONS = itIdx >= 0 ? Math.max(1, Number(args[itIdx + 1])) : QUICK ? 5 : 12;
const WARMUP = QUICK ? 1 : 2;
if (flag('--help') || flag('-h')) {
  process.stdout.write('usage: node bench/run.mjs [--quick] [--json] [--iterations N] [--no-install]\n');
  process.exit(0);
}
if (!existsSync(join(ROOT, 'dist/cli.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run bench` (it builds first)\n');
  process.exit(1);
}

const log = (line) => process.stderr.write(`${line}\n`);
const notes = [];

// ---------------------------------------------------------------------------------------------
// Processes

/** Runs a command to its exit; resolves with wall time (spawn → exit) and output. */
function run(command, argv, opts = {}) {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(command, argv, {
      cwd: opts.cwd ?? ROOT,
      env: opts.env ?? world.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout can stop the whole tree
    });
    let stdout = '';
    let stderr = '';
    let ms;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, opts.timeoutMs ?? 60_000);
    child.on('exit', () => (ms = performance.now() - started));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolvePromise({ code: -1, ms: 0, stdout, stderr: String(err) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: signal ? -1 : code, signal, ms: ms ?? performance.now() - started, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
  });
}

function conn(argv, opts = {}) {
  return run(NODE, [CONN, ...argv], { cwd: world.repo, ...opts });
}

async function mustConn(argv, opts) {
  const r = await conn(argv, opts);
  if (r.code !== 0) throw new Error(`setup: conn ${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r;
}

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------------------------------------
// A private keyring (the approach of test/helpers/keychain-daemon.ts)

const daemons = [];
let keyringDir;

async function startKeyring() {
  if (!which('dbus-daemon') || !which('gnome-keyring-daemon') || !which('dbus-send')) {
    return { why: 'dbus-daemon / gnome-keyring-daemon not installed (apt-get install dbus-daemon gnome-keyring)' };
  }
  keyringDir = mkdtempSync(join(tmpdir(), 'conn-bench-keyring-'));
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', '--nopidfile'], { stdio: ['ignore', 'pipe', 'ignore'] });
  daemons.push(bus);
  const address = await new Promise((resolveAddr, reject) => {
    let buf = '';
    bus.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolveAddr(buf.trim());
    });
    bus.on('error', reject);
    bus.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
  }).catch((err) => ({ error: err }));
  if (typeof address !== 'string') return { why: `dbus-daemon failed: ${address.error.message}` };
  const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: keyringDir, HOME: keyringDir };
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  daemons.push(keyring);
  keyring.stdin.end('bench-password');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const r = spawnSync('dbus-send', ['--session', '--dest=org.freedesktop.DBus', '--type=method_call', '--print-reply',
      '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], { env, encoding: 'utf8' });
    if (r.stdout.includes('boolean true')) return { address };
    await new Promise((r) => setTimeout(r, 20)); // polling the bus until the name appears
  }
  return { why: 'gnome-keyring-daemon did not appear on the private bus within 5 s' };
}

async function stopDaemons() {
  for (const child of daemons.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
  for (const child of daemons) child.stdout?.destroy();
  if (keyringDir) rmSync(keyringDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// The world: a throw-away CONN_HOME with 20 connections, 10 assignments, a git repo with origin

const world = {};

async function buildWorld(keychain) {
  world.tmp = realpathSync(mkdtempSync(join(tmpdir(), 'conn-bench-')));
  world.home = join(world.tmp, 'conn-home');
  world.userHome = join(world.tmp, 'userhome');
  mkdirSync(world.userHome, { recursive: true });
  world.env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: world.userHome,
    CONN_HOME: world.home,
    CONN_KEYCHAIN_SERVICE: `conn-bench-${randomBytes(6).toString('hex')}`,
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
    ...(keychain.address ? { DBUS_SESSION_BUS_ADDRESS: keychain.address } : { CONN_SECRET_STORE: 'file' }),
  };
  world.repo = join(world.tmp, 'repo');
  mkdirSync(world.repo);
  const git = (...a) => {
    const r = spawnSync('git', a, { cwd: world.repo, encoding: 'utf8', env: world.env });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')}: ${r.stderr}`);
  };
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'git@github.com:acme/bench.git');
  const fsRoot = join(world.tmp, 'fs-root');
  mkdirSync(fsRoot);

  // 10 stdio custom connections on the reference servers, 10 remote ones with a keychain token.
  const stdio = [];
  const kinds = ['memory', 'everything', 'filesystem'];
  for (let i = 0; i < 10; i++) {
    const kind = kinds[i % 3];
    const name = `s${i}-${kind}`;
    const command = kind === 'memory' ? [NODE, SERVERS.memory] : kind === 'everything' ? [NODE, SERVERS.everything, 'stdio'] : [NODE, SERVERS.filesystem, fsRoot];
    const extra = kind === 'memory' ? ['--set', `env.MEMORY_FILE_PATH=${join(world.tmp, `${name}.jsonl`)}`] : [];
    await mustConn(['add', 'custom', '--name', name, ...extra, '--', ...command]);
    stdio.push({ name, kind });
  }
  const remote = [];
  for (let i = 0; i < 10; i++) {
    const name = `r${i}`;
    await mustConn(['add', 'remote', '--name', name, '--set', `url=https://example.com/mcp/${i}`, '--secret-stdin', 'token'], { input: `bench-token-${i}-${randomBytes(8).toString('hex')}` });
    remote.push(name);
  }
  // 10 assignments: half the connections, all to this repo (the other half are global), so a
  // render writes all 20. Mixed agents; full/readwrite permissions (read needs recorded tool lists).
  const assigned = [...stdio.slice(0, 5).map((s) => s.name), ...remote.slice(0, 5)];
  for (const [i, name] of assigned.entries()) {
    await mustConn(['assign', name, '--repo', 'github.com/acme/bench', ...(i % 2 ? [] : ['--agent', 'claude-code']), '--permission', i % 3 ? 'full' : 'readwrite']);
  }
  world.stdio = stdio;
  world.remote = remote;
  world.mcpJson = join(world.repo, '.mcp.json');
  const first = await conn(['render', '--repo', world.repo, '--agent', 'claude-code']);
  if (first.code !== 0 || !/wrote/.test(first.stdout)) throw new Error(`setup: first render failed (${first.code}): ${first.stdout}${first.stderr}`);
  const servers = Object.keys(JSON.parse(readFileSync(world.mcpJson, 'utf8')).mcpServers ?? {});
  world.rendered = servers.length;
}

function cleanupWorld() {
  if (world.tmp) rmSync(world.tmp, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Measuring

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * One timed run of a case or baseline: a function returning { ms } (or throwing). `prepare` runs
 * untimed before each run (e.g. deleting .mcp.json so render must write).
 */
async function measure(label, a, b) {
  const samples = { a: [], b: [] };
  const fail = (side, r) => {
    throw new Error(`${label} (${side}) failed: exit ${r.code}${r.signal ? ` ${r.signal}` : ''}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  };
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const order = i % 2 ? [['b', b], ['a', a]] : [['a', a], ['b', b]];
    for (const [side, fn] of order) {
      const r = await fn();
      if (!r.ok) fail(side, r);
      if (i >= WARMUP) samples[side].push(r.ms);
    }
  }
  return { a: median(samples.a), b: median(samples.b), samples };
}

/** Wraps a run so its result says ok when the exit code is 0 and `check` (on stdout) holds. */
const ok = (check) => (r) => ({ ...r, ok: r.code === 0 && (!check || check(r.stdout)) });
const seq = async (fns) => {
  let ms = 0;
  for (const fn of fns) {
    const r = await fn();
    ms += r.ms;
    if (!r.ok) return { ...r, ms };
  }
  return { ok: true, ms, code: 0 };
};

const nodeE0 = () => run(NODE, ['-e', '0']).then(ok());

// ---------------------------------------------------------------------------------------------
// The cases

/** The Inspector version the bench installs: the newest for Node 20 (0.16 on declare Node >= 22.7.5). */
const INSPECTOR = '@modelcontextprotocol/inspector@0.15.0';
const TOOLS_DIR = process.env.CONN_BENCH_TOOLS ?? join(process.env.HOME ?? tmpdir(), '.cache', 'conn-bench');

/**
 * Where the MCP Inspector is installed (the folder whose node_modules holds it), installing it into
 * TOOLS_DIR on first use: it is ~150 MB, too big for a devDependency. `{ why }` when it cannot be had.
 */
function inspectorHome() {
  const has = (dir) => existsSync(join(dir, 'node_modules/@modelcontextprotocol/inspector/package.json'));
  if (has(ROOT)) return { dir: ROOT };
  if (has(TOOLS_DIR)) return { dir: TOOLS_DIR };
  if (NO_INSTALL) return { why: `not installed (run without --no-install to put ${INSPECTOR} into ${TOOLS_DIR})` };
  log(`installing ${INSPECTOR} into ${TOOLS_DIR} (once, ~150 MB)…`);
  const r = spawnSync('npm', ['install', '--prefix', TOOLS_DIR, '--no-save', '--no-audit', '--no-fund', INSPECTOR], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0 || !has(TOOLS_DIR)) return { why: `could not install ${INSPECTOR}: ${(r.stderr ?? '').trim().split('\n').at(-1)}` };
  return { dir: TOOLS_DIR };
}

async function serveAvailable() {
  const r = await run(NODE, [CONN, 'serve', '--help']);
  // Exit code alone is not enough: an unknown command with --help prints the top-level help, exit 0.
  return r.code === 0 && /^Usage: conn serve\b/m.test(r.stdout);
}

async function cases() {
  const rows = [];
  const add = (row) => {
    rows.push(row);
    log(`  ${row.case} vs ${row.baseline}: ${row.status === 'measured' ? `${row.caseMs.toFixed(0)} / ${row.baselineMs.toFixed(0)} ms` : row.note}`);
  };
  const measured = async (name, baseline, goal, a, b) => {
    if (ONLY && !name.includes(ONLY)) return;
    try {
      const m = await measure(name, a, b);
      const ratio = m.a / m.b;
      add({ case: name, baseline, status: 'measured', caseMs: m.a, baselineMs: m.b, ratio, goal, pass: goal === null ? undefined : ratio <= goal, samples: m.samples });
    } catch (err) {
      add({ case: name, baseline, status: 'error', goal, note: err.message });
    }
  };
  const renderArgs = ['render', '--repo', world.repo, '--agent', 'claude-code'];

  // As on the next `cd`: the files the render read and wrote are older than the 2 s within which a
  // stat cannot be trusted (src/file-sig.ts), so the check is by stat alone. Just written, they are
  // read and hashed instead; the warm-up run records them as confirmed.
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const file of [join(world.home, 'config.json'), world.mcpJson, join(world.repo, '.claude/settings.local.json')]) {
    if (existsSync(file)) utimesSync(file, hourAgo, hourAgo);
  }
  await measured('conn render (unchanged)', 'node -e 0', 1.3,
    () => conn(renderArgs).then(ok((out) => out.trim() === 'unchanged')), nodeE0);

  await measured(`conn render (writes ${world.rendered} servers, ${world.env.CONN_SECRET_STORE ? 'file store' : 'keychain'})`, 'node -e 0', 2.5,
    () => {
      rmSync(world.mcpJson, { force: true });
      return conn(renderArgs).then(ok((out) => /^wrote /m.test(out)));
    }, nodeE0);

  if (!world.env.CONN_SECRET_STORE) {
    // How close the writing render is to the least work that gives the same result (#16: ≤ 1.5×).
    await measured(`conn render (writes ${world.rendered} servers, keychain)`, 'bare keychain read + file write (bench/baselines/keychain-floor.cjs)', 1.5,
      () => {
        rmSync(world.mcpJson, { force: true });
        return conn(renderArgs).then(ok((out) => /^wrote /m.test(out)));
      },
      () => run(NODE, [KEYCHAIN_FLOOR, world.env.CONN_KEYCHAIN_SERVICE, join(world.tmp, 'floor.json')]).then(ok((out) => /^10 items/.test(out))));
  }

  await measured('conn list', 'node -e 0', 1.6, () => conn(['list']).then(ok((out) => out.includes('r9'))), nodeE0);

  await measured('conn --help', 'node -e 0', 1.5, () => conn(['--help']).then(ok((out) => out.includes('Usage: conn'))), nodeE0);

  // conn test of one stdio reference server, against a bare SDK client on the same server.
  const one = world.stdio.find((s) => s.kind === 'memory');
  const oneCmd = [NODE, SERVERS.memory];
  const oneEnv = { ...world.env, MEMORY_FILE_PATH: join(world.tmp, `${one.name}.jsonl`) };
  const connTestOne = () => conn(['test', one.name]).then(ok((out) => /healthy/.test(out)));
  await measured(`conn test ${one.name}`, 'SDK client (bench/baselines/sdk-probe.mjs)', 1.15,
    connTestOne, () => run(NODE, [SDK_PROBE, ...oneCmd], { env: oneEnv }).then(ok((out) => /\d+ tools/.test(out))));

  // Both protocol eras against the minimal SDK v2 client (auto negotiation, the SDK's own stdio
  // transport: it probes server/discover in a second copy of the server; conn probes in place).
  const sdk2Label = 'SDK v2 client, auto mode (bench/baselines/sdk2-probe.mjs)';
  await measured(`conn test ${one.name} (2025 server)`, sdk2Label, 1.0,
    connTestOne, () => run(NODE, [SDK2_PROBE, ...oneCmd], { env: oneEnv }).then(ok((out) => /\d+ tools/.test(out))));
  await mustConn(['add', 'custom', '--name', 'modern26', '--', NODE, MODERN_SERVER]);
  await measured('conn test modern26 (2026-07-28 server)', sdk2Label, 1.0,
    () => conn(['test', 'modern26']).then(ok((out) => /healthy/.test(out))),
    () => run(NODE, [SDK2_PROBE, NODE, MODERN_SERVER]).then(ok((out) => /\d+ tools/.test(out))));
  await measured(`conn call ${one.name} read_graph`, 'the same call by SDK v2 (bench/baselines/sdk2-call.mjs)', 1.0,
    () => conn(['call', one.name, 'read_graph']).then(ok()),
    () => run(NODE, [SDK2_CALL, 'read_graph', '{}', ...oneCmd], { env: oneEnv }).then(ok()));

  const inspectorLabel = 'MCP Inspector CLI (npx, tools/list)';
  const inspector = ONLY && !`conn test ${one.name}`.includes(ONLY) ? { why: 'not measured (--only)' } : inspectorHome();
  if (inspector.dir) {
    // As a user runs it: npx, from the folder it is installed in. `--` matters: npm 11's npx
    // otherwise takes --cli as its own config and starts the web UI.
    await measured(`conn test ${one.name}`, inspectorLabel, 0.6, connTestOne,
      () => run('npx', ['--no', '--', '@modelcontextprotocol/inspector', '--cli', ...oneCmd, '--method', 'tools/list'], { cwd: inspector.dir, env: { ...oneEnv, HOME: process.env.HOME ?? world.userHome } })
        .then(ok((out) => out.includes('"tools"'))));
  } else {
    add({ case: `conn test ${one.name}`, baseline: inspectorLabel, status: 'n/a', goal: 0.6, note: `not available: ${inspector.why}` });
  }

  const five = [0, 1, 2, 3, 4].map((i) => world.stdio[i].name);
  await measured('conn test (5 servers at once)', '5 × conn test NAME, one by one', 0.6,
    () => conn(['test', ...five]).then(ok()),
    () => seq(five.map((n) => () => conn(['test', n]).then(ok()))));

  const serveLabel = 'the same 200 calls direct';
  if (await serveAvailable()) {
    const calls = ['200', 'read_graph', '{}', '--'];
    await measured(`conn serve ${one.name}, 200 tool calls`, serveLabel, 1.3,
      // The command line a `--secrets proxy` render writes (src/render/render.ts).
      () => run(NODE, [TOOL_CALLS, ...calls, NODE, CONN, 'serve', one.name, '--repo', world.repo, '--agent', 'claude-code'], { env: oneEnv, cwd: world.repo }).then(ok()),
      () => run(NODE, [TOOL_CALLS, ...calls, ...oneCmd], { env: oneEnv }).then(ok()));
  } else {
    add({ case: 'conn serve, 200 tool calls', baseline: serveLabel, status: 'n/a', goal: 1.3, note: 'not available (`conn serve --help` shows no serve command)' });
  }

  // The era bridge: a 2025 agent (SDK v1, initialize) through conn serve in front of a server that
  // speaks only 2026-07-28, against an SDK v2 client making the same calls to that server directly.
  const bridgedLabel = 'the same 200 calls direct (SDK v2, 2026-07-28)';
  if (await serveAvailable()) {
    const modern = [NODE, MODERN_BRIDGE];
    await mustConn(['add', 'custom', '--name', 'modern', '--', ...modern]);
    const calls = ['200', 'look', '{}', '--'];
    await measured('conn serve, 200 tool calls, bridged 2025 agent → 2026 server', bridgedLabel, 1.5,
      () => run(NODE, [TOOL_CALLS, ...calls, NODE, CONN, 'serve', 'modern', '--permission', 'read'], { env: world.env, cwd: world.repo }).then(ok()),
      () => run(NODE, [TOOL_CALLS_MODERN, ...calls, ...modern], { env: world.env }).then(ok()));
  }

  await agentStart(measured);
  return rows;
}

/**
 * "Agent start, 20 proxied connections": an agent starting 20 `conn serve` entries at once (lazy:
 * each answers tools/list from the record of conn test) against the same 20 servers started
 * directly. Twice: on the reference servers (quick to start), and on a fixture that takes 2 s to
 * start, as npx-launched servers often do (the case users report: anthropics/claude-code#88963).
 */
async function agentStart(measured) {
  const fsRoot = join(world.tmp, 'fs-root');
  const sets = [
    {
      label: 'reference servers',
      servers: Array.from({ length: 20 }, (_, i) => {
        const kind = ['memory', 'everything', 'filesystem'][i % 3];
        const args = kind === 'memory' ? [SERVERS.memory] : kind === 'everything' ? [SERVERS.everything, 'stdio'] : [SERVERS.filesystem, fsRoot];
        return { name: `lazy${i}-${kind}`, args, env: kind === 'memory' ? { MEMORY_FILE_PATH: join(world.tmp, `lazy${i}.jsonl`) } : {} };
      }),
    },
    {
      label: 'servers that take 2 s to start',
      servers: Array.from({ length: 20 }, (_, i) => ({ name: `late${i}`, args: [LATE_START], env: { START_DELAY_MS: '2000' } })),
    },
  ];
  for (const set of sets) {
    for (const s of set.servers) {
      await mustConn(['add', 'custom', '--name', s.name, ...Object.entries(s.env).flatMap(([k, v]) => ['--set', `env.${k}=${v}`]), '--', NODE, ...s.args]);
    }
    await mustConn(['test', ...set.servers.map((s) => s.name)]);
    const viaConn = join(world.tmp, `agent-start-conn-${set.servers[0].name}.json`);
    const direct = join(world.tmp, `agent-start-direct-${set.servers[0].name}.json`);
    writeFileSync(viaConn, JSON.stringify(set.servers.map((s) => ({ command: NODE, args: [CONN, 'serve', s.name, '--permission', 'full'], env: world.env, cwd: world.repo }))));
    writeFileSync(direct, JSON.stringify(set.servers.map((s) => ({ command: NODE, args: s.args, env: { ...world.env, ...s.env } }))));
    await measured(`agent start, 20 proxied connections (lazy, ${set.label})`, 'the same 20 servers started directly', 0.1,
      () => run(NODE, [AGENT_START, viaConn]).then(ok((out) => out.startsWith('20 servers'))),
      () => run(NODE, [AGENT_START, direct]).then(ok((out) => out.startsWith('20 servers'))));
  }
  // Not a goal: the same agent start with 20 Node programs that load nothing and answer from memory
  // (bench/baselines/floor-server.mjs), the least any Node-based conn serve could take.
  const floor = join(world.tmp, 'agent-start-floor.json');
  writeFileSync(floor, JSON.stringify(Array.from({ length: 20 }, () => ({ command: NODE, args: [FLOOR_SERVER], env: world.env }))));
  const viaConn = join(world.tmp, `agent-start-conn-${sets[0].servers[0].name}.json`);
  await measured('agent start, 20 proxied connections (lazy, reference servers)', '20 minimal Node stdio servers (bench/baselines/floor-server.mjs)', null,
    () => run(NODE, [AGENT_START, viaConn]).then(ok((out) => out.startsWith('20 servers'))),
    () => run(NODE, [AGENT_START, floor]).then(ok((out) => out.startsWith('20 servers'))));
}

/** Peak RSS of the full write path of `conn render`, in MB (median and max of a few runs). */
async function peakRss() {
  const runs = QUICK ? 3 : 5;
  const values = [];
  const useTime = existsSync('/usr/bin/time');
  for (let i = 0; i < runs; i++) {
    rmSync(world.mcpJson, { force: true });
    if (useTime) {
      const r = await run('/usr/bin/time', ['-f', 'CONN_BENCH_RSS=%M', NODE, CONN, 'render', '--repo', world.repo, '--agent', 'claude-code'], { cwd: world.repo });
      const m = /CONN_BENCH_RSS=(\d+)/.exec(r.stderr);
      if (r.code !== 0 || !m) throw new Error(`peak RSS run failed: ${r.stderr.trim()}`);
      values.push(Number(m[1]) / 1024);
    } else {
      // No GNU time, and Node cannot read a child's rusage: a child runs conn in-process and reports
      // its own process.resourceUsage().maxRSS (KB) at exit.
      const wrapper = `process.on('exit', () => process.stderr.write('CONN_BENCH_RSS=' + process.resourceUsage().maxRSS + '\\n')); process.argv.splice(1, 0, ${JSON.stringify(CONN)}); await import(${JSON.stringify(CONN)});`;
      const r = await run(NODE, ['--input-type=module', '-e', wrapper, '--', 'render', '--repo', world.repo, '--agent', 'claude-code'], { cwd: world.repo });
      const m = /CONN_BENCH_RSS=(\d+)/.exec(r.stderr);
      if (!m) throw new Error(`peak RSS run failed: ${r.stderr.trim()}`);
      values.push(Number(m[1]) / 1024);
    }
  }
  const nodeRss = useTime ? (() => {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', NODE, '-e', '0'], { encoding: 'utf8' });
    return Number(r.stderr.trim().split('\n').pop()) / 1024;
  })() : undefined;
  return { method: useTime ? '/usr/bin/time -f %M' : 'process.resourceUsage().maxRSS', medianMb: median(values), maxMb: Math.max(...values), nodeE0Mb: nodeRss, goalMb: 70 };
}

/**
 * Every case runs in the world's own small environment. Variables that slow every Node start (a CA
 * bundle, NODE_OPTIONS) are not passed on: they would inflate the baseline and flatter the ratios.
 * When the caller has them, the note says how much slower `node -e 0` starts with them.
 */
async function noteCallerEnv() {
  const heavy = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'].filter((v) => process.env[v]);
  if (!heavy.length) return;
  const samples = { mine: [], bare: [] };
  for (let i = 0; i < 6; i++) {
    samples.mine.push((await run(NODE, ['-e', '0'], { env: process.env })).ms);
    samples.bare.push((await run(NODE, ['-e', '0'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } })).ms);
  }
  notes.push(`your environment sets ${heavy.join(' and ')}: node -e 0 takes ${median(samples.mine).toFixed(0)} ms with it, ${median(samples.bare).toFixed(0)} ms without; every case and baseline here runs without it`);
  log(`note: ${notes.at(-1)}`);
}

// ---------------------------------------------------------------------------------------------
// Report

function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model?.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

const goalText = (goal) => (goal === null ? '-' : `≤ ${goal}×`);

function printTable(info, rows, rss) {
  const out = [];
  out.push(`conn bench — ${info.date}`);
  out.push(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGb} GB, ${info.platform}, Node ${info.node}`);
  out.push(`world: 20 connections (10 stdio, 10 remote), 10 assignments; secrets: ${world.env.CONN_SECRET_STORE ? 'CONN_SECRET_STORE=file' : 'private gnome-keyring on a private D-Bus'}`);
  out.push(`runs: ${ITERATIONS} per side after ${WARMUP} warm-up, case and baseline alternating${QUICK ? ' (--quick)' : ''}`);
  out.push('');
  const header = ['case', 'median ms', 'baseline', 'baseline ms', 'ratio', 'goal', 'result'];
  const body = rows.map((r) =>
    r.status === 'measured'
      ? [r.case, r.caseMs.toFixed(0), r.baseline, r.baselineMs.toFixed(0), `${r.ratio.toFixed(2)}×`, goalText(r.goal), r.goal === null ? 'reference' : r.pass ? 'pass' : 'FAIL ◀']
      : [r.case, '-', r.baseline, '-', '-', goalText(r.goal), r.status === 'n/a' ? r.note : `ERROR: ${r.note}`],
  );
  const rssRow = rss.error
    ? ['conn render peak RSS', '-', '', '-', '-', '≤ 70 MB', `ERROR: ${rss.error}`]
    : ['conn render peak RSS (write path)', `${rss.medianMb.toFixed(1)} MB`, rss.nodeE0Mb ? 'node -e 0' : '', rss.nodeE0Mb ? `${rss.nodeE0Mb.toFixed(1)} MB` : '-', `max ${rss.maxMb.toFixed(1)} MB`, `≤ ${rss.goalMb} MB`, rss.maxMb <= rss.goalMb ? 'pass' : 'FAIL ◀'];
  body.push(rssRow);
  const all = [header, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === r.length - 1 ? String(c) : String(c).padEnd(widths[i]))).join('  ');
  out.push(line(header));
  out.push(widths.map((w) => '-'.repeat(Math.min(w, 60))).join('  '));
  for (const r of body) out.push(line(r));
  if (rss.method) out.push('', `peak RSS via ${rss.method}, ${QUICK ? 3 : 5} runs`);
  const missed = rows.filter((r) => r.status === 'measured' && r.pass === false).length + (!rss.error && rss.maxMb > rss.goalMb ? 1 : 0);
  const errors = rows.filter((r) => r.status === 'error').length;
  out.push(missed || errors ? `${missed} goal(s) missed${errors ? `, ${errors} case(s) errored` : ''}` : 'all measured goals met');
  for (const n of notes) out.push(`note: ${n}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------

let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  cleanupWorld();
  await stopDaemons();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    cleanup().finally(() => process.exit(130));
  });
}

try {
  const info = machine();
  log(`conn bench: ${info.cpu}, ${info.cores} cores, Node ${info.node}`);
  const keychain = await startKeyring();
  if (!keychain.address) {
    notes.push(`no private keyring (${keychain.why}); secrets use CONN_SECRET_STORE=file, so the keychain cost is not measured`);
    log(`note: ${notes.at(-1)}`);
  }
  await noteCallerEnv();
  log('setting up: 20 connections, 10 assignments, a git repo with origin…');
  await buildWorld(keychain);
  if (world.rendered !== 20) notes.push(`the write-path render wrote ${world.rendered} servers, not 20`);
  log(`measuring (${ITERATIONS} runs per side after ${WARMUP} warm-up)…`);
  const rows = await cases();
  let rss;
  try {
    rss = ONLY ? { error: 'not measured (--only)' } : await peakRss();
  } catch (err) {
    rss = { error: err.message };
  }
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ machine: info, iterations: ITERATIONS, warmup: WARMUP, secretStore: world.env.CONN_SECRET_STORE ?? 'keychain', cases: rows, peakRss: rss, notes }, null, 2)}\n`);
  } else {
    printTable(info, rows, rss);
  }
} catch (err) {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
