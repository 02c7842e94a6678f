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
}

interface ServeFlags {
  start?: string;
  permission?: string;
  repo?: string;
  agent?: string;
  timeout?: string;
  maxBody?: string;
}

export function parseServe(name: string, flags: ServeFlags): ServeOptions {
  if ((flags.repo === undefined) !== (flags.agent === undefined)) {
    throw new UsageError('--repo and --agent go together', 'conn serve NAME --repo DIR --agent AGENT, or conn serve NAME --permission LEVEL');
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
    server: { info: { name: h.server.name, version: h.server.version ?? '' }, capabilities: h.capabilities, ...(h.instructions ? { instructions: h.instructions } : {}) },
    tools: h.tools,
  };
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
  const record = spec.kind !== 'http-api' && opts.start !== 'eager' ? lazyRecord(conn, deps.clock()) : undefined;
  if (opts.start === 'lazy' && !record) deps.io.err(`conn serve ${conn.name}: no recent record of conn test (tools, server, within 7 days): starting the server now`);
  // The real server starts now (unless lazily): its start-up overlaps the rest of ours.
  const launched = spec.kind === 'stdio' && !record ? launchStdio(spec) : undefined;

  const { appendAudit } = await import('../audit/log.js');
  try {
    appendAudit(deps.home, {
      time: deps.clock().toISOString(),
      command: 'serve',
      ...(root !== undefined ? { repo: root, agent: opts.agent } : {}),
      connection: conn.name,
      permission,
      secrets: 'proxy',
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
    // stdout is the MCP stream: every diagnostic goes to stderr.
    log: (line) => deps.io.err(`conn serve ${conn.name}: ${line}`),
  });
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
    .addHelpText('after', `
stdout carries MCP messages only; diagnostics go to stderr. The real server (its whole process tree)
is stopped when the agent closes stdin. A removed, disabled or unassigned connection fails at start
(exit 1). With a recent record of conn test, the handshake and tools/list are answered from it at
once and the real server starts on the first call (lazy start): an agent with many connections is
ready as fast as with one.

Examples:
  $ conn serve notion --repo . --agent claude-code      # what conn render --secrets proxy writes
  $ conn serve billing-api --permission read            # http-api bridge: http_get only
  $ npx @modelcontextprotocol/inspector node "$(command -v conn)" serve memory --permission read`)
    .action(async (name: string, flags: ServeFlags) => run(parseServe(name, flags), await deps()));
}
