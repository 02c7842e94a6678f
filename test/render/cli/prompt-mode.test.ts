// `--secrets prompt` (VS Code only): entries reference `${input:ID}`, conn adds one `inputs` item per
// secret (`password: true`) and VS Code asks the user itself. No secret is read or written by conn.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'jsonc-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addApi, addCustom, addNotion, API_TOKEN, assign, claude, NOTION_TOKEN, ok, render, snapshot } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const FILE = '.vscode/mcp.json';
const VSCODE = ['--agent', 'vscode'];
const PROMPT = [...VSCODE, '--secrets', 'prompt'];

interface VsFile {
  inputs?: Record<string, unknown>[];
  servers: Record<string, unknown>;
}
const read = (repo: string): VsFile => parse(readFileSync(join(repo, FILE), 'utf8')) as VsFile;
const text = (repo: string): string => readFileSync(join(repo, FILE), 'utf8');

const input = (id: string, description: string) => ({ type: 'promptString', id, description, password: true });
const NOTION_INPUT = input('conn_notion_NOTION_TOKEN', 'notion: Notion integration token (NOTION_TOKEN)');
const API_INPUT = input('conn_api_token', 'api: Auth header value (token)');
// VS Code entries have the same shape as Claude Code's (`type` always): the shared helpers fit.
const vs = { notion: claude.notion, api: claude.api };

/** Every file conn keeps for this world (its states) and the repo, as text: where a secret must never be. */
function everything(repo: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      if (name.name === '.git' || name.name === 'secrets.json') continue;
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else files.push(readFileSync(path, 'utf8'));
    }
  };
  walk(repo);
  walk(join(w.home, 'renders'));
  return files.join('\n');
}

// The user's own file: a comment, their own input and the server that uses it, trailing commas.
const USER_INPUT_LINE = '    { "type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true },';
const USER_SERVER_LINE = '    "github-user": { "type": "http", "url": "https://api.githubcopilot.com/mcp/", "headers": { "Authorization": "Bearer ${input:gh-token}" } },';
const USER_FILE = `{
  // Prompted once, stored by VS Code
  "inputs": [
${USER_INPUT_LINE}
  ],
  "servers": {
${USER_SERVER_LINE}
  },
}
`;
const USER_SERVER = { type: 'http', url: 'https://api.githubcopilot.com/mcp/', headers: { Authorization: 'Bearer ${input:gh-token}' } };
const USER_INPUT = input('gh-token', 'GitHub token');

function withUserFile(repo: string): string {
  mkdirSync(join(repo, '.vscode'), { recursive: true });
  const path = join(repo, FILE);
  writeFileSync(path, USER_FILE);
  return path;
}

describe('conn render --agent vscode --secrets prompt', () => {
  it('golden: stdio and remote entries reference ${input:ID}, one password input each; http-api stays a conn serve entry', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    await addNotion(w);
    await addApi(w);
    await ok(w, ['add', 'http-api', '--name', 'billing', '--set', 'url=https://api.example.com', '--set', 'auth=bearer', '--secret-stdin', 'token'], { input: 'bill_canary_5e21' });

    const dry = await render(w, repo, [...PROMPT, '--dry-run']);
    expect(readdirSync(repo)).toEqual(['.git']);
    expect(dry.stderr).toContain('dry run, no secret in it, nothing written');

    const r = await render(w, repo, PROMPT);
    expect(r.stdout).toBe('wrote .vscode/mcp.json: api (full), billing (full), notion (full)\n');
    const location = { CONN_HOME: w.home, CONN_KEYCHAIN_SERVICE: w.service };
    const expected = {
      inputs: [API_INPUT, NOTION_INPUT],
      servers: {
        api: vs.api('Bearer ${input:conn_api_token}'),
        billing: claude.proxy('billing', repo, location, 'vscode'),
        notion: vs.notion('${input:conn_notion_NOTION_TOKEN}'),
      },
    };
    expect(read(repo)).toEqual(expected);
    expect(Object.keys(read(repo))).toEqual(['inputs', 'servers']);
    // The dry run printed exactly what was then written (nothing to mask).
    expect(dry.stdout).toBe(text(repo));

    // No secret anywhere: not in the file, the state, the output; so no 0600 and no exclude line.
    for (const secret of [NOTION_TOKEN, API_TOKEN, 'bill_canary_5e21']) {
      expect(everything(repo)).not.toContain(secret);
      expect(r.stdout + r.stderr + dry.stdout + dry.stderr).not.toContain(secret);
    }
    expect(snapshot(join(repo, FILE)).mode).not.toBe(0o600);
    expect(readFileSync(join(repo, '.git/info/exclude'), 'utf8')).not.toContain('/.vscode/mcp.json');

    // (--force: past the no-change fast path, through the full render.)
    const json = await render(w, repo, [...PROMPT, '--json', '--force']);
    expect(JSON.parse(json.stdout)).toMatchObject([{ agent: 'vscode', file: FILE, secrets: 'prompt', status: 'unchanged' }]);
  });

  it('reads no secret from the keychain: it renders with the keychain unreachable, where inline cannot', async () => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    const noBus = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(w.tmp, 'no-such-bus')}` };
    const inline = await w.conn(['render', '--repo', repo, ...VSCODE, '--secrets', 'inline'], { env: noBus });
    expect(inline.code, inline.stderr).toBe(1);
    expect(existsSync(join(repo, FILE))).toBe(false);

    const r = await w.conn(['render', '--repo', repo, ...PROMPT], { env: noBus });
    expect(r.code, r.stderr).toBe(0);
    expect(read(repo)).toEqual({ inputs: [NOTION_INPUT], servers: { notion: vs.notion('${input:conn_notion_NOTION_TOKEN}') } });
  });

  it('keeps prompt mode on later renders without --secrets (fast path, hook, --agent all)', async () => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    await render(w, repo, PROMPT);
    await render(w, repo, ['--agent', 'claude-code']); // another agent, inline
    expect((await render(w, repo, VSCODE)).stdout).toBe('unchanged\n');

    // A change, rendered without --secrets: still prompt, the new connection's secret asked for too.
    await addApi(w);
    expect((await render(w, repo, VSCODE)).stdout).toBe('wrote .vscode/mcp.json: api (full), notion (full)\n');
    // (A new input joins the end of the list, as a new entry does.)
    expect(read(repo).inputs).toEqual([NOTION_INPUT, API_INPUT]);
    expect(text(repo)).not.toContain(API_TOKEN);

    // --agent all and the shell hook: each agent in its own remembered mode.
    await addCustom(w, 'mem');
    const all = await render(w, repo, ['--agent', 'all']);
    expect(all.stdout).toBe('wrote .mcp.json: api (full), mem (full), notion (full)\nwrote .vscode/mcp.json: api (full), mem (full), notion (full)\n');
    expect(read(repo).servers.notion).toEqual(vs.notion('${input:conn_notion_NOTION_TOKEN}'));
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toContain(NOTION_TOKEN);
    await ok(w, ['disable', 'api']);
    const hook = await w.conn(['render', '--auto', '--quiet'], { cwd: repo });
    expect(hook.code, hook.stderr).toBe(0);
    expect(read(repo).inputs).toEqual([NOTION_INPUT]);
    expect(text(repo)).not.toContain(NOTION_TOKEN);
  });

  it("keeps the user's own inputs and comments byte for byte, restores its own, and removes an unassigned connection's input", async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const path = withUserFile(repo);
    await addNotion(w);
    await addApi(w);

    await render(w, repo, PROMPT);
    expect(read(repo)).toEqual({
      inputs: [USER_INPUT, API_INPUT, NOTION_INPUT],
      servers: { 'github-user': USER_SERVER, api: vs.api('Bearer ${input:conn_api_token}'), notion: vs.notion('${input:conn_notion_NOTION_TOKEN}') },
    });
    expect(text(repo).startsWith(`{\n  // Prompted once, stored by VS Code\n  "inputs": [\n${USER_INPUT_LINE}\n    {\n`)).toBe(true);
    expect(text(repo)).toContain(`  "servers": {\n${USER_SERVER_LINE}\n`);

    // conn's own input edited by hand comes back; the user's own edit of theirs stays.
    const edited = text(repo).replace('"description": "notion: Notion integration token (NOTION_TOKEN)"', '"description": "mine now"').replace('"GitHub token"', '"GitHub PAT"');
    writeFileSync(path, edited);
    expect((await render(w, repo, VSCODE)).stdout).toBe('wrote .vscode/mcp.json: api (full), notion (full)\n');
    expect(read(repo).inputs).toEqual([{ ...USER_INPUT, description: 'GitHub PAT' }, API_INPUT, NOTION_INPUT]);
    writeFileSync(path, text(repo).replace('"GitHub PAT"', '"GitHub token"'));

    // notion is no longer assigned here: its entry and its input go, the rest stays.
    await assign(w, 'notion', ['--repo', 'github.com/acme/web']);
    expect((await render(w, repo, VSCODE)).stdout).toBe('wrote .vscode/mcp.json: api (full); removed notion\n');
    expect(read(repo)).toEqual({ inputs: [USER_INPUT, API_INPUT], servers: { 'github-user': USER_SERVER, api: vs.api('Bearer ${input:conn_api_token}') } });
    expect(text(repo)).not.toContain('conn_notion_NOTION_TOKEN');

    // api goes too: the user's file comes back exactly as they wrote it.
    await ok(w, ['disable', 'api']);
    expect((await render(w, repo, VSCODE)).stdout).toBe('wrote .vscode/mcp.json: no servers; removed api\n');
    expect(text(repo)).toBe(USER_FILE);
  });

  it('switching prompt → inline removes its inputs and writes the values (0600, git-excluded); the user input stays', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    withUserFile(repo);
    await addNotion(w);
    await addApi(w);
    await render(w, repo, PROMPT);
    expect(read(repo).inputs).toHaveLength(3);

    const r = await render(w, repo, [...VSCODE, '--secrets', 'inline']);
    expect(r.stdout).toBe('wrote .vscode/mcp.json: api (full), notion (full)\n');
    expect(read(repo)).toEqual({
      inputs: [USER_INPUT],
      servers: { 'github-user': USER_SERVER, api: vs.api(`Bearer ${API_TOKEN}`), notion: vs.notion(NOTION_TOKEN) },
    });
    expect(text(repo)).toContain(`  "inputs": [\n${USER_INPUT_LINE}\n  ],\n`);
    expect(snapshot(join(repo, FILE)).mode).toBe(0o600);
    expect(readFileSync(join(repo, '.git/info/exclude'), 'utf8')).toContain('/.vscode/mcp.json');

    // And back: the inputs return, the values leave.
    await render(w, repo, PROMPT);
    expect(read(repo).inputs).toEqual([USER_INPUT, API_INPUT, NOTION_INPUT]);
    expect(text(repo)).not.toContain(NOTION_TOKEN);
    expect(text(repo)).not.toContain(API_TOKEN);
  });

  it('a new file conn made for prompt mode loses its inputs array with its inputs (env mode)', async () => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    await render(w, repo, PROMPT);
    await render(w, repo, [...VSCODE, '--secrets', 'env']);
    expect(read(repo)).toEqual({ servers: { notion: vs.notion('${env:CONN_NOTION_NOTION_TOKEN}') } });
  });

  it("refuses a user's own input with one of its ids (exit 1, untouched) unless --force", async () => {
    const repo = w.gitRepo('api');
    mkdirSync(join(repo, '.vscode'));
    const path = join(repo, FILE);
    const mine = '{\n  "inputs": [\n    { "type": "promptString", "id": "conn_notion_NOTION_TOKEN", "description": "my own" }\n  ],\n  "servers": {}\n}\n';
    writeFileSync(path, mine);
    await addNotion(w);
    const r = await render(w, repo, PROMPT, 1);
    expect(r.stderr).toContain('.vscode/mcp.json already has its own input with id conn_notion_NOTION_TOKEN, not written by conn');
    expect(readFileSync(path, 'utf8')).toBe(mine);

    await render(w, repo, [...PROMPT, '--force']);
    expect(read(repo).inputs).toEqual([NOTION_INPUT]);
  });
});

describe('--secrets prompt with an agent that cannot ask', () => {
  it('exits 2 with one line and writes nothing', async () => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    for (const agents of [['--agent', 'claude-code'], ['--agent', 'vscode', '--agent', 'cursor']]) {
      const r = await w.conn(['render', '--repo', repo, ...agents, '--secrets', 'prompt']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('--secrets prompt is only for vscode (VS Code asks for the value itself)');
      expect(r.stderr).toContain(agents[agents.length - 1]);
    }
    expect(readdirSync(repo)).toEqual(['.git']);
    expect(existsSync(join(w.home, 'renders'))).toBe(false);
  });

  it('--agent all: exits 2 before writing anything, naming the agents that cannot; with only vscode here it renders', async () => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    const vscodeFile = withUserFile(repo);
    mkdirSync(join(repo, '.gemini'));
    writeFileSync(join(repo, '.gemini/settings.json'), '{ "theme": "GitHub" }\n');
    // (gemini comes after vscode: a refusal found only at gemini's turn would come after vscode was written.)
    const before = [snapshot(vscodeFile), snapshot(join(repo, '.gemini/settings.json'))];

    const r = await w.conn(['render', '--repo', repo, '--agent', 'all', '--secrets', 'prompt']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--secrets prompt is only for vscode (VS Code asks for the value itself); this render would also write gemini');
    expect([snapshot(vscodeFile), snapshot(join(repo, '.gemini/settings.json'))]).toEqual(before);
    expect(existsSync(join(w.home, 'renders'))).toBe(false);

    // gemini not here: --agent all is vscode alone, in prompt mode.
    rmSync(join(repo, '.gemini'), { recursive: true });
    expect((await render(w, repo, ['--agent', 'all', '--secrets', 'prompt'])).stdout).toBe('wrote .vscode/mcp.json: notion (full)\n');
    expect(read(repo).inputs).toEqual([USER_INPUT, NOTION_INPUT]);
  });
});
