// The real server behind `conn serve`: a stdio server started with its secrets as env (its whole
// process tree owned by us), or a remote one dialled with its auth headers (upstream-remote.ts).
// The stdio path does its MCP handshake itself and never loads the MCP SDK: the server is starting
// at the same moment, and ~70 ms of our CPU for the SDK would slow its start-up on a small machine.
import type { Implementation } from '@modelcontextprotocol/server';
import type { RemoteSpec, StdioSpec } from '../launch/types.js';
import { OperationError } from '../errors.js';
import { redactSecrets, secretsInSpec } from '../redact-secrets.js';
import { stripControl } from '../strip-control.js';
import type { StdioProcessTransport } from '../process/transport.js';
import { exitReason } from '../process/spawn.js';
import { isObject, isRequestId, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, ErrorCode, UNSUPPORTED_PROTOCOL_VERSION, type Raw } from './jsonrpc.js';
import { launchStdio } from './start-server.js';
import { delay, firstLine } from '../error-text.js';
import { UpstreamLink } from './upstream-link.js';
import { CLIENT_INFO, type ServerCapabilities, type ServerSide, type Upstream, type UpstreamOptions } from './upstream-types.js';

/** How long a server whose pipe broke gets to report its exit status. */
const EXIT_WAIT_MS = 1000;

// The shapes, shared with upstream-remote.ts (which this module loads lazily), live in upstream-types.ts.
export { CLIENT_INFO, type ServerCapabilities, type ServerSide, type Upstream, type UpstreamOptions } from './upstream-types.js';

export async function connectUpstream(spec: StdioSpec | RemoteSpec, opts: UpstreamOptions): Promise<Upstream> {
  if (spec.kind === 'stdio') return connectStdio(spec, opts);
  return (await import('./upstream-remote.js')).connectRemote(spec, opts);
}

async function connectStdio(spec: StdioSpec, opts: UpstreamOptions): Promise<Upstream> {
  const transport = opts.launched ?? launchStdio(spec, opts.graceMs);
  const link = new UpstreamLink(transport);
  let closing = false;
  const ended = new Promise<string>((resolve) => {
    link.onclose = () => resolve(closing ? 'closed' : stdioEndReason(transport, spec));
  });
  // What the lane does not take: the server's own requests (we answer as a client with no
  // capabilities would) and notifications nobody forwards.
  link.onmessage = (message) => {
    if (!link.serverRequest?.(message as unknown as Raw)) answerServerRequest(link, message as unknown as Raw);
  };
  let server: ServerSide;
  try {
    await link.start();
    server = await handshake(link, opts.connectTimeoutMs);
  } catch (err) {
    // A server that exits at once (started early, while we loaded) can break the pipe under the
    // first write before its exit is seen: its exit status is the better reason, so wait for it.
    if ((err as { code?: unknown } | undefined)?.code === 'EPIPE') await Promise.race([transport.exited, delay(EXIT_WAIT_MS)]);
    const why = transport.failure?.message ?? exitReason(transport.exitInfo) ?? (firstLine(err) || 'unknown error');
    await transport.close();
    const tail = cleanTail(transport.stderrTail(), spec);
    throw new OperationError(
      `cannot start ${spec.name}: ${why}${tail.length ? `; its stderr ends with: ${tail.join(' | ')}` : ''}`,
      `conn test ${spec.name}`,
    );
  }
  return {
    link,
    server,
    transport: 'stdio',
    pid: transport.pid,
    ended,
    async close() {
      closing = true;
      await transport.close();
    },
  };
}

/**
 * MCP's initialize and initialized, as the SDK's client does them (no roots, sampling or elicitation).
 * A server of the 2026-07-28 era only answers initialize with -32022 (unsupported version): then
 * server/discover, and every request from here on carries the revision's `_meta` envelope. Trying
 * initialize first keeps the common case (a 2025 server) at one round trip.
 */
async function handshake(link: UpstreamLink, timeoutMs: number): Promise<ServerSide> {
  let result: unknown;
  try {
    // Elicitation is declared (the agent's answer is forwarded, or a decline when it has none), so
    // that servers offer the tools that ask their user something. Not roots or sampling: a server
    // that gets roots may narrow what it serves to them before any agent has said anything.
    result = await link.request('initialize', { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: { elicitation: {} }, clientInfo: CLIENT_INFO }, timeoutMs);
  } catch (err) {
    if ((err as { code?: unknown }).code !== UNSUPPORTED_PROTOCOL_VERSION) throw err;
    return discover(link, timeoutMs);
  }
  if (!isObject(result) || typeof result.protocolVersion !== 'string') {
    throw new Error(`Server sent invalid initialize result: ${JSON.stringify(result)?.slice(0, 200)}`);
  }
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(result.protocolVersion)) {
    throw new Error(`Server's protocol version is not supported: ${result.protocolVersion}`);
  }
  link.setProtocolVersion(result.protocolVersion);
  await link.sendRaw({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const info = isObject(result.serverInfo) && typeof result.serverInfo.name === 'string' ? (result.serverInfo as unknown as Implementation) : CLIENT_INFO;
  return {
    era: '2025',
    protocolVersion: result.protocolVersion,
    info,
    capabilities: isObject(result.capabilities) ? (result.capabilities as ServerCapabilities) : {},
    ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
  };
}

export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The 2026-07-28 opening: server/discover, with the envelope every request of that revision carries. */
async function discover(link: UpstreamLink, timeoutMs: number): Promise<ServerSide> {
  link.envelope = {
    'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
    'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
    'io.modelcontextprotocol/clientInfo': CLIENT_INFO,
  };
  const result = await link.request('server/discover', {}, timeoutMs);
  const versions = isObject(result) && Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
  if (!versions.includes(MODERN_PROTOCOL_VERSION)) {
    throw new Error(`the server speaks neither 2025 MCP nor ${MODERN_PROTOCOL_VERSION} (it offers ${JSON.stringify(versions).slice(0, 100)})`);
  }
  const r = result as Raw;
  const caps = isObject(r.capabilities) ? (r.capabilities as ServerCapabilities) : {};
  // 2026-07-28 sends list changes only on a subscriptions/listen stream: opened now, for as long as
  // we are connected; its notifications reach the lane as a 2025 server's would (the ack does not).
  const notifications = {
    ...(caps.tools?.listChanged ? { toolsListChanged: true } : {}),
    ...(caps.prompts?.listChanged ? { promptsListChanged: true } : {}),
    ...(caps.resources?.listChanged ? { resourcesListChanged: true } : {}),
  };
  if (Object.keys(notifications).length) {
    await link.sendRaw({ jsonrpc: '2.0', id: link.nextId(), method: 'subscriptions/listen', params: { notifications } });
  }
  const meta = isObject(r._meta) ? r._meta : {};
  const serverInfo = meta['io.modelcontextprotocol/serverInfo'];
  return {
    era: '2026',
    protocolVersion: MODERN_PROTOCOL_VERSION,
    info: isObject(serverInfo) && typeof serverInfo.name === 'string' ? (serverInfo as unknown as Implementation) : CLIENT_INFO,
    capabilities: caps,
    ...(typeof r.instructions === 'string' ? { instructions: r.instructions } : {}),
  };
}

/** A request from the server: ping is answered; sampling, roots, elicitation are not ours to offer. */
function answerServerRequest(link: UpstreamLink, message: Raw): void {
  if (typeof message.method !== 'string' || !isRequestId(message.id)) return;
  const body = message.method === 'ping' ? { result: {} } : { error: { code: ErrorCode.MethodNotFound, message: 'Method not found' } };
  link.sendRaw({ jsonrpc: '2.0', id: message.id, ...body }).catch(() => undefined);
}

function stdioEndReason(transport: StdioProcessTransport, spec: StdioSpec): string {
  const why = transport.failure?.message ?? exitReason(transport.exitInfo) ?? 'the server closed the connection';
  const tail = cleanTail(transport.stderrTail(), spec);
  return tail.length ? `${why}; its stderr ends with: ${tail.join(' | ')}` : why;
}

/** The server's last stderr lines, without the secrets it was given or terminal control characters. */
function cleanTail(lines: string[], spec: StdioSpec): string[] {
  const secrets = secretsInSpec(spec);
  return lines.slice(-5).map((l) => stripControl(redactSecrets(l, secrets)));
}
