// The http-api bridge: a plain REST API exposed as MCP tools (http_get … http_delete), only those
// the permission level allows, with the connection's auth header added by us and never by the agent.
import { ProtocolErrorCode, Server, type CallToolResult, type JSONValue, type Tool as McpTool } from '@modelcontextprotocol/server';
import type { Permission } from '../catalog/model.js';
import { permissionRank } from '../access/tool-class.js';
import type { HttpApiSpec } from '../launch/types.js';
import { ApiPathError, resolveApiUrl } from './api-url.js';
import { ServeError } from './errors.js';
import { readBoundedBody } from '../bounded-body.js';
import { networkError } from '../error-text.js';
import { redactSecrets, secretsInSpec } from '../redact-secrets.js';
import { CONN_VERSION } from '../version.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface HttpApiOptions {
  maxBodyBytes?: number;
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface BridgeTool {
  name: string;
  methods: Method[];
  /** The lowest permission level that shows the tool. */
  level: Permission;
  annotations: McpTool['annotations'];
  verb: string;
}

const TOOLS: BridgeTool[] = [
  { name: 'http_get', methods: ['GET', 'HEAD'], level: 'read', verb: 'GET (or HEAD)', annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } },
  { name: 'http_post', methods: ['POST'], level: 'readwrite', verb: 'POST', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } },
  { name: 'http_put', methods: ['PUT'], level: 'readwrite', verb: 'PUT', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } },
  { name: 'http_patch', methods: ['PATCH'], level: 'readwrite', verb: 'PATCH', annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } },
  { name: 'http_delete', methods: ['DELETE'], level: 'full', verb: 'DELETE', annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } },
];

/** Headers the agent may never set: credentials are conn's, framing is fetch's. */
const RESERVED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host', 'content-length', 'transfer-encoding', 'connection'];

/**
 * Headers (and the query parameter `_method`) that servers such as Rails, Laravel, Express's
 * method-override and Google's APIs honour to run another method: below `full` they would let a GET
 * or POST become a DELETE.
 */
const METHOD_OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'];
const METHOD_OVERRIDE_PARAM = '_method';

/** Response headers worth showing an agent (never set-cookie). */
const SHOWN_HEADERS = [
  'content-type', 'content-length', 'content-range', 'content-encoding', 'location', 'etag', 'last-modified',
  'cache-control', 'retry-after', 'link', 'allow', 'www-authenticate', 'x-request-id', 'x-total-count',
];
const SHOWN_PREFIXES = ['x-ratelimit-', 'ratelimit'];

export function createHttpApiServer(spec: HttpApiSpec, opts: HttpApiOptions = {}): Server {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const log = opts.log ?? (() => undefined);
  const base = new URL(spec.url);
  const where = `${base.origin}${base.pathname}`;
  const allowed = TOOLS.filter((t) => permissionRank(t.level) <= permissionRank(spec.permission));
  const reserved = new Set([...RESERVED_HEADERS, ...Object.keys(spec.headers).map((h) => h.toLowerCase())]);
  const secrets = secretsInSpec(spec);

  const server = new Server(
    { name: `conn-http-api-${spec.name}`, version: CONN_VERSION },
    {
      capabilities: { tools: {} },
      instructions: `Calls the HTTP API at ${where}. Paths are relative to it; credentials are added by conn. Permission: ${spec.permission}.`,
    },
  );

  server.setRequestHandler('tools/list', async () => ({ tools: allowed.map((t) => toolDefinition(t, where)) }));

  server.setRequestHandler('tools/call', async (req, ctx): Promise<CallToolResult> => {
    const tool = TOOLS.find((t) => t.name === req.params.name);
    if (!tool || !allowed.includes(tool)) {
      log(`refused tools/call ${req.params.name}: not allowed at permission ${spec.permission}`);
      throw new ServeError(ProtocolErrorCode.InvalidParams, tool ? `tool ${tool.name} is not allowed at permission ${spec.permission}` : `unknown tool: ${req.params.name}`);
    }
    const args = (req.params.arguments ?? {}) as Record<string, unknown>;
    let request: { url: URL; method: Method; headers: Headers; body?: string };
    try {
      request = buildRequest(tool, args, spec, reserved);
    } catch (err) {
      if (err instanceof ApiPathError) return failure(`refused: ${err.message}`);
      throw err;
    }
    const signal = AbortSignal.any([ctx.mcpReq.signal, AbortSignal.timeout(timeoutMs)]);
    let res: Response;
    try {
      res = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual', signal });
    } catch (err) {
      return failure(`${request.method} ${request.url.pathname} failed: ${networkReason(err, timeoutMs)}`);
    }
    const answer = await readAnswer(res, request.method === 'HEAD' ? 0 : maxBody);
    return present(request, res, answer, maxBody, secrets);
  });

  return server;
}

function toolDefinition(tool: BridgeTool, where: string): McpTool {
  const properties: Record<string, JSONValue> = {
    path: { type: 'string', description: `Path relative to ${where} (e.g. "users/42"); it cannot leave that base` },
    query: {
      type: 'object',
      description: 'Query parameters; an array value repeats the parameter',
      additionalProperties: { type: ['string', 'number', 'boolean', 'array'], items: { type: ['string', 'number', 'boolean'] } },
    },
    headers: { type: 'object', description: 'Extra request headers (auth, cookie and framing headers are set by conn)', additionalProperties: { type: 'string' } },
  };
  if (tool.name === 'http_get') properties.method = { type: 'string', enum: ['GET', 'HEAD'], default: 'GET' };
  else properties.body = { description: 'Request body: a JSON value (sent as application/json) or a string (sent as is)' };
  return {
    name: tool.name,
    title: `HTTP ${tool.verb}`,
    description: `Send an HTTP ${tool.verb} request to ${where}. Answers with the status, selected headers and the body as text (cut after a size limit).`,
    inputSchema: { type: 'object', properties, required: ['path'], additionalProperties: false },
    annotations: tool.annotations,
  };
}

function buildRequest(tool: BridgeTool, args: Record<string, unknown>, spec: HttpApiSpec, reserved: Set<string>) {
  const path = args.path ?? '';
  if (typeof path !== 'string') throw new ApiPathError('path must be a string');
  const query = args.query;
  if (query !== undefined && (typeof query !== 'object' || query === null || Array.isArray(query))) throw new ApiPathError('query must be an object');
  const url = resolveApiUrl(spec.url, path, query as Record<string, unknown> | undefined);
  const full = spec.permission === 'full';
  if (!full && url.searchParams.has(METHOD_OVERRIDE_PARAM)) {
    throw new ApiPathError(`query parameter ${METHOD_OVERRIDE_PARAM} can change the request's method on some servers; it needs permission full`);
  }

  let method: Method = tool.methods[0]!;
  if (tool.name === 'http_get' && args.method !== undefined) {
    const m = String(args.method).toUpperCase();
    if (m !== 'GET' && m !== 'HEAD') throw new ApiPathError('http_get takes method GET or HEAD');
    method = m;
  }

  const headers = new Headers();
  const given = args.headers;
  if (given !== undefined) {
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new ApiPathError('headers must be an object');
    for (const [name, value] of Object.entries(given)) {
      if (reserved.has(name.toLowerCase())) throw new ApiPathError(`header ${name} is set by conn and cannot be given`);
      if (!full && METHOD_OVERRIDE_HEADERS.includes(name.toLowerCase())) {
        throw new ApiPathError(`header ${name} can change the request's method on some servers; it needs permission full`);
      }
      if (typeof value !== 'string') throw new ApiPathError(`header ${name} must be a string`);
      try {
        headers.set(name, value);
      } catch {
        throw new ApiPathError(`header ${name} is not a valid header`);
      }
    }
  }
  // Ours last: nothing above can replace them.
  for (const [name, value] of Object.entries(spec.headers)) headers.set(name, value);

  let body: string | undefined;
  if (!full && args.body !== undefined && carriesMethodOverride(args.body)) {
    throw new ApiPathError(`a body field ${METHOD_OVERRIDE_PARAM} can change the request's method on some servers; it needs permission full`);
  }
  if (tool.name !== 'http_get' && args.body !== undefined) {
    if (typeof args.body === 'string') {
      body = args.body;
      if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
    } else {
      body = JSON.stringify(args.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  return { url, method, headers, body };
}

/** A form body `_method=…` or a JSON object with a top-level `_method` (Rails and Laravel read both). */
function carriesMethodOverride(body: unknown): boolean {
  if (typeof body === 'string') return /(^|[&;\s"{,])_method\b/.test(body);
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, METHOD_OVERRIDE_PARAM);
}

type Answer = Awaited<ReturnType<typeof readBoundedBody>>;

/** Reads at most `limit` bytes of the body (the agent sees the cut) and drops the rest unread. */
function readAnswer(res: Response, limit: number): Promise<Answer> {
  return readBoundedBody(res, limit, 'truncate');
}

function isTextual(contentType: string | null): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') || type.endsWith('/json') || type.endsWith('+json') || type.endsWith('/xml') || type.endsWith('+xml') ||
    ['application/javascript', 'application/x-www-form-urlencoded', 'application/graphql', 'application/yaml', 'application/x-yaml', 'application/x-ndjson'].includes(type)
  );
}

function present(
  request: { url: URL; method: Method },
  res: Response,
  answer: Answer,
  maxBody: number,
  secrets: string[],
): CallToolResult {
  const redact = (text: string) => redactSecrets(text, secrets);
  const headers: Record<string, string> = {};
  for (const [name, value] of res.headers) {
    if (SHOWN_HEADERS.includes(name) || SHOWN_PREFIXES.some((p) => name.startsWith(p))) headers[name] = redact(value);
  }
  const contentType = res.headers.get('content-type');
  let body: string;
  let note = '';
  if (request.method === 'HEAD') body = '';
  else if (isTextual(contentType)) {
    body = redact(new TextDecoder('utf-8', { fatal: false }).decode(answer.bytes)).replace(/\uFFFD$/, '');
  } else {
    body = '';
    note = `[binary body (${contentType}), ${answer.bytes.length}${answer.truncated ? '+' : ''} bytes, not shown]`;
  }
  if (answer.truncated && !note) {
    const total = res.headers.get('content-length');
    note = `[body truncated: showing the first ${maxBody} bytes${total ? ` of ${total}` : ''}]`;
  }
  // A server can echo the credential anywhere it likes, its status line included.
  const statusText = redact(res.statusText);
  const head = [`HTTP ${res.status}${statusText ? ` ${statusText}` : ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\n');
  const text = [head, '', body, ...(note ? [note] : [])].join('\n');
  return {
    content: [{ type: 'text', text }],
    structuredContent: { status: res.status, statusText, headers, body, truncated: answer.truncated },
    ...(res.status >= 400 ? { isError: true } : {}),
  };
}

function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || (err.name === 'AbortError' && /timeout/i.test(String(err.message))))) {
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  if (err instanceof Error && err.name === 'AbortError') return 'cancelled';
  return networkError(err);
}
