// One `conn serve` session: the agent on our stdin/stdout, the real server (or REST API) behind us.
// Ends when the agent goes away (stdin closes, stdout breaks, a signal), and then the real server's
// whole process tree is stopped before we return. stdout carries MCP messages only.
// The proxy never loads the MCP SDK (see upstream.ts); the http-api bridge, an SDK server, does.
import type { Tool, ToolClass } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import { delay } from '../error-text.js';
import type { HttpApiSpec, LaunchSpec } from '../launch/types.js';
import type { StdioProcessTransport } from '../process/transport.js';
import { AgentStdioTransport } from './agent-stdio.js';
import { createToolGate } from './gate.js';
import type { ToolLists } from '../access/tool-list.js';
import { openLazy, type LazyRecord, type ToolDrift } from './lazy.js';
import { openProxy } from './proxy.js';
import { connectUpstream, type Upstream } from './upstream.js';

export interface ServeSessionOptions {
  /** The preset's own table of tool classes. */
  presetTable?: Record<string, ToolClass>;
  /** Tools as `conn test` last recorded them (a floor for their class). */
  recordedTools?: Tool[];
  /** The assignment's tool lists (`conn assign --tools/--deny-tools`). */
  toolLists?: ToolLists;
  /** Lazy start: answer from this record and start the server on the first request that needs it. */
  lazy?: LazyRecord;
  /** Lazy start: the live tool list differs from the record. */
  onDrift?: (drift: ToolDrift) => void;
  connectTimeoutMs: number;
  graceMs?: number;
  maxBodyBytes?: number;
  /** One diagnostic line to stderr. */
  log: (line: string) => void;
  /** Told once the upstream is connected (stdio: its process-group leader's PID). */
  onUpstream?: (upstream: Upstream) => void;
  /** The stdio server, already spawned by launchStdio() while the rest of conn serve loaded. */
  launched?: StdioProcessTransport;
  stdin?: NodeJS.ReadableStream & { once: NodeJS.ReadStream['once'] };
  /** `conn serve --http`: the agents come over Streamable HTTP, not stdin/stdout. */
  http?: { host: string; port: number; token?: string; onListening: (url: string) => void };
  stdout?: NodeJS.WritableStream;
}

type End = { by: 'agent' | 'signal' | 'eof' } | { by: 'upstream'; why: string };

/** After stdin closes, requests already received still get their answers, for this long at most. */
const DRAIN_LIMIT_MS = 5000;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function serveSession(spec: LaunchSpec, opts: ServeSessionOptions): Promise<void> {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  let settle!: (end: End) => void;
  let hurry!: () => void;
  const ended = new Promise<End>((resolve) => (settle = resolve));
  /** Settles on anything but end of input: no more waiting for answers then. */
  const urgent = new Promise<void>((resolve) => (hurry = resolve));
  const finish = (end: End) => {
    settle(end);
    if (end.by !== 'eof') hurry();
  };
  // Listening before anything starts: a signal while the upstream starts still stops it cleanly.
  const onSignal = () => finish({ by: 'signal' });
  for (const s of SIGNALS) process.on(s, onSignal);
  const onGone = () => finish({ by: 'agent' });
  const onEof = () => finish({ by: 'eof' });
  // Over HTTP, stdin and stdout are not the agent's: only a signal (or the upstream) ends it.
  if (!opts.http) {
    stdin.once('end', onEof);
    stdin.once('close', onEof);
    stdout.once('error', onGone);
  }

  let upstream: Upstream | undefined;
  /** Lazy start: the start under way (or done), so an end while it runs still stops that server. */
  let lazyStart: Promise<Upstream> | undefined;
  /** Stops reading the agent (and ends an SDK server). */
  let closeAgent: (() => Promise<void>) | undefined;
  const transport = new AgentStdioTransport(stdin, stdout);
  const onProtocolError = (err: Error) => opts.log(`protocol error: ${err.message.split('\n')[0]}`);
  try {
    if (spec.kind === 'http-api' && opts.http) {
      throw new OperationError(`${spec.name} is an HTTP API: conn serve --http serves MCP servers only`, `conn serve ${spec.name} --permission ${spec.permission}`);
    } else if (spec.kind === 'http-api') {
      closeAgent = await startHttpApi(spec, transport, opts, onProtocolError, onGone);
    } else if (opts.lazy) {
      const gate = createToolGate(spec.permission, opts.presetTable, opts.recordedTools, opts.toolLists);
      openLazy(transport, {
        record: opts.lazy,
        gate,
        log: opts.log,
        start: () => (lazyStart = connectUpstream(spec, { connectTimeoutMs: opts.connectTimeoutMs, graceMs: opts.graceMs })),
        onUpstream: (u) => {
          upstream = u;
          opts.onUpstream?.(u);
          void u.ended.then((why) => finish({ by: 'upstream', why }));
        },
        onDrift: (drift) => opts.onDrift?.(drift),
      });
      opts.log(`answering from the record of conn test at permission ${spec.permission}; the server starts on first use`);
      transport.onerror = onProtocolError;
      transport.onclose = onGone;
      await transport.start();
      closeAgent = () => transport.close();
    } else {
      const connecting = connectUpstream(spec, { connectTimeoutMs: opts.connectTimeoutMs, graceMs: opts.graceMs, launched: opts.launched });
      const first = await Promise.race([connecting.then((u) => ({ u })), ended.then((e) => ({ e }))]);
      if ('e' in first) {
        // The agent left (or we were signalled) while the server was starting: stop it and go.
        await connecting.then((u) => u.close(), () => undefined);
        return;
      }
      upstream = first.u;
      opts.onUpstream?.(upstream);
      void upstream.ended.then((why) => finish({ by: 'upstream', why }));
      const gate = createToolGate(spec.permission, opts.presetTable, opts.recordedTools, opts.toolLists);
      const where = spec.kind === 'stdio' ? `stdio server (pid ${upstream.pid})` : `${upstream.transport} server`;
      if (opts.http) {
        const { HttpAgent } = await import('./agent-http.js');
        const agent = new HttpAgent({ host: opts.http.host, port: opts.http.port, token: opts.http.token, log: opts.log });
        openProxy(upstream, agent, gate, opts.log);
        closeAgent = () => agent.close();
        const url = await agent.listen().catch((err: unknown) => {
          throw new OperationError(`cannot listen at ${opts.http!.host}:${opts.http!.port}: ${(err as Error).message}`, 'conn serve NAME --http --listen 127.0.0.1:0');
        });
        opts.log(`proxying ${where} at permission ${spec.permission}, over HTTP at ${url}`);
        opts.http.onListening(url);
        await ended.then((end) => {
          if (end.by === 'upstream') throw new OperationError(`${spec.name}: ${end.why}`, `conn test ${spec.name}`);
        });
        return;
      }
      openProxy(upstream, transport, gate, opts.log);
      opts.log(`proxying ${where} at permission ${spec.permission}`);
      transport.onerror = onProtocolError;
      transport.onclose = onGone;
      await transport.start();
      closeAgent = () => transport.close();
    }
    const end = await ended;
    // Input ended (a script piping requests, or an agent that closed stdin): answer what came in first.
    if (end.by === 'eof') await Promise.race([transport.idle(), urgent, delay(DRAIN_LIMIT_MS)]);
    if (end.by === 'upstream') {
      throw new OperationError(`${spec.name}: ${end.why}`, `conn test ${spec.name}`);
    }
  } finally {
    // The real server first: it must be gone before we exit, whatever happened above.
    await lazyStart?.then((u) => u.close(), () => undefined);
    await upstream?.close();
    await closeAgent?.().catch(() => undefined);
    stdin.off('end', onEof);
    stdin.off('close', onEof);
    stdout.off('error', onGone);
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

/** The http-api bridge: an SDK server, so the agent's messages are checked by the SDK's schema. */
async function startHttpApi(
  spec: HttpApiSpec,
  transport: AgentStdioTransport,
  opts: ServeSessionOptions,
  onerror: (err: Error) => void,
  onclose: () => void,
): Promise<() => Promise<void>> {
  const [{ createHttpApiServer }, { parseJSONRPCMessage }] = await Promise.all([import('./http-api.js'), import('@modelcontextprotocol/server')]);
  transport.check = parseJSONRPCMessage;
  const server = createHttpApiServer(spec, { maxBodyBytes: opts.maxBodyBytes, log: opts.log });
  opts.log(`serving HTTP API ${new URL(spec.url).origin} at permission ${spec.permission}`);
  server.onerror = onerror;
  server.onclose = onclose;
  await server.connect(transport);
  return () => server.close();
}
