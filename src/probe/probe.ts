// `conn test`'s engine: start or dial one launch spec, `server/discover` (else `initialize`) + `tools/list`, and say in one
// line what went wrong if it did. This module loads the MCP SDK (~360 ms): import it lazily.
import { createHash } from 'node:crypto';
import {
  Client,
  extractWWWAuthenticateParams,
  InsufficientScopeError,
  ProtocolError,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  SseError,
  type ClientCapabilities,
  type FetchLike,
  type Tool as McpTool,
  type Transport,
} from '@modelcontextprotocol/client';
import type { LaunchSpec, RemoteSpec, HttpApiSpec, StdioSpec } from '../launch/types.js';
import type { Tool } from '../catalog/model.js';
import { exitText, firstLine, networkCode, networkText } from '../error-text.js';
import { CONN_VERSION } from '../version.js';
import { StdioProcessTransport } from '../process/transport.js';
import { bounded, endRemote, remoteKinds, remoteTransport, shouldTrySse } from './remote.js';

export interface ProbeResult {
  status: 'healthy' | 'error';
  transport?: 'stdio' | 'http' | 'sse';
  server?: { name: string; version: string };
  protocolVersion?: string;
  /** What the server declared in the handshake: what `conn serve` answers with before it starts it (lazy). */
  capabilities?: Record<string, unknown>;
  instructions?: string;
  /** `modern` (2026-07-28+, `server/discover`) or `legacy` (the `initialize` handshake). */
  era?: 'modern' | 'legacy';
  /** How long the server said its tool list stays fresh, and for whom (2026-07-28+). */
  ttlMs?: number;
  cacheScope?: string;
  tools: Tool[];
  /** The tools as the server sent them (healthy only): what `conn tools --cached` prints. */
  rawTools?: McpTool[];
  /** Spawn (or first request) → tools/list answered; on error, until the failure. */
  latencyMs: number;
  /** One line: what failed. */
  error?: string;
  /** Last lines of a stdio server's stderr (errors only). */
  stderr?: string[];
  /** The server answered 403 insufficient_scope: the scope it named ('' when it named none). */
  requiredScope?: string;
  /** The server answered 401 and advertised OAuth protected-resource metadata. */
  needsOAuth?: boolean;
  resourceMetadata?: string;
}

export interface ProbeOptions {
  /** Bound for the whole probe, cleanup of a stdio server's process tree excluded. */
  timeoutMs: number;
  /** Abort (Ctrl-C): the probe ends with error `interrupted` and the server is stopped. */
  signal?: AbortSignal;
  /** How long a stdio server that ignores SIGTERM gets before SIGKILL (default 2 s). */
  graceMs?: number;
  /** Told the stdio server's PID (its process group) as soon as it is spawned. */
  onSpawn?: (pid: number) => void;
}

const CLIENT_INFO = { name: 'conn', version: CONN_VERSION };
const MAX_TOOL_PAGES = 100;

class DeadlineError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${formatSeconds(timeoutMs)} s`);
  }
}
class InterruptError extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Shared state of one probe: the deadline and what the HTTP layer saw. */
interface Ctx {
  controller: AbortController;
  timeoutMs: number;
  started: number;
  deadline: number;
  authStatus?: number;
  resourceMetadata?: string;
  networkError?: unknown;
}

export async function probe(spec: LaunchSpec, opts: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const controller = new AbortController();
  const ctx: Ctx = { controller, timeoutMs: opts.timeoutMs, started, deadline: Date.now() + opts.timeoutMs };
  const timer = setTimeout(() => controller.abort(new DeadlineError(opts.timeoutMs)), opts.timeoutMs);
  const onAbort = () => controller.abort(new InterruptError());
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    switch (spec.kind) {
      case 'stdio':
        return await probeStdio(spec, opts, ctx);
      case 'remote':
        return await probeRemote(spec, ctx);
      case 'http-api':
        return await probeHttpApi(spec, ctx);
      default:
        return { status: 'error', tools: [], latencyMs: 0, error: `unknown connection kind: ${(spec as { kind: string }).kind}` };
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

// ---------------------------------------------------------------------------------------------

async function probeStdio(spec: StdioSpec, opts: ProbeOptions, ctx: Ctx): Promise<ProbeResult> {
  const transport = new StdioProcessTransport({
    command: spec.command,
    args: spec.args,
    env: spec.env,
    cwd: spec.cwd,
    graceMs: opts.graceMs,
  });
  try {
    const connected = await talk(transport, ctx, () => {
      if (transport.pid !== undefined) opts.onSpawn?.(transport.pid);
    });
    return { status: 'healthy', transport: 'stdio', ...connected };
  } catch (err) {
    // A server that dies at once makes the first write fail (EPIPE) before its exit is seen: its
    // exit says more, so give it a moment to arrive.
    if (!transport.exitInfo && !ctx.controller.signal.aborted && transport.pid !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([transport.exited, new Promise((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
    }
    const error =
      deadlineMessage(ctx) ??
      transport.failure?.message ??
      (transport.stoppedByUs ? undefined : exitText(transport.exitInfo)) ??
      describe(err, ctx);
    return { status: 'error', transport: 'stdio', tools: [], latencyMs: elapsed(ctx), error, stderr: transport.stderrTail() };
  } finally {
    // Not bounded by the deadline: the tree must be gone before we report (SIGKILL is the bound).
    await transport.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function probeRemote(spec: RemoteSpec, ctx: Ctx): Promise<ProbeResult> {
  const kinds = remoteKinds(spec);
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { status: 'error', tools: [], latencyMs: 0, error: `invalid URL: ${spec.url}` };
  }
  let lastError: unknown;
  for (const kind of kinds) {
    try {
      const connected = await probeRemoteOnce(kind, url, spec.headers, ctx);
      return { status: 'healthy', transport: kind, ...connected };
    } catch (err) {
      lastError = err;
      // Fall back to legacy SSE only when the endpoint says "not Streamable HTTP" — never on auth.
      if (!ctx.controller.signal.aborted && ctx.authStatus === undefined && shouldTrySse(kind, kinds, err)) continue;
      return {
        status: 'error',
        transport: kind,
        tools: [],
        latencyMs: elapsed(ctx),
        error: deadlineMessage(ctx) ?? (err instanceof InsufficientScopeError ? `the server asks for OAuth scope ${err.requiredScope ?? '(unnamed)'} (403 insufficient_scope)` : describe(err, ctx, url)),
        ...(err instanceof InsufficientScopeError ? { requiredScope: err.requiredScope ?? '' } : {}),
        ...(ctx.resourceMetadata ? { needsOAuth: true, resourceMetadata: ctx.resourceMetadata } : {}),
      };
    }
  }
  /* c8 ignore next */
  return { status: 'error', tools: [], latencyMs: elapsed(ctx), error: describe(lastError, ctx, url) };
}

async function probeRemoteOnce(
  kind: 'http' | 'sse',
  url: URL,
  headers: Record<string, string>,
  ctx: Ctx,
): Promise<Connected> {
  const transport = remoteTransport(kind, url, headers, recordingFetch(ctx));
  let client: Client | undefined;
  try {
    return await talk(transport, ctx, undefined, (c) => (client = c));
  } finally {
    await endRemote(transport, () => client?.close() ?? transport.close());
  }
}

function recordingFetch(ctx: Ctx): FetchLike {
  return async (url, init) => {
    const signal = init?.signal ? AbortSignal.any([init.signal, ctx.controller.signal]) : ctx.controller.signal;
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal });
    } catch (err) {
      ctx.networkError ??= err;
      throw err;
    }
    if (res.status === 401 || res.status === 403) {
      ctx.authStatus ??= res.status;
      const { resourceMetadataUrl } = extractWWWAuthenticateParams(res);
      if (resourceMetadataUrl) ctx.resourceMetadata ??= resourceMetadataUrl.href;
    }
    return res;
  };
}

// ---------------------------------------------------------------------------------------------

async function probeHttpApi(spec: HttpApiSpec, ctx: Ctx): Promise<ProbeResult> {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { status: 'error', tools: [], latencyMs: 0, error: `invalid URL: ${spec.url}` };
  }
  try {
    const res = await race(
      fetch(url, { method: 'GET', headers: spec.headers, redirect: 'manual', signal: ctx.controller.signal }),
      ctx,
    );
    await res.body?.cancel().catch(() => undefined);
    const latencyMs = elapsed(ctx);
    if (res.status === 401 || res.status === 403) {
      return { status: 'error', transport: 'http', tools: [], latencyMs, error: `HTTP ${res.status} — credentials rejected` };
    }
    // Any other answer means the API is there; its paths are checked when they are called.
    return { status: 'healthy', transport: 'http', tools: [], latencyMs };
  } catch (err) {
    ctx.networkError ??= err;
    return { status: 'error', transport: 'http', tools: [], latencyMs: elapsed(ctx), error: deadlineMessage(ctx) ?? describe(err, ctx, url) };
  }
}

// ---------------------------------------------------------------------------------------------

interface Connected {
  server: { name: string; version: string };
  capabilities?: Record<string, unknown>;
  instructions?: string;
  protocolVersion?: string;
  era?: 'modern' | 'legacy';
  ttlMs?: number;
  cacheScope?: string;
  tools: Tool[];
  rawTools: McpTool[];
  latencyMs: number;
}

/**
 * A client that speaks both eras: `server/discover` first, `initialize` when the server does not
 * answer it (the spec's backward-compatibility probe). Over our own stdio transport the probe runs
 * in place, on the one process we started (the SDK spawns a second copy only for its own
 * `StdioClientTransport`).
 */
export function newClient(capabilities: ClientCapabilities = {}): Client {
  return new Client(CLIENT_INFO, { capabilities, versionNegotiation: { mode: 'auto' } });
}

/** discover/initialize + every page of tools/list over `transport`, all within the probe's deadline. */
async function talk(
  transport: Transport,
  ctx: Ctx,
  onStarted?: () => void,
  onClient?: (client: Client) => void,
): Promise<Connected> {
  const client = newClient();
  onClient?.(client);
  const options = () => ({ timeout: Math.max(1, ctx.deadline - Date.now()), signal: ctx.controller.signal });
  const connecting = client.connect(transport, options());
  onStarted?.();
  await race(connecting, ctx);
  const era = client.getProtocolEra();
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  let ttlMs: number | undefined;
  let cacheScope: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await race(client.listTools(cursor ? { cursor } : {}, { ...options(), cacheMode: 'bypass' }), ctx);
    if (page === 0 && era === 'modern') {
      const meta = result as { ttlMs?: unknown; cacheScope?: unknown };
      if (typeof meta.ttlMs === 'number') ttlMs = meta.ttlMs;
      if (typeof meta.cacheScope === 'string') cacheScope = meta.cacheScope;
    }
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  const latencyMs = elapsed(ctx);
  const info = client.getServerVersion();
  const capabilities = client.getServerCapabilities();
  const instructions = client.getInstructions();
  const protocolVersion = client.getNegotiatedProtocolVersion();
  return {
    server: { name: info?.name ?? 'unknown', version: info?.version ?? '' },
    ...(capabilities ? { capabilities: capabilities as Record<string, unknown> } : {}),
    ...(instructions ? { instructions } : {}),
    ...(protocolVersion ? { protocolVersion } : {}),
    ...(era ? { era } : {}),
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(cacheScope ? { cacheScope } : {}),
    tools: tools.map(toTool),
    rawTools: tools,
    latencyMs,
  };
}

export function toTool(tool: McpTool): Tool {
  const a = tool.annotations;
  const annotations: NonNullable<Tool['annotations']> = {};
  if (typeof a?.readOnlyHint === 'boolean') annotations.readOnlyHint = a.readOnlyHint;
  if (typeof a?.destructiveHint === 'boolean') annotations.destructiveHint = a.destructiveHint;
  if (typeof a?.idempotentHint === 'boolean') annotations.idempotentHint = a.idempotentHint;
  if (typeof a?.openWorldHint === 'boolean') annotations.openWorldHint = a.openWorldHint;
  const title = tool.title ?? a?.title;
  return {
    name: tool.name,
    ...(title ? { title } : {}),
    ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
    ...(tool.inputSchema && typeof tool.inputSchema === 'object' ? { inputSchema: tool.inputSchema as Record<string, unknown> } : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
    hash: toolHash(tool.description, tool.inputSchema),
  };
}

/** sha256 of canonical JSON (sorted keys) of [description, inputSchema]: stable across key order. */
export function toolHash(description: string | undefined, inputSchema: unknown): string {
  return createHash('sha256').update(canonicalJson([description ?? null, inputSchema ?? null])).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

// ---------------------------------------------------------------------------------------------

/** Rejects as soon as the probe's deadline passes or it is interrupted, whatever `p` does. */
function race<T>(p: Promise<T>, ctx: Ctx): Promise<T> {
  const signal = ctx.controller.signal;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}


function deadlineMessage(ctx: Ctx): string | undefined {
  const reason: unknown = ctx.controller.signal.reason;
  if (!ctx.controller.signal.aborted) return undefined;
  return reason instanceof Error ? reason.message : 'interrupted';
}

function elapsed(ctx: Ctx): number {
  return Math.round(performance.now() - ctx.started);
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(1);
}

/** One line for anything that went wrong, most specific cause first. */
function describe(err: unknown, ctx: Ctx, url?: URL): string {
  // A failed `server/discover` probe wraps what actually went wrong.
  if (err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed && err.cause) err = err.cause;
  if (ctx.authStatus !== undefined) return `HTTP ${ctx.authStatus} — credentials rejected`;
  const where = url ? ` (${url.origin}${url.pathname})` : '';
  // The SDK's own errors carry string codes too (CLIENT_HTTP_…): those are not the network's.
  const sdk = (e: unknown) => e instanceof SdkError;
  const net = networkCode(ctx.networkError, sdk) ?? networkCode(err, sdk);
  if (net) return networkText(net, where);
  if (err instanceof SdkError && err.code === SdkErrorCode.ClientHttpUnexpectedContent) {
    return `not an MCP server (${firstLine(err.message).toLowerCase()})`;
  }
  if (err instanceof SdkHttpError && err.status > 0) return `HTTP ${err.status}${where}`;
  if (err instanceof SseError && typeof err.code === 'number' && err.code > 0) return `HTTP ${err.code}${where}`;
  if (err instanceof SdkError && err.code === SdkErrorCode.RequestTimeout) return `timed out after ${formatSeconds(ctx.timeoutMs)} s`;
  if (err instanceof ProtocolError && err.code === -32601) return 'the server answers neither server/discover nor initialize';
  if (err instanceof SyntaxError) return `not an MCP server (invalid JSON from ${url?.origin ?? 'server'})`;
  return firstLine(err) || 'unknown error';
}
