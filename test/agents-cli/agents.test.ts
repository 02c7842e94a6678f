// "The real thing": each agent's own CLI reads the file `conn render` wrote and connects to the
// servers in it, offline. `mem` is the reference memory server; `locked` starts only when it gets
// the right secret (so "connected" proves the secret arrived, in every --secrets mode); `broken`
// never starts (so "connected" is not simply what the CLI always prints).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';
import { codexStartupStatus, findAgentCli, runAgent } from './agent-clis.js';

const MEM_SERVER = join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
const NEEDS_TOKEN = join(ROOT, 'test/fixtures/render/needs-token.mjs');
const SECRET = 'sk_agent_cli_canary_5e21';
const SERVERS = ['broken', 'locked', 'mem'];

type Status = Record<string, 'connected' | 'failed'>;

let w: World;
let repo: string;
beforeEach(async () => {
  requireKeychain();
  w = makeWorld();
  mkdirSync(w.env.HOME!, { recursive: true });
  repo = w.gitRepo('api', 'git@github.com:acme/api.git');
  await conn(['add', 'custom', '--name', 'mem', '--', 'node', MEM_SERVER]);
  const sha = createHash('sha256').update(SECRET).digest('hex');
  await conn(['add', 'custom', '--name', 'locked', '--set', `env.EXPECT_SHA256=${sha}`, '--secret-stdin', 'SECRET_TOKEN', '--', 'node', NEEDS_TOKEN], SECRET);
  await conn(['add', 'custom', '--name', 'broken', '--', 'node', join(w.tmp, 'no-such-server.js')]);
});
afterEach(() => w.cleanup());

async function conn(args: string[], input?: string): Promise<string> {
  const r = await w.conn(args, { cwd: repo, input });
  expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Runs `conn exec --agent AGENT -- <cli> ARGS`: the agent gets the secret variables of an env render. */
function viaExec(agent: string, bin: string, args: string[]): [string, string[]] {
  return [process.execPath, [CONN_BIN, 'exec', '--agent', agent, '--', bin, ...args]];
}

function parse(text: string, line: RegExp): Status {
  const status: Status = {};
  for (const l of text.split('\n')) {
    const m = line.exec(l.trim());
    if (m?.groups) status[m.groups.name!] = m.groups.ok ? 'connected' : 'failed';
  }
  return status;
}

const EXPECTED: Status = { broken: 'failed', locked: 'connected', mem: 'connected' };

// ---------------------------------------------------------------------------------------------
const claude = findAgentCli('claude');
describe.skipIf(!claude.bin)(`Claude Code: claude mcp list ${claude.skip}`, () => {
  const env = () => ({
    ...w.env,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    MCP_TIMEOUT: '20000',
  });
  beforeEach(() => {
    // Project servers are "pending approval" unless the user allowed them all.
    mkdirSync(join(w.env.HOME!, '.claude'), { recursive: true });
    writeFileSync(join(w.env.HOME!, '.claude/settings.json'), '{"enableAllProjectMcpServers": true}\n');
  });
  const LINE = /^(?<name>[\w-]+): .* - (?:(?<ok>✔ Connected)|✘ Failed to connect)$/;
  const list = async (viaConnExec = false) => {
    const [cmd, args] = viaConnExec ? viaExec('claude-code', claude.bin!, ['mcp', 'list']) : [claude.bin!, ['mcp', 'list']];
    const r = await runAgent(cmd, args, { cwd: repo, env: env() });
    return { ...r, status: parse(r.stdout, LINE) };
  };

  it('connects to every server of an inline render', async () => {
    await conn(['render', '--agent', 'claude-code', '--secrets', 'inline']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });

  it('resolves ${VAR} references of an env render only when run through conn exec', async () => {
    await conn(['render', '--agent', 'claude-code', '--secrets', 'env']);
    const bare = await list();
    expect(bare.status.locked, bare.stdout).toBe('failed');
    expect(bare.stdout + bare.stderr).toContain('Missing environment variables: CONN_LOCKED_SECRET_TOKEN');
    const exec = await list(true);
    expect(exec.status, exec.stdout + exec.stderr).toEqual(EXPECTED);
  });

  it('connects through conn serve in a proxy render', async () => {
    await conn(['render', '--agent', 'claude-code', '--secrets', 'proxy']);
    const r = await list();
    expect(r.stdout).toContain(`${CONN_BIN} serve locked --repo ${repo} --agent claude-code`);
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });
});

// ---------------------------------------------------------------------------------------------
const gemini = findAgentCli('gemini');
describe.skipIf(!gemini.bin)(`Gemini CLI: gemini mcp list ${gemini.skip}`, () => {
  const env = () => ({ ...w.env, GEMINI_CLI_TRUST_WORKSPACE: 'true' });
  const LINE = /^(?:(?<ok>✓)|✗) (?<name>[\w-]+): .* - (?:Connected|Disconnected)$/;
  const list = async (viaConnExec = false) => {
    const [cmd, args] = viaConnExec ? viaExec('gemini', gemini.bin!, ['mcp', 'list']) : [gemini.bin!, ['mcp', 'list']];
    const r = await runAgent(cmd, args, { cwd: repo, env: env() });
    // gemini prints the list on stderr.
    return { ...r, status: parse(`${r.stdout}\n${r.stderr}`, LINE) };
  };

  it('connects to every server of an inline render', async () => {
    await conn(['render', '--agent', 'gemini', '--secrets', 'inline']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });

  it('resolves ${VAR} references of an env render only when run through conn exec', async () => {
    await conn(['render', '--agent', 'gemini', '--secrets', 'env']);
    expect((await list()).status.locked).toBe('failed');
    const exec = await list(true);
    expect(exec.status, exec.stdout + exec.stderr).toEqual(EXPECTED);
  });

  // Gemini CLI drops inherited variables whose names match /TOKEN|SECRET|KEY|AUTH|.../ before it
  // starts a server: conn serve finds CONN_KEYCHAIN_SERVICE only because the entry names it.
  it('connects through conn serve in a proxy render', async () => {
    await conn(['render', '--agent', 'gemini', '--secrets', 'proxy']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });
});

// ---------------------------------------------------------------------------------------------
const opencode = findAgentCli('opencode');
describe.skipIf(!opencode.bin)(`opencode: opencode mcp list --pure ${opencode.skip}`, () => {
  const env = () => {
    const home = w.env.HOME!;
    return {
      ...w.env,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local/share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_STATE_HOME: join(home, '.local/state'),
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    };
  };
  const LINE = /(?:(?<ok>✓)|✗) (?<name>[\w-]+) (?:connected|failed)/;
  const list = async (viaConnExec = false) => {
    const [cmd, args] = viaConnExec ? viaExec('opencode', opencode.bin!, ['mcp', 'list', '--pure']) : [opencode.bin!, ['mcp', 'list', '--pure']];
    const r = await runAgent(cmd, args, { cwd: repo, env: env() });
    return { ...r, status: parse(`${r.stdout}\n${r.stderr}`, LINE) };
  };

  it('connects to every server of an inline render', async () => {
    await conn(['render', '--agent', 'opencode', '--secrets', 'inline']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });

  it('resolves {env:VAR} references of an env render only when run through conn exec', async () => {
    await conn(['render', '--agent', 'opencode', '--secrets', 'env']);
    expect((await list()).status.locked).toBe('failed');
    const exec = await list(true);
    expect(exec.status, exec.stdout + exec.stderr).toEqual(EXPECTED);
  });

  it('connects through conn serve in a proxy render', async () => {
    await conn(['render', '--agent', 'opencode', '--secrets', 'proxy']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });
});

// ---------------------------------------------------------------------------------------------
const codex = findAgentCli('codex');
describe.skipIf(!codex.bin)(`Codex: codex mcp list / app-server ${codex.skip}`, () => {
  const codexHome = () => join(w.tmp, 'codex-home');
  const env = () => ({ ...w.env, CODEX_HOME: codexHome() });
  /** Codex reads a project's .codex/config.toml only when the user trusts the project. */
  const trust = (yes: boolean) => {
    mkdirSync(codexHome(), { recursive: true });
    writeFileSync(join(codexHome(), 'config.toml'), yes ? `[projects.${JSON.stringify(repo)}]\ntrust_level = "trusted"\n` : '');
  };

  it('lists the rendered servers in a trusted project, and none in an untrusted one', async () => {
    await conn(['render', '--agent', 'codex', '--secrets', 'inline']);
    trust(false);
    const untrusted = await runAgent(codex.bin!, ['mcp', 'list', '--json'], { cwd: repo, env: env() });
    expect(JSON.parse(untrusted.stdout)).toEqual([]);
    trust(true);
    const r = await runAgent(codex.bin!, ['mcp', 'list', '--json'], { cwd: repo, env: env() });
    const listed = JSON.parse(r.stdout) as { name: string; enabled: boolean; transport: { command: string; args: string[] } }[];
    expect(listed.map((s) => [s.name, s.enabled, s.transport.command, s.transport.args]).sort()).toEqual([
      ['broken', true, 'node', [join(w.tmp, 'no-such-server.js')]],
      ['locked', true, 'node', [NEEDS_TOKEN]],
      ['mem', true, 'node', [MEM_SERVER]],
    ]);
  });

  it('starts every server of an inline render (app-server)', async () => {
    await conn(['render', '--agent', 'codex', '--secrets', 'inline']);
    trust(true);
    const status = await codexStartupStatus(codex.bin!, { cwd: repo, env: env(), servers: SERVERS });
    expect(status).toEqual({ broken: 'failed', locked: 'ready', mem: 'ready' });
  });

  // Known failure (src/launch/build.ts proxySpec / src/render/agents/codex.ts): Codex starts a
  // server with only HOME, LANG, PATH, SHELL, TERM (and CA-bundle variables) plus the entry's own
  // env. The entry names CONN_HOME and CONN_KEYCHAIN_SERVICE, but not DBUS_SESSION_BUS_ADDRESS, so
  // `conn serve locked` cannot reach the Secret Service; `mem` (no secret) starts. Adding
  // `env_vars = [ "DBUS_SESSION_BUS_ADDRESS" ]` (forwarded by name, not baked in) to each entry
  // makes this test pass (checked by hand).
  it('starts every server of a proxy render through conn serve (app-server)', async () => {
    await conn(['render', '--agent', 'codex', '--secrets', 'proxy']);
    trust(true);
    const status = await codexStartupStatus(codex.bin!, { cwd: repo, env: env(), servers: SERVERS });
    expect(status).toEqual({ broken: 'failed', locked: 'ready', mem: 'ready' });
  });
});
