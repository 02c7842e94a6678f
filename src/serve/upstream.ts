// The real server behind `conn serve`: a stdio server started with its secrets as env (its whole
// process tree owned by us), or a remote one dialled with its auth headers (Streamable HTTP first,
// legacy SSE on 400/404/405, never on 401/403, as `conn test` does).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RemoteSpec, StdioSpec } from '../launch/types.js';
import { OperationError } from '../errors.js';
import { StdioProcessTransport } from '../probe/process.js';
import { bounded, endRemote, remoteKinds, remoteTransport, shouldTrySse } from '../probe/remote.js';

const CLIENT_INFO = { name: 'conn-serve', version: '0.1.0' };

export interface Upstream {
  client: Client;
  /** What we are talking over: `stdio`, `http` or `sse`. */
  transport: 'stdio' | 'http' | 'sse';
  /** The stdio server's process-group leader (tests and diagnostics). */
  pid?: number;
  /** Resolves when the upstream connection ends on its own (server exited, stream lost). */
  ended: Promise<string>;
  /** Ends the session and, for stdio, kills the server's whole process tree. Idempotent. */
  close(): Promise<void>;
}

export interface UpstreamOptions {
  connectTimeoutMs: number;
  /** How long a stdio server that ignores SIGTERM gets before SIGKILL. */
  graceMs?: number;
}

export async function connectUpstream(spec: StdioSpec | RemoteSpec, opts: UpstreamOptions): Promise<Upstream> {
  return spec.kind === 'stdio' ? connectStdio(spec, opts) : connectRemote(spec, opts);
}

async function connectStdio(spec: StdioSpec, opts: UpstreamOptions): Promise<Upstream> {
  const transport = new StdioProcessTransport({ command: spec.command, args: spec.args, env: spec.env, graceMs: opts.graceMs });
  const client = newClient();
  let closing = false;
  const ended = new Promise<string>((resolve) => {
    client.onclose = () => resolve(closing ? 'closed' : stdioEndReason(transport));
  });
  try {
    await client.connect(transport, { timeout: opts.connectTimeoutMs });
  } catch (err) {
    const why = transport.failure?.message ?? exitReason(transport) ?? firstLine(err);
    await transport.close();
    const tail = transport.stderrTail().slice(-5);
    throw new OperationError(
      `cannot start ${spec.name}: ${why}${tail.length ? `; its stderr ends with: ${tail.join(' | ')}` : ''}`,
      `conn test ${spec.name}`,
    );
  }
  return {
    client,
    transport: 'stdio',
    pid: transport.pid,
    ended,
    async close() {
      closing = true;
      await transport.close();
    },
  };
}

function stdioEndReason(transport: StdioProcessTransport): string {
  const why = transport.failure?.message ?? exitReason(transport) ?? 'the server closed the connection';
  const tail = transport.stderrTail().slice(-5);
  return tail.length ? `${why}; its stderr ends with: ${tail.join(' | ')}` : why;
}

function exitReason(transport: StdioProcessTransport): string | undefined {
  const exit = transport.exitInfo;
  if (!exit) return undefined;
  if (exit.code !== null) return `the server exited with code ${exit.code}`;
  return exit.signal ? `the server was killed by ${exit.signal}` : undefined;
}

async function connectRemote(spec: RemoteSpec, opts: UpstreamOptions): Promise<Upstream> {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new OperationError(`connection ${spec.name} has an invalid URL`, `conn edit ${spec.name} --set url=https://…`);
  }
  const kinds = remoteKinds(spec);
  let lastError: unknown;
  for (const kind of kinds) {
    const transport = remoteTransport(kind, url, spec.headers);
    const client = newClient();
    let closing = false;
    const ended = new Promise<string>((resolve) => {
      client.onclose = () => resolve(closing ? 'closed' : 'the remote server closed the connection');
    });
    try {
      await client.connect(transport, { timeout: opts.connectTimeoutMs });
    } catch (err) {
      lastError = err;
      await bounded(client.close());
      if (shouldTrySse(kind, kinds, err)) continue;
      break;
    }
    return {
      client,
      transport: kind,
      ended,
      async close() {
        closing = true;
        await endRemote(transport, () => client.close());
      },
    };
  }
  throw new OperationError(`cannot reach ${spec.name} (${url.origin}${url.pathname}): ${remoteReason(lastError)}`, `conn test ${spec.name}`);
}

function remoteReason(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 401 || code === 403) return `HTTP ${code}, credentials rejected`;
  if (typeof code === 'number' && code > 0) return `HTTP ${code}`;
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return 'host not found';
  return firstLine(err);
}

function newClient(): Client {
  // No roots/sampling/elicitation: the upstream server sees a plain client (see README, conn serve).
  return new Client(CLIENT_INFO, { capabilities: {} });
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').trim().slice(0, 300) || 'unknown error';
}
