// SDK v1 copy of remote.ts, kept only for `conn serve` (still on SDK v1) until it moves to v2: then delete.
// Dialling a remote MCP server, shared by `conn test` (probe.ts) and `conn serve` (serve/upstream.ts):
// Streamable HTTP first, legacy SSE on 400/404/405 with a new client, never on 401/403.
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { RemoteSpec } from '../launch/types.js';

export type RemoteKind = 'http' | 'sse';
export type RemoteTransport = StreamableHTTPClientTransport | SSEClientTransport;

const CLEANUP_LIMIT_MS = 2000;

/** The transports to try, in order. */
export function remoteKinds(spec: RemoteSpec): RemoteKind[] {
  return spec.transport === 'auto' ? ['http', 'sse'] : [spec.transport];
}

export function remoteTransport(kind: RemoteKind, url: URL, headers: Record<string, string>, fetchImpl: FetchLike = fetch): RemoteTransport {
  if (kind === 'http') return new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: fetchImpl });
  return new SSEClientTransport(url, {
    requestInit: { headers },
    fetch: fetchImpl,
    // The GET event stream takes its headers from eventSourceInit.
    eventSourceInit: { fetch: (u, init) => fetchImpl(u, withHeaders(init, headers)) },
  });
}

/** Only "this is not a Streamable HTTP endpoint" moves on to SSE — never an auth failure. */
export function shouldTrySse(kind: RemoteKind, kinds: RemoteKind[], err: unknown): boolean {
  return kind === 'http' && kinds.includes('sse') && err instanceof StreamableHTTPError && [400, 404, 405].includes(err.code ?? 0);
}

/** Ends a Streamable HTTP session (the server keeps it until told) and closes, never waiting long. */
export async function endRemote(transport: RemoteTransport, close: () => Promise<void>): Promise<void> {
  if (transport instanceof StreamableHTTPClientTransport && transport.sessionId) await bounded(transport.terminateSession());
  await bounded(close());
}

/** Cleanup that must not hold anything up: give it a couple of seconds, then move on. */
export async function bounded(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, CLEANUP_LIMIT_MS)))]);
  clearTimeout(timer);
}

function withHeaders(init: RequestInit | undefined, headers: Record<string, string>): RequestInit {
  const merged = new Headers(init?.headers);
  for (const [k, v] of Object.entries(headers)) if (!merged.has(k)) merged.set(k, v);
  return { ...init, headers: merged };
}
