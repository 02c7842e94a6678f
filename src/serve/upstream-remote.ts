// A remote server behind `conn serve`, dialled with its auth headers (Streamable HTTP first, legacy
// SSE on 400/404/405, never on 401/403, as `conn test` does). The SDK's transports and client do
// the talking here (the handshake; the lane forwards the rest over the same link).
import { Client, InsufficientScopeError } from '@modelcontextprotocol/client';
import type { RemoteSpec } from '../launch/types.js';
import { OperationError } from '../errors.js';
import { OAUTH_TOKEN_FIELD } from '../launch/build.js';
import { challengedScope } from '../oauth/challenge.js';
import { ServeError } from './errors.js';
import { ErrorCode } from './jsonrpc.js';
import { networkError } from '../error-text.js';
import { bounded, endRemote, httpStatus, remoteKinds, remoteTransport, shouldTrySse } from '../probe/remote.js';
import { CONN_VERSION } from '../version.js';
import { CLIENT_INFO, type Upstream, type UpstreamOptions } from './upstream-types.js';
import { UpstreamLink } from './upstream-link.js';

export async function connectRemote(spec: RemoteSpec, opts: UpstreamOptions): Promise<Upstream> {
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
    const link = new UpstreamLink(transport, (err) => scopeRefusal(spec, err));
    // Elicitation declared, as to a stdio server: the server's requests go on to the agent (the link's
    // serverRequest, proxy.ts), and one for an agent that cannot take it is declined there.
    const client = new Client(CLIENT_INFO, { capabilities: { elicitation: {} } });
    let closing = false;
    const ended = new Promise<string>((resolve) => {
      client.onclose = () => resolve(closing ? 'closed' : 'the remote server closed the connection');
    });
    try {
      await client.connect(link, { timeout: opts.connectTimeoutMs });
    } catch (err) {
      lastError = err;
      await bounded(client.close());
      if (shouldTrySse(kind, kinds, err)) continue;
      break;
    }
    const instructions = client.getInstructions();
    return {
      link,
      server: {
        era: '2025',
        protocolVersion: link.protocolVersion ?? 'unknown',
        info: client.getServerVersion() ?? { name: 'conn-serve', version: CONN_VERSION },
        capabilities: client.getServerCapabilities() ?? {},
        ...(instructions ? { instructions } : {}),
      },
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
  const status = httpStatus(err);
  if (status === 401 || status === 403) return `HTTP ${status}, credentials rejected`;
  if (status !== undefined && status > 0) return `HTTP ${status}`;
  return networkError(err);
}

/**
 * A 403 insufficient_scope from the remote server (MCP authorization, scope challenge): conn serve
 * cannot sign in again by itself (no terminal, no browser), so the agent gets a JSON-RPC error that
 * names the scope and the command that asks for it. Any other error passes as it is.
 */
export function scopeRefusal(spec: RemoteSpec, err: unknown): unknown {
  if (!(err instanceof InsufficientScopeError)) return err;
  // The scope comes from the server's header: shown, never trusted to move a terminal.
  const scope = err.requiredScope ? challengedScope(err.requiredScope) : undefined;
  const wanted = scope ? `OAuth scope "${scope}"` : 'more OAuth scope';
  const oauth = spec.secrets.some((use) => use.field === OAUTH_TOKEN_FIELD);
  const message = oauth
    ? `${spec.name} needs ${wanted}, which its sign-in was not granted: run conn connect ${spec.name}${scope ? ` --scope "${scope}"` : ''}`
    : `${spec.name} needs ${wanted}, which the token conn sends does not have: give the token that scope (conn edit ${spec.name} --secret token), or sign in with OAuth (conn connect ${spec.name})`;
  return new ServeError(ErrorCode.InvalidRequest, message, { requiredScope: err.requiredScope ?? null, connection: spec.name });
}
