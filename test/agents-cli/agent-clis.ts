// The real agent CLIs as offline verifiers of what `conn render` writes (Claude Code, Gemini CLI,
// opencode, Codex; Copilot CLI, Qwen Code, Amp, Kilo in more-agents.test.ts). They are not dependencies of conn: the tests look for them in
// $CONN_AGENT_CLIS_DIR (an npm --prefix dir or a bin dir; overrides the rest), <ROOT>/node_modules/.bin,
// or /tmp/agentclis/node_modules/.bin, and are skipped, saying so, when a CLI is missing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, type RunResult } from '../helpers/world.js';

export const INSTALL_HINT =
  'npm install --prefix /tmp/agentclis @anthropic-ai/claude-code @google/gemini-cli opencode-ai @openai/codex @github/copilot @qwen-code/qwen-code @sourcegraph/amp @kilocode/cli @continuedev/cli';

function binDirs(): string[] {
  const override = process.env.CONN_AGENT_CLIS_DIR;
  if (override) return [join(override, 'node_modules/.bin'), override];
  return [join(ROOT, 'node_modules/.bin'), '/tmp/agentclis/node_modules/.bin'];
}

export interface AgentCli {
  bin?: string;
  /** Why the tests are skipped, when `bin` is missing. */
  skip: string;
}

export function findAgentCli(name: string): AgentCli {
  for (const dir of binDirs()) {
    const bin = join(dir, name);
    if (existsSync(bin)) return { bin, skip: '' };
  }
  const skip = `skipped: \`${name}\` not found in ${binDirs().join(' or ')} (install: ${INSTALL_HINT})`;
  // Printed once at collection, so a run without the CLIs says why rather than passing silently.
  process.stderr.write(`[agents-cli] ${skip}\n`);
  return { skip };
}

/**
 * Runs an agent CLI in its own process group and kills the whole group when it exits (or at the
 * timeout): some leave a stdio MCP server behind.
 */
export function runAgent(bin: string, args: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(killGroup, opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('exit', killGroup);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup();
      resolve({ code, signal, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr) });
    });
  });
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/**
 * Codex: `codex mcp list` only parses the config. To see whether servers really start, drive
 * `codex app-server` (JSON-RPC over stdio): initialize, start an ephemeral thread in the repo, and
 * collect `mcpServer/startupStatus/updated` until every expected server is ready or failed.
 */
export function codexStartupStatus(
  bin: string,
  opts: { cwd: string; env: Record<string, string>; servers: string[]; timeoutMs?: number },
): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['app-server'], { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    const status: Record<string, string> = {};
    let id = 0;
    let settled = false;
    const send = (msg: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...msg })}\n`);
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      if (err) reject(err);
      else resolve(status);
    };
    const timer = setTimeout(() => finish(new Error(`codex app-server: no final status within the timeout: ${JSON.stringify(status)}`)), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => finish(err));
    child.on('exit', (code) => finish(new Error(`codex app-server exited (${code}) before every server started: ${JSON.stringify(status)}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: { id?: number; method?: string; params?: { name: string; status: string }; error?: unknown };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.id === 1) {
        if (msg.error) return finish(new Error(`codex initialize failed: ${JSON.stringify(msg.error)}`));
        send({ method: 'initialized' });
        send({ id: ++id, method: 'thread/start', params: { cwd: opts.cwd, ephemeral: true } });
      } else if (msg.method === 'mcpServer/startupStatus/updated' && msg.params) {
        status[msg.params.name] = msg.params.status;
        const done = (s: string | undefined) => s !== undefined && s !== 'starting';
        if (opts.servers.every((n) => done(status[n]))) finish();
      }
    });
    send({ id: ++id, method: 'initialize', params: { clientInfo: { name: 'conn-tests', version: '0' } } });
  });
}
