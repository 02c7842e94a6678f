// The agents added beside the first four, checked by their own CLIs (pinned in .ci/run): each reads
// the file `conn render` wrote and lists or connects to its servers, offline, with a throw-away HOME.
// `mem` is the reference memory server (stdio); `locked` starts only with the right secret; `broken`
// never starts; `web` is Streamable HTTP behind a proxy that lets through only the right bearer token.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';
import { fixture, startHttpFixture, type HttpFixture } from '../probe/helpers.js';
import { findAgentCli, runAgent } from './agent-clis.js';
import { spawnProgramPty } from '../helpers/pty.js';

const MEM_SERVER = join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');
const NEEDS_TOKEN = join(ROOT, 'test/fixtures/render/needs-token.mjs');
const SECRET = 'sk_agent_cli_canary_7c40';
const BEARER = `bearer-${Math.random().toString(36).slice(2)}`;

type Status = Record<string, 'connected' | 'failed'>;

/** How long an interactive screen may show a server as still starting before the test fails. */
const LOOK_FOR = 90_000;
/**
 * Between two looks at an interactive screen: the next thing it draws by itself (a server's state
 * changed), or a quarter second, whichever is first. Only spaces the looks; what ends the wait is
 * the screen showing the answer.
 */
function nextLook(s: ReturnType<typeof spawnProgramPty>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const pause = new Promise<void>((resolve) => (timer = setTimeout(resolve, 250)));
  return Promise.race([s.waitFor(/[\s\S]/, s.output().length).catch(() => undefined), pause]).finally(() => clearTimeout(timer));
}
const EXPECTED: Status = { broken: 'failed', locked: 'connected', mem: 'connected', web: 'connected' };

let streamable: HttpFixture;
let proxy: HttpFixture;
beforeAll(async () => {
  streamable = await startHttpFixture(fixture('everything-http.mjs'), ['streamableHttp']);
  proxy = await startHttpFixture(fixture('bearer-proxy.mjs'), [streamable.url('/')], { BEARER_TOKEN: BEARER });
});
afterAll(async () => {
  await Promise.all([streamable, proxy].filter(Boolean).map((f) => f.stop()));
});

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
  await conn(['add', 'remote', '--name', 'web', '--no-match-preset', '--set', `url=${proxy.url('/mcp')}`, '--secret-stdin', 'token'], BEARER);
});
afterEach(() => w.cleanup());

async function conn(args: string[], input?: string): Promise<string> {
  const r = await w.conn(args, { cwd: repo, input });
  expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** `conn exec --agent AGENT -- <cli> ARGS`: the agent gets the secret variables of an env render. */
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

const xdg = (home: string) => ({
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_DATA_HOME: join(home, '.local/share'),
  XDG_CACHE_HOME: join(home, '.cache'),
  XDG_STATE_HOME: join(home, '.local/state'),
});

// ---------------------------------------------------------------------------------------------
const qwen = findAgentCli('qwen');
describe.skipIf(!qwen.bin)(`Qwen Code: qwen mcp approve --all, qwen mcp list ${qwen.skip}`, () => {
  const LINE = /^(?:(?<ok>✓)|✗) (?<name>[\w-]+): .* - (?:Connected|Disconnected)$/;
  const list = async (viaConnExec = false) => {
    const run = (args: string[]) => {
      const [cmd, argv] = viaConnExec ? viaExec('qwen-code', qwen.bin!, args) : [qwen.bin!, args];
      return runAgent(cmd, argv, { cwd: repo, env: w.env });
    };
    // The trust step render prints: approval is bound to the config as expanded, so it runs the same way.
    await run(['mcp', 'approve', '--all']);
    const r = await run(['mcp', 'list']);
    return { ...r, status: parse(`${r.stdout}\n${r.stderr}`, LINE) };
  };

  it('connects to every server of an inline render', async () => {
    await conn(['render', '--agent', 'qwen-code', '--secrets', 'inline']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });

  it('resolves ${VAR} references of an env render only when run through conn exec', async () => {
    await conn(['render', '--agent', 'qwen-code', '--secrets', 'env']);
    const bare = await list();
    expect(bare.status.locked, bare.stdout).toBe('failed');
    expect(bare.status.web, bare.stdout).toBe('failed');
    const exec = await list(true);
    expect(exec.status, exec.stdout + exec.stderr).toEqual(EXPECTED);
  });

  it('connects through conn serve in a proxy render', async () => {
    await conn(['render', '--agent', 'qwen-code', '--secrets', 'proxy']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });
});

// ---------------------------------------------------------------------------------------------
const kilo = findAgentCli('kilo');
describe.skipIf(!kilo.bin)(`Kilo: kilo mcp list ${kilo.skip}`, () => {
  const LINE = /(?:(?<ok>✓)|✗) (?<name>[\w-]+) (?:connected|failed)/;
  const list = async () => {
    const r = await runAgent(kilo.bin!, ['mcp', 'list'], { cwd: repo, env: { ...w.env, ...xdg(w.env.HOME!) } });
    return { ...r, status: parse(`${r.stdout}\n${r.stderr}`, LINE) };
  };

  it('connects to every server of an inline render', async () => {
    await conn(['render', '--agent', 'kilo', '--secrets', 'inline']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });

  it('has no env mode (Kilo expands no reference): render says to use proxy or inline', async () => {
    const r = await w.conn(['render', '--agent', 'kilo', '--secrets', 'env'], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--secrets proxy');
  });

  it('connects through conn serve in a proxy render', async () => {
    await conn(['render', '--agent', 'kilo', '--secrets', 'proxy']);
    const r = await list();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });
});

// ---------------------------------------------------------------------------------------------
const amp = findAgentCli('amp');
// Each server is approved by name (one CLI start each) before `doctor` connects: allow for it.
describe.skipIf(!amp.bin)(`Amp: amp mcp approve, amp mcp doctor ${amp.skip}`, { timeout: 180_000 }, () => {
  // Amp needs an API key to be set to anything to start offline.
  const env = () => ({ ...w.env, ...xdg(w.env.HOME!), AMP_API_KEY: 'offline' });
  const LINE = /^(?<name>[\w-]+) \(workspace: [^)]*\): (?:(?<ok>connected)|error)\b/;
  const doctor = async (viaConnExec = false) => {
    const run = (args: string[]) => {
      const [cmd, argv] = viaConnExec ? viaExec('amp', amp.bin!, args) : [amp.bin!, args];
      return runAgent(cmd, argv, { cwd: repo, env: env() });
    };
    for (const name of Object.keys(EXPECTED)) await run(['mcp', 'approve', name]);
    const r = await run(['mcp', 'doctor']);
    return { ...r, status: parse(`${r.stdout}\n${r.stderr}`, LINE) };
  };

  it('connects to every server of an inline render', async () => {
    await conn(['render', '--agent', 'amp', '--secrets', 'inline']);
    const r = await doctor();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });

  it('resolves ${VAR} references of an env render only when run through conn exec', async () => {
    await conn(['render', '--agent', 'amp', '--secrets', 'env']);
    const bare = await doctor();
    expect(bare.status.locked, bare.stdout).toBe('failed');
    const exec = await doctor(true);
    expect(exec.status, exec.stdout + exec.stderr).toEqual(EXPECTED);
  });

  it('connects through conn serve in a proxy render', async () => {
    await conn(['render', '--agent', 'amp', '--secrets', 'proxy']);
    const r = await doctor();
    expect(r.status, r.stdout + r.stderr).toEqual(EXPECTED);
  });
});

// ---------------------------------------------------------------------------------------------
// Copilot CLI connects servers only in its interactive screen (which needs a terminal: see the pty
// tests below); `copilot mcp list --json` shows what it read from the project's .mcp.json, after the trust step.
const copilot = findAgentCli('copilot');
describe.skipIf(!copilot.bin)(`Copilot CLI: copilot mcp list --json ${copilot.skip}`, () => {
  const list = async (trusted: boolean) => {
    mkdirSync(join(w.env.HOME!, '.copilot'), { recursive: true });
    writeFileSync(join(w.env.HOME!, '.copilot/config.json'), JSON.stringify({ trustedFolders: trusted ? [repo] : [] }));
    const r = await runAgent(copilot.bin!, ['mcp', 'list', '--json'], { cwd: repo, env: w.env });
    return (JSON.parse(r.stdout) as { mcpServers: Record<string, Record<string, unknown>> }).mcpServers;
  };

  it('reads the servers of a render only once the folder is trusted', async () => {
    const out = await w.conn(['render', '--agent', 'copilot', '--secrets', 'env'], { cwd: repo });
    expect(out.stderr).toContain('trustedFolders');
    expect(await list(false)).toEqual({});
    const servers = await list(true);
    expect(Object.keys(servers).sort()).toEqual(['broken', 'locked', 'mem', 'web']);
    expect(servers.mem).toMatchObject({ type: 'stdio', command: 'node', args: [MEM_SERVER], source: 'workspace', enabled: true });
    expect(servers.web).toMatchObject({ type: 'http', url: proxy.url('/mcp'), headers: { Authorization: 'Bearer ${CONN_WEB_TOKEN}' } });
  });

  it("reads Claude Code's and its own entries from the one .mcp.json", async () => {
    await conn(['assign', 'web', '--repo', '.', '--agent', 'copilot']);
    await conn(['assign', 'mem', '--repo', '.', '--agent', 'claude-code']);
    await conn(['render', '--agent', 'claude-code', '--secrets', 'proxy']);
    await conn(['render', '--agent', 'copilot', '--secrets', 'proxy']);
    const servers = await list(true);
    expect(Object.keys(servers).sort()).toEqual(['broken', 'locked', 'mem', 'web']);
    expect((servers.web!.args as string[]).slice(-2)).toEqual(['--agent', 'copilot']);
    expect((servers.mem!.args as string[]).slice(-2)).toEqual(['--agent', 'claude-code']);
  });
});

// ---------------------------------------------------------------------------------------------
// Copilot CLI's interactive screen, through a pty: `/mcp list` works before login (offline, no
// network but loopback) and shows each server of the trusted folder's .mcp.json as connected or
// failed. Servers still starting are asked for again once the answer is on screen (no sleeps).
describe.skipIf(!copilot.bin)(`Copilot CLI: interactive /mcp list through a pty ${copilot.skip}`, () => {
  const NAMES = Object.keys(EXPECTED);
  // `• web (Everything Reference Server) — connected`: the server's own title may follow the name.
  const LINE = /^• (?<name>[\w-]+)(?: \([^)\n]*\))? — (?<status>[a-z]+)/;

  /** A wait on the screen with a generous deadline, failing with what the screen showed. */
  function seen(s: ReturnType<typeof spawnProgramPty>, text: string | RegExp, from?: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`copilot: ${String(text)} not shown within 60 s; screen:\n${s.output().slice(-3000)}`)), 60_000);
    });
    return Promise.race([s.waitFor(text, from), deadline]).finally(() => clearTimeout(timer));
  }

  async function mcpList(viaConnExec: boolean): Promise<Status> {
    mkdirSync(join(w.env.HOME!, '.copilot'), { recursive: true });
    writeFileSync(join(w.env.HOME!, '.copilot/config.json'), JSON.stringify({ trustedFolders: [repo] }));
    const [file, argv] = viaConnExec ? viaExec('copilot', copilot.bin!, []) : [copilot.bin!, []];
    const s = spawnProgramPty(file, argv, { cwd: repo, env: w.env, cols: 220, rows: 60, plain: true, label: 'copilot', term: 'xterm-256color' });
    try {
      await seen(s, '/ commands');
      for (const until = Date.now() + LOOK_FOR; ; await nextLook(s)) {
        if (Date.now() > until) throw new Error(`copilot /mcp list: servers still starting after ${LOOK_FOR / 1000} s; screen:\n${s.output().slice(-3000)}`);
        const from = s.output().length;
        s.write('/mcp list');
        await seen(s, '/mcp list', from);
        s.write('\r');
        // The answer, once every server has a line with a status word.
        await seen(s, new RegExp(`MCP Servers:${NAMES.map((n) => `(?=[\\s\\S]*• ${n}(?: \\([^)\\n]*\\))? — [a-z]+)`).join('')}`), from);
        const answer = s.output().slice(from);
        const status: Record<string, string> = {};
        for (const line of answer.slice(answer.lastIndexOf('MCP Servers:')).split('\n')) {
          const m = LINE.exec(line.trim());
          // `failed: …` (did not start), `not connected` (a remote it could not connect to), `connected`.
          if (m?.groups) status[m.groups.name!] = m.groups.status === 'not' ? 'failed' : m.groups.status!;
        }
        if (NAMES.every((n) => status[n] === 'connected' || status[n] === 'failed')) return status as Status;
      }
    } finally {
      // The whole group (conn exec and copilot under it), and wait: copilot writes into ~/.copilot until it exits.
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await s.exit;
    }
  }

  it('connects the stdio and the bearer-protected HTTP servers of an inline render', async () => {
    await conn(['render', '--agent', 'copilot']);
    expect(await mcpList(false)).toEqual(EXPECTED);
  }, 180_000);

  it('connects them from an env render when started through conn exec, and not without it', async () => {
    await conn(['render', '--agent', 'copilot', '--secrets', 'env']);
    expect(await mcpList(true)).toEqual(EXPECTED);
    // Started bare, the references stay unresolved: the secret-holding servers do not connect.
    expect(await mcpList(false)).toEqual({ broken: 'failed', locked: 'failed', mem: 'connected', web: 'failed' });
  }, 240_000);
});

// ---------------------------------------------------------------------------------------------
// Continue CLI (`cn`) loads no workspace block by itself, and refuses a block with more than one
// server ("mcpServers: Array must contain exactly 1 element(s)"), which is why conn writes one block
// per server. The CLI is given a config that lists conn's blocks with `uses:` (the README's example),
// relative to where cn runs; with no model it never calls one. The interactive `/mcp` screen, driven
// through a pty, shows each server with the number of tools it listed once connected.
// `${{ secrets.VAR }}` is filled from the environment.
const cn = findAgentCli('cn');
describe.skipIf(!cn.bin)(`Continue CLI: the /mcp screen through a pty ${cn.skip}`, () => {
  const CONNECTED = ['locked', 'mem', 'web'];
  // `🟢 web (🔧13 📝4)`: tools, then prompts.
  const tools = (name: string) => new RegExp(`${name} \\(🔧[1-9]\\d*[^)\\n]*\\)`);

  async function mcpScreen(viaConnExec: boolean): Promise<string> {
    // Each block a valid one-server block, listed in a config of the user's.
    const blocks = readdirSync(join(repo, '.continue/mcpServers')).sort();
    expect(blocks).toEqual(['conn-broken.yaml', 'conn-locked.yaml', 'conn-mem.yaml', 'conn-web.yaml']);
    const config = ['name: my cn config', 'version: 0.0.1', 'schema: v1', 'mcpServers:', ...blocks.map((b) => `  - uses: ./.continue/mcpServers/${b}`), ''].join('\n');
    writeFileSync(join(repo, 'cn.yaml'), config);
    const args = ['--config', 'cn.yaml'];
    const [file, argv] = viaConnExec ? viaExec('continue', cn.bin!, args) : [cn.bin!, args];
    const s = spawnProgramPty(file, argv, { cwd: repo, env: w.env, cols: 160, rows: 60, plain: true, label: 'cn', term: 'xterm-256color' });
    const seen = (text: string | RegExp, from?: number) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`cn: ${String(text)} not shown within 60 s; screen:\n${s.output().slice(-4000)}`)), 60_000);
      });
      return Promise.race([s.waitFor(text, from), deadline]).finally(() => clearTimeout(timer));
    };
    try {
      // The start screen lists the servers it loaded.
      await seen(/MCP Servers:[\s\S]*- web/);
      const open = s.output().length;
      s.write('/mcp');
      await seen('● /mcp', open);
      s.write('\r');
      await seen(/MCP Servers[\s\S]*Back/, open);
      // cn 1.5 can keep an old copy of the servers' state on screen (🟢 with no count) after their
      // tools have loaded: its service registry stores the state its start returned over later
      // updates. "Restart all servers" runs each connection again outside the registry's start, and
      // every step of it is shown. A key pressed while a menu is being mounted can be lost, so the
      // first move is repeated until the selection is seen to move.
      // The item under the selection, by name (its icon and counts change with the server's state).
      // Only a line drawn whole counts (it ends at the panel's right border): output arrives in chunks.
      const selected = () => {
        const lines = [...s.output().slice(-20_000).matchAll(/➤ ([^\n│]*)│/g)];
        const label = lines.at(-1)?.[1]?.trim() ?? '';
        return label.replace(/^\S+\s+/, '').replace(/\s*\(.*$/, '').trim();
      };
      const MENU = ['broken', 'locked', 'mem', 'web', 'Restart all servers', 'Stop all servers', 'Explore MCP Servers', 'Back'];
      /** Presses a key and waits until the selection has moved (server state redraws do not count). */
      const move = async (key: string, giveUpMs = 60_000): Promise<boolean> => {
        const before = selected();
        s.write(key);
        for (const end = Date.now() + giveUpMs; Date.now() < end; ) {
          if (selected() !== before) return true;
          await Promise.race([s.waitFor(/➤/, s.output().length), new Promise((resolve) => setTimeout(resolve, Math.min(500, giveUpMs)))]);
        }
        return selected() !== before;
      };
      let tries = 0;
      while (!(await move('\x1b[B', 2_000))) {
        if (++tries === 10) throw new Error(`cn: the /mcp menu took no key; screen:\n${s.output().slice(-3000)}`);
      }
      let from = s.output().length;
      for (let attempt = 0; ; attempt++) {
        // To "Restart all servers" from wherever the selection is, one key at a time.
        for (let at = MENU.indexOf(selected()); at !== MENU.indexOf('Restart all servers'); at = MENU.indexOf(selected())) {
          if (at < 0) throw new Error(`cn: unknown selection ${selected()}; screen:\n${s.output().slice(-3000)}`);
          if (!(await move(at < 4 ? '\x1b[B' : '\x1b[A'))) throw new Error(`cn: the selection did not move; screen:\n${s.output().slice(-3000)}`);
        }
        from = s.output().length;
        s.write('\r');
        await seen(/All servers (restarted|stopped)|Opened MCP servers hub|Server: /, from);
        if (/All servers restarted/.test(s.output().slice(from))) break;
        // A key that came late moved the selection past it: "Stop all" is undone by the restart.
        if (attempt === 2) throw new Error(`cn: could not select Restart all servers; screen:\n${s.output().slice(-3000)}`);
        if (/Server: /.test(s.output().slice(from))) s.write('\x1b');
        await seen(/MCP Servers[\s\S]*Restart all servers/, s.output().length);
      }
      // Every step of the restart redraws the panel; move the selection (up and down: Enter is not
      // pressed again) to have it drawn until every server that should connect shows its tool count.
      for (let until = Date.now() + LOOK_FOR, up = true; ; up = !up) {
        const panel = s.output().slice(from);
        if (CONNECTED.every((n) => tools(n).test(panel))) return panel;
        if (Date.now() > until) throw new Error(`cn: servers still starting after ${LOOK_FOR / 1000} s; screen:\n${s.output().slice(-3000)}`);
        await nextLook(s);
        const before = s.output().length;
        s.write(up ? '\x1b[A' : '\x1b[B');
        await seen(/MCP Servers[\s\S]*Back/, before);
      }
    } finally {
      try {
        process.kill(-s.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await s.exit;
    }
  }

  it('connects the stdio and the bearer-protected HTTP servers of an inline render', async () => {
    await conn(['render', '--agent', 'continue']);
    const panel = await mcpScreen(false);
    for (const name of CONNECTED) expect(panel).toMatch(tools(name));
    expect(panel).toMatch(/broken/);
    expect(panel).not.toMatch(tools('broken'));
  }, 240_000);

  it('connects them from an env render (${{ secrets.VAR }}) started through conn exec', async () => {
    await conn(['render', '--agent', 'continue', '--secrets', 'env']);
    const panel = await mcpScreen(true);
    for (const name of CONNECTED) expect(panel).toMatch(tools(name));
  }, 240_000);
});
