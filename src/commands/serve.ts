import type { Command } from 'commander';
import { parseAgent, parsePermission } from '../access/assignments.js';
import { decidePermission } from '../access/permission.js';
import type { Agent, Connection, Permission } from '../catalog/model.js';
import { AGENTS } from '../catalog/constants.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';
import type { LazyRecord, ToolDrift } from '../serve/lazy.js';

export interface ServeOptions {
  name: string;
  /** Given with --permission. With --repo/--agent too, the lower of the two applies. */
  permission?: Permission;
  /** Both or neither: the assignment that applies to this repo and agent decides the permission. */
  repo?: string;
  agent?: Agent;
  connectTimeoutMs: number;
  maxBodyBytes?: number;
  /** eager: start the server now; lazy: on first use, answering from the record of conn test until then. Default: lazy with a fresh record. */
  start?: 'eager' | 'lazy';
  /** --http: Streamable HTTP at /mcp instead of stdio. */
  http?: HttpServeOptions;
}

export interface HttpServeOptions {
  host: string;
  port: number;
  /** --token-stdin: the bearer token is read from stdin. */
  tokenStdin: boolean;
  /** --no-token: no token asked (loopback only). */
  noToken: boolean;
  /** --json: {url, token} on stdout. */
  json: boolean;
}

interface ServeFlags {
  start?: string;
  permission?: string;
  repo?: string;
  agent?: string;
  timeout?: string;
  maxBody?: string;
  http?: boolean;
  listen?: string;
  tokenStdin?: boolean;
  /** commander's --no-token: false when given. */
  token?: boolean;
  allowRemote?: boolean;
  json?: boolean;
}

export function parseServe(name: string, flags: ServeFlags): ServeOptions {
  if ((flags.repo === undefined) !== (flags.agent === undefined)) {
    throw new UsageError('--repo and --agent go together', 'conn serve NAME --repo DIR --agent AGENT, or conn serve NAME --permission LEVEL');
  }
  if (!flags.http) {
    const stray = HTTP_ONLY.find((k) => flags[k] !== undefined) ?? (flags.token === false ? 'token' : undefined);
    if (stray) throw new UsageError(`--${stray === 'token' ? 'no-token' : stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --http`, `conn serve ${name} --http --permission read`);
  }
  if (flags.permission === undefined && flags.repo === undefined) {
    throw new UsageError('conn serve needs --permission, or --repo and --agent to look the permission up', `conn serve ${name} --repo . --agent claude-code`);
  }
  return {
    name,
    ...(flags.permission !== undefined ? { permission: parsePermission(flags.permission) } : {}),
    ...(flags.repo !== undefined ? { repo: flags.repo, agent: parseAgent(flags.agent!) } : {}),
    connectTimeoutMs: positive(flags.timeout ?? '30', '--timeout') * 1000,
    ...(flags.maxBody !== undefined ? { maxBodyBytes: positive(flags.maxBody, '--max-body') } : {}),
    ...(flags.start !== undefined ? { start: parseStart(flags.start) } : {}),
    ...(flags.http ? { http: parseHttp(name, flags) } : {}),
  };
}

function parseStart(value: string): 'eager' | 'lazy' {
  if (value === 'eager' || value === 'lazy') return value;
  throw new UsageError(`--start must be eager or lazy, not ${value}`);
}

/** A record of `conn test` younger than this answers for a lazily started server. */
export const LAZY_RECORD_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** What a lazy start answers with, when `conn test` recorded enough of it recently enough. */
export function lazyRecord(conn: Connection, now: Date): LazyRecord | undefined {
  const h = conn.health;
  if (!h.tools || !h.server || !h.capabilities || !h.checkedAt) return undefined;
  if (now.getTime() - Date.parse(h.checkedAt) > LAZY_RECORD_MAX_AGE_MS) return undefined;
  return {
    server: {
      era: h.era === 'modern' ? '2026' : '2025',
      protocolVersion: h.protocolVersion ?? '',
      info: { name: h.server.name, version: h.server.version ?? '' },
      capabilities: h.capabilities,
      ...(h.instructions ? { instructions: h.instructions } : {}),
    },
    tools: h.tools,
  };
}

const HTTP_ONLY = ['listen', 'tokenStdin', 'allowRemote', 'json'] as const;

function parseHttp(name: string, flags: ServeFlags): HttpServeOptions {
  const { host, port } = parseListen(flags.listen ?? '127.0.0.1:0');
  const noToken = flags.token === false;
  if (noToken && flags.tokenStdin) throw new UsageError('--no-token and --token-stdin contradict each other');
  if (!isLoopback(host)) {
    if (!flags.allowRemote) {
      throw new UsageError(`--listen ${host} is not a loopback address: other machines could reach it`, `conn serve ${name} --http --listen ${flags.listen} --allow-remote`);
    }
    if (noToken) throw new UsageError('--no-token is accepted only on a loopback address', `conn serve ${name} --http --listen 127.0.0.1:0 --no-token`);
  }
  return { host, port, tokenStdin: flags.tokenStdin === true, noToken, json: flags.json === true };
}

/** HOST:PORT, [V6]:PORT or PORT alone (on 127.0.0.1). */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen takes HOST:PORT (e.g. 127.0.0.1:8808, or 127.0.0.1:0 for a free port), not ${value}`);
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

/** The same test as the HTTP side's (serve/agent-http.ts), kept here so parsing loads nothing. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, not ${value}`);
  return n;
}

export async function run(opts: ServeOptions, deps: Deps): Promise<void> {
  // Loading from the start, side by side with the catalog read and the permission decision: all of
  // it is on the way to starting the real server, and the agent waits for every millisecond of it.
  const loading = Promise.all([import('../presets/effective.js'), import('../launch/build.js'), import('../serve/start-server.js')]);
  loading.catch(() => undefined); // an import that fails is reported where it is awaited
  const catalog = await deps.catalog.read();
  const { conn, permission, root, lists } = await decidePermission(catalog, opts);
  // SEP-1024: stdin is the agent's protocol stream, so an unapproved registry connection is refused.
  if (conn.registry) await (await import('../registry/consent.js')).ensureConsent([conn], deps.catalog);
  const registry = await deps.presets();
  const [{ presetFor }, { launchSpec }, { launchStdio }] = await loading;
  const preset = presetFor(conn, registry);
  const credentials = await deps.credentials.resolve([conn], 'resolve');
  const spec = launchSpec(conn, preset, permission, credentials.values(conn.name));
  // Lazy start answers a stdio agent from the record; --http starts the server with the listener.
  const record = spec.kind !== 'http-api' && opts.start !== 'eager' && !opts.http ? lazyRecord(conn, deps.clock()) : undefined;
  if (opts.start === 'lazy' && !record) deps.io.err(`conn serve ${conn.name}: no recent record of conn test (tools, server, within 7 days)${opts.http ? ', or --http' : ''}: starting the server now`);
  // The real server starts now (unless lazily): its start-up overlaps the rest of ours.
  const launched = spec.kind === 'stdio' && !record ? launchStdio(spec) : undefined;
  const http = opts.http ? await httpSetup(opts.http) : undefined;

  const { appendAudit } = await import('../audit/log.js');
  try {
    appendAudit(deps.home, {
      time: deps.clock().toISOString(),
      command: 'serve',
      ...(root !== undefined ? { repo: root, agent: opts.agent } : {}),
      connection: conn.name,
      permission,
      secrets: 'proxy',
      ...(opts.http ? { listen: `${opts.http.host}:${opts.http.port}` } : {}),
    });
  } catch (err) {
    deps.io.warn(`cannot write the audit log: ${(err as Error).message}`);
  }

  const { serveSession } = await import('../serve/serve.js');
  await serveSession(spec, {
    presetTable: preset.tools,
    recordedTools: conn.health.tools,
    ...(lists ? { toolLists: lists } : {}),
    ...(record
      ? {
          lazy: record,
          // Recorded for conn list/test to show; the tools themselves are accepted only by conn test.
          onDrift: (drift: ToolDrift) => {
            deps.catalog
              .update((c) => {
                const health = c.connections[conn.name]?.health;
                if (health) health.drift = { ...drift, seenAt: deps.clock().toISOString() };
              })
              .catch((err: unknown) => deps.io.err(`conn serve ${conn.name}: cannot record the drift: ${(err as Error).message}`));
          },
        }
      : {}),
    connectTimeoutMs: opts.connectTimeoutMs,
    maxBodyBytes: opts.maxBodyBytes,
    launched,
    ...(http
      ? {
          http: {
            host: opts.http!.host,
            port: opts.http!.port,
            ...(http.token !== undefined ? { token: http.token } : {}),
            onListening: (url: string) => {
              deps.io.err(`conn serve ${conn.name}: url ${url}`);
              if (http.shown) deps.io.err(`conn serve ${conn.name}: token ${http.token}`);
              else if (http.token === undefined) deps.io.err(`conn serve ${conn.name}: warning: no token, any local process can use this server`);
              if (opts.http!.json) deps.io.out(JSON.stringify({ url, token: http.shown ? http.token : null }));
            },
          },
        }
      : {}),
    // stdout is the MCP stream: every diagnostic goes to stderr.
    log: (line) => deps.io.err(`conn serve ${conn.name}: ${line}`),
  });
}

/** The bearer token: read from stdin, made here (and then shown), or none (--no-token). */
async function httpSetup(http: HttpServeOptions): Promise<{ token?: string; shown: boolean }> {
  if (http.noToken) return { shown: false };
  if (!http.tokenStdin) {
    const { randomBytes } = await import('node:crypto');
    return { token: randomBytes(32).toString('base64url'), shown: true };
  }
  // Read here rather than with ui/prompts.js: that would pull the prompt library into dist/serve.cjs.
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const token = Buffer.concat(chunks).toString('utf8').trim();
  if (!/^[\x21-\x7e]{16,}$/.test(token)) throw new UsageError('--token-stdin: the token must be at least 16 printable characters without spaces');
  return { token, shown: false };
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('serve <name>')
    .description('Run a connection as a stdio MCP server for an agent: secrets from the keychain, tools limited to the permission')
    .option('--permission <level>', 'read, readwrite or full (with --repo/--agent: the lower of this and the assignment)')
    .option('--repo <dir>', 'look the permission up for this repo (with --agent), as conn render does')
    .option('--agent <agent>', `${AGENTS.join(', ')} (with --repo)`)
    .option('--timeout <seconds>', 'how long the real server gets to start and answer initialize', '30')
    .option('--start <when>', 'eager (start the server now) or lazy (answer from the record of conn test, start on first use); default lazy when conn test recorded it in the last 7 days')
    .option('--max-body <bytes>', 'http-api: response bodies are cut after this many bytes (default 1048576)')
    .option('--http', 'serve Streamable HTTP at /mcp instead of stdio (prints the url and a bearer token on stderr)')
    .option('--listen <host:port>', 'with --http: where to listen (default 127.0.0.1:0, a free port)')
    .option('--token-stdin', 'with --http: read the bearer token from stdin instead of making one')
    .option('--no-token', 'with --http, loopback only: ask no token (test harnesses)')
    .option('--allow-remote', 'with --http: allow a --listen address other machines can reach')
    .option('--json', 'with --http: print {"url","token"} on stdout once listening')
    .addHelpText('after', `
stdout carries MCP messages only; diagnostics go to stderr. The real server (its whole process tree)
is stopped when the agent closes stdin. A removed, disabled or unassigned connection fails at start
(exit 1). With a recent record of conn test, the handshake and tools/list are answered from it at
once and the real server starts on the first call (lazy start): an agent with many connections is
ready as fast as with one.

Examples:
  $ conn serve notion --repo . --agent claude-code      # what conn render --secrets proxy writes
  $ conn serve billing-api --permission read            # http-api bridge: http_get only
  $ npx @modelcontextprotocol/inspector node "$(command -v conn)" serve memory --permission read
  $ conn serve memory --permission read --http --json   # {"url":"http://127.0.0.1:PORT/mcp","token":"…"}

With --http, SIGTERM or SIGINT stops it; requests need "Authorization: Bearer TOKEN".`)
    .action(async (name: string, flags: ServeFlags) => run(parseServe(name, flags), await deps()));
}
