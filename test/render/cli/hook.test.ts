// `conn hook bash|zsh|fish`, sourced in the real shell: re-renders on cd into repos rendered before,
// quietly, and never fails the shell.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, makeWorld, requireKeychain, runProcess, type RunResult, type World } from '../../helpers/world.js';
import { addCustom, addNotion, claude, mcpJson, NOTION_TOKEN, ok, render, snapshot } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

/**
 * Each script loads the hook the way a user's rc file does, then cds into $REPO with errexit on
 * (a failing hook would end the shell before `after`), and prints the status the shell saw.
 * Bash runs the hook from PROMPT_COMMAND, which a non-interactive shell never prompts for: call it.
 */
const SHELLS = {
  bash: {
    args: ['-e', '-c', 'eval "$("$CONN_NODE" "$CONN_BIN_PATH" hook bash)"; cd "$REPO"; __conn_cd_hook; echo "after $?"; case "$PROMPT_COMMAND" in *__conn_cd_hook*) echo prompt-hooked;; esac'],
    hooked: 'prompt-hooked\n',
  },
  zsh: {
    args: ['-e', '-c', 'eval "$("$CONN_NODE" "$CONN_BIN_PATH" hook zsh)"; cd "$REPO"; echo "after $?"'],
    hooked: '',
  },
  fish: {
    args: ['-c', '$CONN_NODE $CONN_BIN_PATH hook fish | source; cd $REPO; echo "after $status"'],
    hooked: '',
  },
} as const;

for (const [shell, drive] of Object.entries(SHELLS)) {
  // .ci/run installs bash, zsh and fish: in CI a missing shell is a failure, not a skip.
  describe.skipIf(!has(shell) && !process.env.CI)(`conn hook ${shell}${has(shell) ? '' : ' (skipped: not installed)'}`, () => {
    const cdInto = (repo: string): Promise<RunResult> =>
      runProcess(shell, [...drive.args], { cwd: w.tmp, env: { ...w.env, CONN_NODE: process.execPath, CONN_BIN_PATH: CONN_BIN, REPO: repo } });

    it('re-renders on cd into a repo rendered before, in the mode it was rendered in, and says what it wrote', async () => {
      const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
      await addCustom(w, 'mem');
      await render(w, repo, ['--secrets', 'env']);
      await addNotion(w);

      const r = await cdInto(repo);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`after 0\n${drive.hooked}`);
      // One short line per repo, naming what changed.
      expect(r.stderr).toBe('conn: api: updated .mcp.json (+notion)\n');
      expect(mcpJson(repo)).toEqual({ mcpServers: { mem: claude.custom, notion: claude.notion('${CONN_NOTION_NOTION_TOKEN}') } });
      expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).not.toContain(NOTION_TOKEN);
    });

    it('prints nothing and writes nothing when the repo is unchanged', async () => {
      const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
      await addCustom(w, 'mem');
      await render(w, repo);
      const before = snapshot(join(repo, '.mcp.json'));
      const r = await cdInto(repo);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`after 0\n${drive.hooked}`);
      expect(r.stderr).toBe('');
      expect(snapshot(join(repo, '.mcp.json'))).toEqual(before);
    });

    it('does nothing in a repo never rendered', async () => {
      const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
      await addCustom(w, 'mem');
      const r = await cdInto(repo);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
      expect(existsSync(join(w.home, 'renders'))).toBe(false);
    });

    it('never fails the shell when conn fails, and says why', async () => {
      const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
      await addCustom(w, 'mem');
      await render(w, repo);
      const before = snapshot(join(repo, '.mcp.json'));
      writeFileSync(join(w.home, 'config.json'), '{ "connections": ');

      const r = await cdInto(repo);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`after 0\n${drive.hooked}`);
      expect(r.stderr).toMatch(/^conn: .*cannot parse the catalog/);
      expect(r.stderr).not.toContain('conn: conn:');
      expect(snapshot(join(repo, '.mcp.json'))).toEqual(before);
    });
  });
}

describe('conn hook', () => {
  it('renders the repo a hook-less `conn render --auto` would, and nothing for a never-rendered one', async () => {
    const repo = w.gitRepo('api', 'git@github.com:acme/api.git');
    const other = w.gitRepo('web', 'git@github.com:acme/web.git');
    await addCustom(w, 'mem');
    await render(w, repo, ['--agent', 'cursor']);
    await addCustom(w, 'more');
    const auto = await ok(w, ['render', '--auto', '--quiet'], { cwd: repo });
    // Only the agent rendered here before: cursor, not the default claude-code.
    // With --quiet the one line about a change goes to stderr (the hook shows both streams).
    expect(auto.stderr).toBe('api: updated .cursor/mcp.json (+more)\n');
    expect(auto.stdout).toBe('');
    expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
    const none = await ok(w, ['render', '--auto'], { cwd: other });
    expect(none.stdout + none.stderr).toBe('');
  });
});
