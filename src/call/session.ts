// A live client session with one connection, for `conn tools` and `conn call`: the same transports and
// era negotiation as `conn test` (server/discover, else initialize; Streamable HTTP, else legacy SSE),
// kept open for more than a tool list. Loads the MCP SDK: import lazily.
import { InsufficientScopeError, type Client, type ClientCapabilities } from '@modelcontextprotocol/client';
import type { LaunchSpec } from '../launch/types.js';
import { firstLine } from '../error-text.js';
import { OperationError } from '../errors.js';
import { StdioProcessTransport } from '../process/transport.js';
import { newClient } from '../probe/probe.js';
import { endRemote, remoteKinds, remoteTransport, shouldTrySse } from '../probe/remote.js';

export interface Session {
  client: Client;
  close(): Promise<void>;
}

export interface OpenOptions {
  capabilities?: ClientCapabilities;
  /** Called on the client before it connects (request handlers for elicitation…). */
  setup?: (client: Client) => void;
  timeoutMs: number;
}

export async function openSession(spec: LaunchSpec, opts: OpenOptions): Promise<Session> {
  if (spec.kind === 'http-api') {
    throw new OperationError(`${spec.name} is an HTTP API connection, not an MCP server`, `conn serve ${spec.name} gives it an MCP face`);
  }
  if (spec.kind === 'stdio') {
    const transport = new StdioProcessTransport({ command: spec.command, args: spec.args, env: spec.env, cwd: spec.cwd });
    const client = newClient(opts.capabilities);
    opts.setup?.(client);
    try {
      await client.connect(transport, { timeout: opts.timeoutMs });
    } catch (err) {
      await transport.close();
      throw new OperationError(`cannot connect to ${spec.name}: ${transport.failure?.message ?? firstLine(err)}`);
    }
    return { client, close: () => transport.close() };
  }
  const url = new URL(spec.url);
  const kinds = remoteKinds(spec);
  for (const kind of kinds) {
    const transport = remoteTransport(kind, url, spec.headers);
    const client = newClient(opts.capabilities);
    opts.setup?.(client);
    try {
      await client.connect(transport, { timeout: opts.timeoutMs });
      return { client, close: () => endRemote(transport, () => client.close()) };
    } catch (err) {
      await endRemote(transport, () => client.close());
      // A scope challenge (403 insufficient_scope) stays itself: the command may sign in again (step-up).
      if (err instanceof InsufficientScopeError) throw err;
      if (shouldTrySse(kind, kinds, err)) continue;
      throw new OperationError(`cannot connect to ${spec.name}: ${firstLine(err)}`);
    }
  }
  /* c8 ignore next */
  throw new OperationError(`cannot connect to ${spec.name}`);
}
