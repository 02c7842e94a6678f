// The agent's side of `conn serve`: MCP over our stdin/stdout as the SDK's StdioServerTransport
// speaks it, without loading the SDK. The proxy takes every message as parsed JSON (intercept);
// the http-api bridge, an SDK server, gets them checked against the SDK's schema (check). Requests
// not yet answered are counted, so that the end of input can wait for their answers.
import type { Transport } from '@modelcontextprotocol/server';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { isRequestId } from './jsonrpc.js';

/** The SDK's limit for a line not yet ended. */
const MAX_BUFFER_BYTES = 10 * 1024 * 1024;

/** What the proxy and the lane need of the agent's side: stdio here, HTTP in agent-http.ts. */
export interface AgentSide {
  send(message: JSONRPCMessage): Promise<void>;
  /** Sees every message from the agent as parsed JSON first; true when it took it. */
  intercept?: (value: unknown) => boolean;
}

export class AgentStdioTransport implements Transport, AgentSide {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Sees every message as parsed JSON first; true when it took it. */
  intercept?: (value: unknown) => boolean;
  /** For onmessage: a message not taken, as the SDK would check it (throws for anything else). */
  check?: (value: unknown) => JSONRPCMessage;

  private buffer: Buffer | undefined;
  private started = false;
  /** Requests received and neither answered nor cancelled by the agent. */
  private readonly unanswered = new Set<RequestId>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly stdin: NodeJS.ReadableStream,
    private readonly stdout: NodeJS.WritableStream,
  ) {}

  async start(): Promise<void> {
    if (this.started) throw new Error('AgentStdioTransport already started');
    this.started = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onError);
  }

  /** Resolves once every request received so far has been answered (or cancelled by the agent). */
  idle(): Promise<void> {
    return this.unanswered.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.wake = resolve));
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise<void>((resolve) => {
      // As the SDK's serializeMessage does.
      if (this.stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.stdout.once('drain', resolve);
    }).then(() => {
      if (!('method' in message) && 'id' in message && message.id !== undefined) this.answered(message.id);
    });
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onError);
    // As the SDK does: stdin is paused only when nobody else reads it.
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.buffer = undefined;
    this.onclose?.();
  }

  private readonly onError = (error: Error): void => {
    this.onerror?.(error);
  };

  private readonly onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if ((this.buffer?.length ?? 0) + bytes.length > MAX_BUFFER_BYTES) {
      this.buffer = undefined;
      this.onerror?.(new Error(`ReadBuffer exceeded maximum size of ${MAX_BUFFER_BYTES} bytes`));
      void this.close();
      return;
    }
    let buffer = this.buffer ? Buffer.concat([this.buffer, bytes]) : bytes;
    for (let nl = buffer.indexOf(10); nl !== -1; nl = buffer.indexOf(10)) {
      const end = nl > 0 && buffer[nl - 1] === 13 ? nl - 1 : nl;
      const line = buffer.toString('utf8', 0, end);
      buffer = buffer.subarray(nl + 1);
      if (line.trim() !== '') this.receive(line);
    }
    this.buffer = buffer.length ? buffer : undefined;
  };

  private receive(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      this.onerror?.(err as Error);
      return;
    }
    // Counted before the intercept sees it: it may answer at once.
    const id = this.count(value);
    if (this.intercept?.(value)) return;
    let message: JSONRPCMessage;
    try {
      if (!this.check) throw new Error('no receiver for this message');
      message = this.check(value);
    } catch (err) {
      if (id !== undefined) this.answered(id);
      this.onerror?.(err as Error);
      return;
    }
    this.onmessage?.(message);
  }

  /** Counts a request; a cancellation settles the one it names (no answer will come). */
  private count(value: unknown): RequestId | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const { id, method, params } = value as { id?: unknown; method?: unknown; params?: { requestId?: unknown } };
    if (typeof method !== 'string') return undefined;
    if (isRequestId(id)) {
      this.unanswered.add(id);
      return id;
    }
    if (method === 'notifications/cancelled' && isRequestId(params?.requestId)) this.answered(params.requestId);
    return undefined;
  }

  private answered(id: RequestId): void {
    if (this.unanswered.delete(id) && this.unanswered.size === 0) this.wake?.();
  }
}
