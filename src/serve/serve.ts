// One `conn serve` session: the agent on our stdin/stdout, the real server (or REST API) behind us.
// Ends when the agent goes away (stdin closes, stdout breaks, a signal), and then the real server's
// whole process tree is stopped before we return. stdout carries MCP messages only.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool, ToolClass } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import type { LaunchSpec } from '../launch/types.js';
import { createToolGate } from './gate.js';
import { createHttpApiServer } from './http-api.js';
import { createProxyServer } from './proxy.js';
import { connectUpstream, type Upstream } from './upstream.js';

export interface ServeSessionOptions {
  /** The preset's own table of tool classes. */
  presetTable?: Record<string, ToolClass>;
  /** Tools as `conn test` last recorded them (a floor for their class). */
  recordedTools?: Tool[];
  connectTimeoutMs: number;
  graceMs?: number;
  maxBodyBytes?: number;
  /** One diagnostic line to stderr. */
  log: (line: string) => void;
  /** Told once the upstream is connected (stdio: its process-group leader's PID). */
  onUpstream?: (upstream: Upstream) => void;
  stdin?: NodeJS.ReadableStream & { once: NodeJS.ReadStream['once'] };
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
  stdin.once('end', onEof);
  stdin.once('close', onEof);
  stdout.once('error', onGone);

  let upstream: Upstream | undefined;
  let server: Server | undefined;
  try {
    if (spec.kind === 'http-api') {
      server = createHttpApiServer(spec, { maxBodyBytes: opts.maxBodyBytes, log: opts.log });
      opts.log(`serving HTTP API ${new URL(spec.url).origin} at permission ${spec.permission}`);
    } else {
      const connecting = connectUpstream(spec, { connectTimeoutMs: opts.connectTimeoutMs, graceMs: opts.graceMs });
      const first = await Promise.race([connecting.then((u) => ({ u })), ended.then((e) => ({ e }))]);
      if ('e' in first) {
        // The agent left (or we were signalled) while the server was starting: stop it and go.
        await connecting.then((u) => u.close(), () => undefined);
        return;
      }
      upstream = first.u;
      opts.onUpstream?.(upstream);
      void upstream.ended.then((why) => finish({ by: 'upstream', why }));
      const gate = createToolGate(spec.permission, opts.presetTable, opts.recordedTools);
      server = createProxyServer(upstream.client, gate, opts.log);
      opts.log(`proxying ${spec.kind === 'stdio' ? `stdio server (pid ${upstream.pid})` : `${upstream.transport} server`} at permission ${spec.permission}`);
    }
    server.onerror = (err) => opts.log(`protocol error: ${err.message.split('\n')[0]}`);
    server.onclose = onGone;
    const transport = new StdioServerTransport(stdin as NodeJS.ReadStream, stdout as NodeJS.WriteStream);
    await server.connect(transport);
    const inFlight = trackRequests(transport);
    const end = await ended;
    // Input ended (a script piping requests, or an agent that closed stdin): answer what came in first.
    if (end.by === 'eof') await Promise.race([inFlight.idle(), urgent, delay(DRAIN_LIMIT_MS)]);
    if (end.by === 'upstream') {
      throw new OperationError(`${spec.name}: ${end.why}`, `conn test ${spec.name}`);
    }
  } finally {
    // The real server first: it must be gone before we exit, whatever happened above.
    await upstream?.close();
    await server?.close().catch(() => undefined);
    stdin.off('end', onEof);
    stdin.off('close', onEof);
    stdout.off('error', onGone);
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

/** Counts requests received and not yet answered on the agent's side. */
function trackRequests(transport: Transport): { idle(): Promise<void> } {
  const pending = new Set<string | number>();
  let wake: (() => void) | undefined;
  const onmessage = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    if ('method' in message && 'id' in message) pending.add(message.id);
    onmessage(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    await send(message, options);
    if (!('method' in message) && 'id' in message && message.id !== undefined && pending.delete(message.id) && pending.size === 0) wake?.();
  };
  return {
    idle: () => (pending.size === 0 ? Promise.resolve() : new Promise<void>((r) => (wake = r))),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
