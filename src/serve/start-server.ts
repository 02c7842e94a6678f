// Starting a stdio server for `conn serve`: spawned as soon as the command is known, while the rest
// of conn is still loading, so that the server's start-up (a few hundred ms for a node server) and
// ours overlap. Must not import the SDK.
import type { StdioSpec } from '../launch/types.js';
import { StdioProcessTransport } from '../process/transport.js';
import { toMessage } from './jsonrpc.js';

export function launchStdio(spec: StdioSpec, graceMs?: number): StdioProcessTransport {
  // Messages are passed on as they are, so a light check will do (and spares loading the SDK's schema).
  const transport = new StdioProcessTransport({ command: spec.command, args: spec.args, env: spec.env, cwd: spec.cwd, graceMs, check: toMessage });
  // A failure to spawn surfaces when the client connects (start() reports it).
  void transport.launch();
  return transport;
}
