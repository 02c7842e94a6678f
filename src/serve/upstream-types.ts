// What `conn serve` knows of the real server behind it, stdio (upstream.ts) or remote
// (upstream-remote.ts): a module of its own so that the two need not import each other.
import type { Implementation } from '@modelcontextprotocol/server';
import type { StdioProcessTransport } from '../process/transport.js';
import { CONN_VERSION } from '../version.js';
import type { UpstreamLink } from './upstream-link.js';

export const CLIENT_INFO = { name: 'conn-serve', version: CONN_VERSION };
/**
 * The capabilities conn reads off a server's handshake (the rest passes as it came): as loose as the
 * wire, so the SDK client's reading on the remote path (upstream-remote.ts) fits as well as ours.
 */
export interface ServerCapabilities {
  tools?: { listChanged?: boolean };
  resources?: { subscribe?: boolean; listChanged?: boolean };
  prompts?: { listChanged?: boolean };
  completions?: object;
  logging?: object;
  [capability: string]: unknown;
}

/** What the server said about itself in the handshake. */
export interface ServerSide {
  /** `2025`: initialize was answered; `2026`: only the 2026-07-28 revision (server/discover). */
  era: '2025' | '2026';
  /** The revision spoken with it. */
  protocolVersion: string;
  info: Implementation;
  capabilities: ServerCapabilities;
  instructions?: string;
}

export interface Upstream {
  /** The connection, which the lane forwards the agent's requests over. */
  link: UpstreamLink;
  server: ServerSide;
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
  /** A stdio server already spawned by launchStdio(), to connect to instead of starting one. */
  launched?: StdioProcessTransport;
}

