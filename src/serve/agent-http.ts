// The agent's side of `conn serve --http`: MCP's Streamable HTTP at /mcp, for agents that only take
// a URL. Every HTTP client shares the one proxy (one upstream, one lane): the agent's request ids and
// progress tokens are swapped for ids of our own on the way in, and back on the way out, so two
// clients that both send id 1 never meet. No sessions are issued: a POST's requests are answered on
// that POST (JSON, or an SSE stream when the request asks for progress and the client takes SSE);
// the server's other notifications (list_changed, resources/updated, log messages) go to every GET
// stream open. Guarded by a bearer token and by Host/Origin checks (DNS rebinding).
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { AgentSide } from './agent-stdio.js';
import { isObject, isRequestId, type Raw } from './jsonrpc.js';

/** The largest request body taken (the SDK's default for its HTTP server transport: 4 MB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Notifications kept for a GET stream not yet opened. */
const MAX_HELD = 100;

export interface HttpAgentOptions {
  host: string;
  port: number;
  /** Undefined: no token asked (--no-token, loopback only). */
  token?: string;
  log: (line: string) => void;
}

/** One POST being answered: its requests' answers are collected (JSON) or streamed (SSE). */
interface Exchange {
  res: ServerResponse;
  sse: boolean;
  /** Our ids of the requests not yet answered, in the order they came. */
  waiting: Set<number>;
  answers: Raw[];
  batch: boolean;
}

interface InFlight {
  exchange: Exchange;
  agentId: unknown;
  /** Our progress token → the agent's. */
  token?: { ours: string; theirs: unknown };
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export class HttpAgent implements AgentSide {
  intercept?: (value: unknown) => boolean;
  private server: Server | undefined;
  private next = 0;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly byToken = new Map<string, InFlight>();
  private readonly streams = new Set<ServerResponse>();
  private held: Raw[] = [];
  private url_: string | undefined;

  constructor(private readonly opts: HttpAgentOptions) {}

  get url(): string {
    if (!this.url_) throw new Error('not listening');
    return this.url_;
  }

  async listen(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.opts.log(`http error: ${String(err)}`);
        if (!res.headersSent) plain(res, 500, 'internal error');
        else res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : this.opts.port;
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host;
    this.url_ = `http://${host}:${port}/mcp`;
    return this.url_;
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.streams.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A message from the proxy or the lane: an answer to one of ours, or a notification. */
  async send(message: JSONRPCMessage): Promise<void> {
    const raw = message as unknown as Raw;
    if (typeof raw.method !== 'string') {
      const flight = typeof raw.id === 'number' ? this.inFlight.get(raw.id) : undefined;
      if (!flight) return;
      this.inFlight.delete(raw.id as number);
      if (flight.token) this.byToken.delete(flight.token.ours);
      this.answer(flight.exchange, raw.id as number, { ...raw, id: flight.agentId });
      return;
    }
    if (raw.method === 'notifications/progress') {
      const params = isObject(raw.params) ? raw.params : {};
      const flight = typeof params.progressToken === 'string' ? this.byToken.get(params.progressToken) : undefined;
      if (!flight?.exchange.sse || !flight.token) return;
      writeEvent(flight.exchange.res, { ...raw, params: { ...params, progressToken: flight.token.theirs } });
      return;
    }
    if (this.streams.size === 0) {
      // No GET stream open yet (a client opens it just after its handshake): kept for the first one.
      if (this.held.length < MAX_HELD) this.held.push(raw);
      return;
    }
    for (const s of this.streams) writeEvent(s, raw);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!this.hostAllowed(req.headers.host)) return plain(res, 421, 'Host not allowed');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) return plain(res, 403, 'Origin not allowed');
    if (url.pathname !== '/mcp') return plain(res, 404, 'not found: MCP is at /mcp');
    if (!this.authorized(req.headers.authorization)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="conn serve"', 'Content-Type': 'text/plain' }).end('a bearer token is needed\n');
      return;
    }
    if (req.method === 'GET') return this.openStream(req, res);
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST, DELETE' }).end();
      return;
    }
    const body = await readBody(req);
    if (body === undefined) return jsonError(res, 413, -32600, 'request body too large');
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return jsonError(res, 400, -32700, 'Parse error: the body is not JSON');
    }
    const batch = Array.isArray(value);
    const messages = batch ? (value as unknown[]) : [value];
    const requests = messages.filter((m) => isObject(m) && typeof m.method === 'string' && isRequestId(m.id));
    const sse = requests.some((m) => isObject((m as Raw).params) && isObject(((m as Raw).params as Raw)._meta) && (((m as Raw).params as Raw)._meta as Raw).progressToken !== undefined) && accepts(req, 'text/event-stream');
    const exchange: Exchange = { res, sse, waiting: new Set(), answers: [], batch };
    if (requests.length === 0) res.writeHead(202).end();
    else if (sse) res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.on('close', () => this.abandon(exchange));
    for (const m of messages) this.receive(m, exchange);
  }

  private receive(value: unknown, exchange: Exchange): void {
    if (!isObject(value)) return void this.intercept?.(value);
    if (typeof value.method === 'string' && isRequestId(value.id)) {
      const id = this.next++;
      const flight: InFlight = { exchange, agentId: value.id };
      const params = isObject(value.params) ? value.params : undefined;
      const meta = isObject(params?._meta) ? params._meta : undefined;
      let message: Raw = { ...value, id };
      if (meta && isRequestId(meta.progressToken)) {
        flight.token = { ours: `p${id}`, theirs: meta.progressToken };
        this.byToken.set(flight.token.ours, flight);
        message = { ...message, params: { ...params, _meta: { ...meta, progressToken: flight.token.ours } } };
      }
      this.inFlight.set(id, flight);
      exchange.waiting.add(id);
      this.intercept?.(message);
      return;
    }
    if (value.method === 'notifications/cancelled' && isObject(value.params)) {
      const ours = this.ourId(value.params.requestId);
      if (ours === undefined) return;
      this.intercept?.({ ...value, params: { ...value.params, requestId: ours } });
      // No answer comes for it now: the POST that carried it is done once nothing else waits there.
      this.drop(ours);
      return;
    }
    this.intercept?.(value);
  }

  /** Our id of the agent's request still in flight (the newest, should two clients share it). */
  private ourId(agentId: unknown): number | undefined {
    let found: number | undefined;
    for (const [id, flight] of this.inFlight) if (flight.agentId === agentId) found = id;
    return found;
  }

  private drop(id: number): void {
    const flight = this.inFlight.get(id);
    if (!flight) return;
    this.inFlight.delete(id);
    if (flight.token) this.byToken.delete(flight.token.ours);
    const { exchange } = flight;
    exchange.waiting.delete(id);
    if (exchange.waiting.size > 0) return;
    if (exchange.sse) exchange.res.end();
    else if (exchange.answers.length) this.answer(exchange, id, undefined);
    else exchange.res.writeHead(202).end();
  }

  private answer(exchange: Exchange, id: number, message: Raw | undefined): void {
    exchange.waiting.delete(id);
    if (exchange.sse) {
      if (message) writeEvent(exchange.res, message);
      if (exchange.waiting.size === 0) exchange.res.end();
      return;
    }
    if (message) exchange.answers.push(message);
    if (exchange.waiting.size > 0) return;
    const body = JSON.stringify(exchange.batch ? exchange.answers : exchange.answers[0]);
    exchange.res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  }

  /** The client hung up before every answer came: the lane is told its requests are cancelled. */
  private abandon(exchange: Exchange): void {
    for (const id of exchange.waiting) {
      const flight = this.inFlight.get(id);
      if (!flight) continue;
      this.inFlight.delete(id);
      if (flight.token) this.byToken.delete(flight.token.ours);
      this.intercept?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the HTTP client went away' } });
    }
    exchange.waiting.clear();
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    if (!accepts(req, 'text/event-stream')) {
      res.writeHead(406, { 'Content-Type': 'text/plain' }).end('GET /mcp needs Accept: text/event-stream\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.flushHeaders();
    this.streams.add(res);
    for (const note of this.held.splice(0)) writeEvent(res, note);
    res.on('close', () => this.streams.delete(res));
  }

  private authorized(header: string | undefined): boolean {
    const token = this.opts.token;
    if (token === undefined) return true;
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return false;
    const given = Buffer.from(m[1]!);
    const wanted = Buffer.from(token);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  /** The names the server answers to: a rebinding page's Host names its own domain. */
  private hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const port = new URL(this.url).port;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
    if (!m || (m[2] ?? '80') !== port) return false;
    const name = m[1]!.toLowerCase();
    const listen = this.opts.host.toLowerCase();
    if (isLoopback(listen)) return isLoopback(name);
    // Every interface: the token is the guard there, any name reaching us is taken.
    if (listen === '0.0.0.0' || listen === '::') return true;
    return name.replace(/^\[|\]$/g, '') === listen;
  }

  private originAllowed(origin: string): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    return (url.protocol === 'http:' || url.protocol === 'https:') && this.hostAllowed(url.host || 'x');
  }
}

function accepts(req: IncomingMessage, type: string): boolean {
  return (req.headers.accept ?? '').split(',').some((part) => part.trim().split(';')[0] === type);
}

function writeEvent(res: ServerResponse, message: unknown): void {
  res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`${text}\n`);
}

function jsonError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
