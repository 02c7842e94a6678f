// A remote server behind `conn serve`, dialled with its auth headers (Streamable HTTP first, legacy
// SSE on 400/404/405, never on 401/403, as `conn test` does). The SDK's transports and client do
// the talking here (the handshake; the lane forwards the rest over the same link).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RemoteSpec } from '../launch/types.js';
import { OperationError } from '../errors.js';
import { bounded, endRemote, remoteKinds, remoteTransport, shouldTrySse } from '../probe/remote-v1.js';
import { CLIENT_INFO, firstLine, type Upstream, type UpstreamOptions } from './upstream.js';
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
    const link = new UpstreamLink(transport);
    // No roots/sampling/elicitation: the upstream server sees a plain client (see README, conn serve).
    const client = new Client(CLIENT_INFO, { capabilities: {} });
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
        info: client.getServerVersion() ?? { name: 'conn-serve', version: '0.1.0' },
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
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 401 || code === 403) return `HTTP ${code}, credentials rejected`;
  if (typeof code === 'number' && code > 0) return `HTTP ${code}`;
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  if (cause === 'ECONNREFUSED') return 'connection refused';
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return 'host not found';
  return firstLine(err);
}
