// The one connection to the real server. `conn serve` talks over it itself (the handshake with a
// stdio server, the tool list the gate needs), the lane forwards the agent's requests over it, and
// for a remote server the SDK client (which does that handshake) uses it as its transport. Every
// request to the server gets its id here, from one counter: the server sees one client whose ids
// never clash.
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/server';
import { ServeError } from './errors.js';
import { answerError, ErrorCode, isObject, type Raw } from './jsonrpc.js';

export class UpstreamLink implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  /** Messages nobody here took: the server's requests and notifications (and the SDK client's answers). */
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  /** The lane: sees each message from the server before onmessage does; true when it took it. */
  tap?: (value: Raw) => boolean;
  /** The proxy: a request from the server (elicitation, sampling, roots) for the agent; true when taken. */
  serverRequest?: (message: Raw) => boolean;
  /** Told when the connection ends, before onclose. */
  onend?: () => void;

  private next = 0;
  /** Our own requests in flight: what to do with each answer, by the server's id. */
  private readonly ours = new Map<number, (answer: Raw) => void>();
  /** The server's id of each SDK client request in flight -> the client's own id, and back. */
  private readonly clientIds = new Map<number, RequestId>();
  private readonly serverIds = new Map<RequestId, number>();

  /**
   * `mapError`: what a failed send becomes (a remote server's 403 insufficient_scope: an error that
   * names the scope and the way out); absent, the transport's error as it is.
   */
  constructor(
    private readonly inner: Transport,
    private readonly mapError?: (err: unknown) => unknown,
  ) {}

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  async start(): Promise<void> {
    this.inner.onmessage = (message, extra) => this.receive(message, extra);
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => this.ended();
    await this.inner.start();
  }

  /** The id of a new request to the server. */
  nextId(): number {
    return this.next++;
  }

  /**
   * A server of the 2026-07-28 era: the `_meta` every request must carry (protocol version, client
   * capabilities and identity). The agent's own `_meta` keys win over ours. Unset for a 2025 server.
   */
  envelope?: Raw;

  /** Sends a message as it is: its request id, if any, comes from nextId(). */
  sendRaw(message: Raw): Promise<void> {
    if (this.envelope && typeof message.method === 'string' && 'id' in message) {
      const params = isObject(message.params) ? message.params : {};
      message = { ...message, params: { ...params, _meta: { ...this.envelope, ...(isObject(params._meta) ? params._meta : {}) } } };
    }
    const sent = this.inner.send(message as unknown as JSONRPCMessage);
    const map = this.mapError;
    return map ? sent.catch((err: unknown) => Promise.reject(map(err))) : sent;
  }

  /** A request of our own: resolves with the result, rejects with the server's error (or on timeout). */
  request(method: string, params: Raw, timeoutMs?: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId();
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        this.ours.delete(id);
        reject(new ServeError(ErrorCode.RequestTimeout, `timed out after ${timeoutMs / 1000} s waiting for ${method}`));
      }, timeoutMs);
      this.ours.set(id, (answer) => {
        clearTimeout(timer);
        if (isObject(answer.error)) reject(answerError(answer.error));
        else resolve(answer.result);
      });
      this.sendRaw({ jsonrpc: '2.0', id, method, params }).catch((err: unknown) => {
        clearTimeout(timer);
        this.ours.delete(id);
        reject(err);
      });
    });
  }

  /** The SDK client's messages: its request ids (and cancellations of them) become the server's. */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('method' in message && 'id' in message) {
      const id = this.nextId();
      this.clientIds.set(id, message.id);
      this.serverIds.set(message.id, id);
      return this.inner.send({ ...message, id }, options);
    }
    if ('method' in message && message.method === 'notifications/cancelled') {
      const requestId = this.serverIds.get(message.params?.requestId as RequestId);
      if (requestId !== undefined) {
        this.forget(requestId);
        return this.inner.send({ ...message, params: { ...message.params, requestId } }, options);
      }
    }
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The version the SDK client negotiated (remote servers). */
  protocolVersion: string | undefined;

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
    this.inner.setProtocolVersion?.(version);
  }

  private receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    const raw = message as unknown as Raw;
    const answer = !('method' in raw) && typeof raw.id === 'number' ? raw.id : undefined;
    if (answer !== undefined && this.answerOurs(answer, raw)) return;
    if (this.tap?.(raw)) return;
    if (answer !== undefined) {
      const clientId = this.clientIds.get(answer);
      // An answer nobody waits for (a request cancelled since): the client must not see it.
      if (clientId === undefined) return;
      this.forget(answer);
      this.onmessage?.({ ...message, id: clientId }, extra);
      return;
    }
    // A request of the server's (elicitation, sampling, roots) goes to the agent when the proxy takes
    // it, before whoever reads the rest (for a remote server, the SDK client, which has no handler).
    if ('method' in raw && 'id' in raw && this.serverRequest?.(raw)) return;
    this.onmessage?.(message, extra);
  }

  /** The answer to a request of our own, if it is one. */
  private answerOurs(id: number, answer: Raw): boolean {
    const settle = this.ours.get(id);
    if (!settle) return false;
    this.ours.delete(id);
    settle(answer);
    return true;
  }

  private ended(): void {
    const closed = { jsonrpc: '2.0', error: { code: ErrorCode.ConnectionClosed, message: 'Connection closed' } };
    for (const answer of [...this.ours.values()]) answer(closed);
    this.ours.clear();
    this.onend?.();
    this.onclose?.();
  }

  private forget(serverId: number): void {
    const clientId = this.clientIds.get(serverId);
    this.clientIds.delete(serverId);
    if (clientId !== undefined) this.serverIds.delete(clientId);
  }
}
