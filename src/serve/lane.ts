// The lane: the agent's requests that `conn serve` forwards (tools/call, tools/list, resources,
// prompts, completions, logging) go to the real server as the agent sent them, with only the id
// changed, and the answers come back the same way. No SDK client or server in between, no schema
// check of each message: that is what made every call cost most of a millisecond more than a
// direct one. What the gate needs is still done here: tools/list is filtered, a call of a hidden
// tool is refused, a changed tool list is fetched again before the next call is checked.
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import type { ServerCapabilities } from './upstream.js';
import type { AgentSide } from './agent-stdio.js';
import { ServeError } from './errors.js';
import type { ListedTool, ToolGate } from './gate.js';
import { ErrorCode, errorOf, isObject, isRequestId, type Raw } from './jsonrpc.js';
import type { UpstreamLink } from './upstream-link.js';

/** A request from the agent: JSON-RPC 2.0 with an id and a method, params an object if any. */
interface AgentRequest extends Raw {
  id: RequestId;
  method: string;
  params?: Raw;
}

/** An agent's request on its way: waiting for the tool list, or sent to the server. */
interface Pending {
  agentId: RequestId;
  /** The id the server knows it by, once sent. */
  serverId?: number;
  /** The agent's progress token: the server's progress notifications carrying it go to the agent. */
  token?: RequestId;
  /** Answered, failed or cancelled: nothing more is sent for it, either way. */
  settled?: boolean;
  /** A 2026-07-28 request to a 2025 server: its result gets the `resultType` that revision requires. */
  bridged?: 'list' | true;
  /** A 2025 agent's request to a 2026 server: kept, to retry it with the agent's input. */
  retry?: AgentRequest;
  rounds?: number;
  /** Turns the server's result into the agent's (tools/list: filtered by the gate). */
  reshape?: (result: unknown) => unknown;
  /** A 2026-07-28 agent's capabilities (its request's `_meta`): what a 2025 server may ask it. */
  agentCaps?: Raw;
  /** A 2025 server's requests for a 2026 agent's request, oldest first: each goes to the agent as input_required. */
  asks?: { serverId: RequestId; method: string; params?: unknown }[];
  /** The requestState of the input_required the agent holds: its retry carries the answer. */
  parkedAs?: string;
  /** The server's answer that came while the agent still held an input_required: given to its retry. */
  held?: Raw;
}

/** The agent capability each of a server's requests needs. */
export const ASKS: Record<string, string> = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };
/** The key of a bridged request in inputRequests / inputResponses. */
const INPUT_KEY = 'server-request';

export interface LaneOptions {
  link: UpstreamLink;
  agent: AgentSide;
  /** The real server's capabilities. */
  caps: ServerCapabilities;
  gate: ToolGate;
  log: (line: string) => void;
  /** The server's era: a 2025 server's results are completed for a 2026-07-28 agent. */
  era?: '2025' | '2026';
  /** Asks the agent (a 2026 server's input_required, for a 2025 agent): resolves with its answer. */
  ask?: (method: string, params: unknown) => Promise<unknown>;
}

/** input_required rounds one request may take before conn gives up on it. */
const MAX_INPUT_ROUNDS = 8;

const MAX_TOOL_PAGES = 100;

/** Server notifications the agent receives as they are, with the capability each needs. */
const FORWARDED_NOTIFICATIONS: Record<string, 'resources' | 'prompts' | 'logging' | undefined> = {
  // Always: conn announces tools.listChanged whatever the server does.
  'notifications/tools/list_changed': undefined,
  'notifications/resources/list_changed': 'resources',
  'notifications/resources/updated': 'resources',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/message': 'logging',
};

/** The subscriptions/listen filter member each list change needs. */
const LISTEN_FILTERS: Record<string, 'toolsListChanged' | 'promptsListChanged' | 'resourcesListChanged'> = {
  'notifications/tools/list_changed': 'toolsListChanged',
  'notifications/prompts/list_changed': 'promptsListChanged',
  'notifications/resources/list_changed': 'resourcesListChanged',
};
const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** Requests forwarded as they are, each only where the server declared it. */
function forwardedMethods(caps: ServerCapabilities): Set<string> {
  const methods = new Set<string>();
  if (caps.resources) {
    methods.add('resources/list').add('resources/templates/list').add('resources/read');
    if (caps.resources.subscribe) methods.add('resources/subscribe').add('resources/unsubscribe');
  }
  if (caps.prompts) methods.add('prompts/list').add('prompts/get');
  if (caps.completions) methods.add('completion/complete');
  if (caps.logging) methods.add('logging/setLevel');
  return methods;
}

/**
 * Between the agent and the server. Wires itself to the server's side (link.tap, link.onend); the
 * agent's messages go to fromAgent(), which takes those it forwards and leaves the others
 * (initialize, ping…) to the caller.
 */
export class Lane {
  private readonly forwarded: Set<string>;
  private readonly byAgent = new Map<RequestId, Pending>();
  private readonly byServer = new Map<number, Pending>();
  private readonly byToken = new Map<RequestId, Pending>();
  /** Every tool seen in a tools/list, by name: what a tools/call is checked against. */
  private known = new Map<string, ListedTool>();
  private stale = true;
  /** tools/list_changed notifications so far: a refresh that saw one start over stays stale. */
  private changes = 0;
  private refreshing: Promise<void> | undefined;
  /** 2026 agents' requests answered with input_required, by requestState, until they are retried. */
  private readonly parked = new Map<string, Pending>();
  private parkCount = 0;
  /** A 2026 agent's open subscriptions/listen requests: the list changes each takes, by its id. */
  private readonly listeners = new Map<RequestId, Partial<Record<'toolsListChanged' | 'promptsListChanged' | 'resourcesListChanged', true>>>();

  constructor(private readonly opts: LaneOptions) {
    this.forwarded = forwardedMethods(opts.caps);
    opts.link.tap = (value) => this.fromServer(value);
    opts.link.onend = () => this.serverGone();
    // Fetched now, while the agent is still busy with its handshake: its first call need not wait.
    if (opts.caps.tools) this.refresh().catch(() => undefined);
  }

  /** True when the message was the lane's to take (and it took it). */
  fromAgent(value: unknown): boolean {
    if (!isObject(value) || value.jsonrpc !== '2.0' || typeof value.method !== 'string') return false;
    if (!('id' in value)) return value.method === 'notifications/cancelled' && this.cancel(value);
    if (!isRequestId(value.id) || (value.params !== undefined && !isObject(value.params))) return false;
    const req = value as AgentRequest;
    if (typeof req.params?.requestState === 'string' && this.parked.has(req.params.requestState)) this.retried(req);
    else if (req.method === 'tools/call') this.callTool(req);
    else if (req.method === 'tools/list') this.listTools(req);
    else if (req.method === 'subscriptions/listen') this.listen(req);
    else if (this.forwarded.has(req.method)) this.forward(this.track(req), req);
    else return false;
    return true;
  }

  private callTool(req: AgentRequest): void {
    const pending = this.track(req);
    const name = req.params?.name;
    if (typeof name !== 'string') {
      this.fail(pending, new ServeError(ErrorCode.InvalidParams, 'tools/call needs params.name'));
      return;
    }
    // The common case, synchronously: the list is current and names the tool.
    if (!this.stale && this.known.has(name)) {
      this.gateThenForward(pending, req, name);
      return;
    }
    this.refresh().then(
      () => this.gateThenForward(pending, req, name),
      (err: unknown) => this.fail(pending, err),
    );
  }

  private gateThenForward(pending: Pending, req: AgentRequest, name: string): void {
    if (pending.settled) return;
    const { gate, log } = this.opts;
    // A tool the server does not list is classed by the defaults (destructive): only `full` passes it on.
    const tool = this.known.get(name) ?? { name };
    if (!gate.allows(tool)) {
      // Not in the server's current list at all (gone since conn test, or a typo): say that, not "not allowed".
      const missing = !this.known.has(name);
      log(`refused tools/call ${name}: ${missing ? 'not in the server’s tool list' : `not allowed at permission ${gate.permission}`}`);
      this.fail(pending, new ServeError(ErrorCode.InvalidParams, missing ? `tool ${name} is not in the server's tool list (it changed since conn test?)` : gate.refusal(name)));
      return;
    }
    this.forward(pending, req);
  }

  private listTools(req: AgentRequest): void {
    const pending = this.track(req);
    if (!this.opts.caps.tools) {
      this.answer(pending, { tools: [] });
      return;
    }
    const firstPage = !req.params?.cursor;
    pending.reshape = (result) => {
      const listed = listedTools(result);
      if (firstPage) {
        this.known = new Map();
        this.stale = false;
      }
      for (const tool of listed) this.known.set(tool.name, tool);
      // The server's own definitions, as they came: only those the gate lets through.
      const shown = new Set(listed.filter((t) => this.opts.gate.allows(t)));
      return { ...(result as Raw), tools: (result as { tools: unknown[] }).tools.filter((t) => shown.has(t as ListedTool)) };
    };
    this.forward(pending, req);
  }

  /** notifications/cancelled from the agent, for a request of the lane's: passed on with the server's id. */
  private cancel(note: Raw): boolean {
    const params = isObject(note.params) ? note.params : undefined;
    if (isRequestId(params?.requestId) && this.listeners.delete(params.requestId)) return true;
    const pending = isRequestId(params?.requestId) ? this.byAgent.get(params.requestId) : undefined;
    if (!pending) return false;
    this.settle(pending);
    if (pending.serverId !== undefined) {
      this.opts.link
        .sendRaw({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { ...params, requestId: pending.serverId } })
        .catch((err: unknown) => this.opts.log(`cannot forward a cancellation: ${String(err)}`));
    }
    return true;
  }

  /** The server's answers to the agent's requests, and the notifications the agent receives. */
  private fromServer(value: Raw): boolean {
    if (value.jsonrpc !== '2.0') return false;
    if (typeof value.method === 'string') return !('id' in value) && this.notified(value);
    if (typeof value.id !== 'number' || !('result' in value || 'error' in value)) return false;
    const pending = this.byServer.get(value.id);
    if (!pending) return false;
    if (pending.parkedAs) {
      pending.held = value;
      return true;
    }
    if (pending.retry && isObject(value.result) && value.result.resultType === 'input_required') {
      this.byServer.delete(value.id);
      this.inputRound(pending, value.result);
      return true;
    }
    this.settle(pending);
    value.id = pending.agentId;
    if (pending.reshape && 'result' in value) {
      try {
        value.result = pending.reshape(value.result);
      } catch (err) {
        delete value.result;
        value.error = errorOf(err);
      }
    }
    if (pending.bridged && isObject(value.result)) value.result = completed(value.result, pending.bridged === 'list');
    this.toAgent(value);
    return true;
  }

  /** A notification from the server: the agent's progress, or one it receives as it is. */
  private notified(note: Raw): boolean {
    const method = note.method as string;
    if (method === 'notifications/progress') {
      const token = isObject(note.params) ? note.params.progressToken : undefined;
      if (!isRequestId(token) || !this.byToken.has(token)) return false;
      this.toAgent(note);
      return true;
    }
    if (!Object.hasOwn(FORWARDED_NOTIFICATIONS, method)) return false;
    if (method === 'notifications/tools/list_changed') {
      this.stale = true;
      this.changes++;
    }
    const needs = FORWARDED_NOTIFICATIONS[method];
    if (needs && !this.opts.caps[needs]) this.opts.log(`cannot forward ${method}: the server did not declare ${needs}`);
    else if (this.listeners.size && Object.hasOwn(LISTEN_FILTERS, method)) this.toListeners(note, LISTEN_FILTERS[method]!);
    else this.toAgent(note);
    return true;
  }

  /**
   * A 2026-07-28 agent's subscriptions/listen, whatever the server's era: conn gets the server's list
   * changes anyway (a 2025 server sends them, a 2026 one on conn's own stream), so it acknowledges
   * the ones it can deliver and sends each on that stream, with its subscription id. The request
   * stays open until the agent cancels it. Resource subscriptions are not taken (not acknowledged).
   */
  private listen(req: AgentRequest): void {
    const asked = isObject(req.params?.notifications) ? req.params.notifications : {};
    const { caps } = this.opts;
    const honored = {
      ...(asked.toolsListChanged === true ? { toolsListChanged: true as const } : {}),
      ...(asked.promptsListChanged === true && caps.prompts?.listChanged ? { promptsListChanged: true as const } : {}),
      ...(asked.resourcesListChanged === true && caps.resources?.listChanged ? { resourcesListChanged: true as const } : {}),
    };
    this.listeners.set(req.id, honored);
    this.toAgent({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: honored, _meta: { [SUBSCRIPTION_ID]: req.id } } });
  }

  private toListeners(note: Raw, filter: 'toolsListChanged' | 'promptsListChanged' | 'resourcesListChanged'): void {
    const params = isObject(note.params) ? note.params : {};
    const meta = isObject(params._meta) ? params._meta : {};
    for (const [id, honored] of this.listeners) {
      if (honored[filter]) this.toAgent({ jsonrpc: '2.0', method: note.method, params: { ...params, _meta: { ...meta, [SUBSCRIPTION_ID]: id } } });
    }
  }

  /** The server is gone: every request still waiting fails now, as the SDK client would fail it. */
  private serverGone(): void {
    // An input_required the agent still holds: its retry is then sent on like any request, and fails.
    this.parked.clear();
    for (const pending of [...this.byAgent.values()]) this.fail(pending, new ServeError(ErrorCode.ConnectionClosed, 'Connection closed'));
  }

  private refresh(): Promise<void> {
    const seen = this.changes;
    return (this.refreshing ??= this.fetchTools()
      .then((tools) => {
        this.known = tools;
        this.stale = this.changes !== seen;
      })
      .finally(() => {
        this.refreshing = undefined;
      }));
  }

  /** Every tool the server lists, all pages, as far as the gate reads them. */
  private async fetchTools(): Promise<Map<string, ListedTool>> {
    const tools = new Map<string, ListedTool>();
    let cursor: unknown;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const result = await this.opts.link.request('tools/list', typeof cursor === 'string' ? { cursor } : {});
      for (const tool of listedTools(result)) tools.set(tool.name, tool);
      cursor = isObject(result) ? result.nextCursor : undefined;
      if (typeof cursor !== 'string' || !cursor) break;
    }
    return tools;
  }

  private track(req: AgentRequest): Pending {
    const meta = isObject(req.params?._meta) ? req.params._meta : undefined;
    const token = meta?.progressToken;
    const pending: Pending = { agentId: req.id, ...(isRequestId(token) ? { token } : {}) };
    if (this.opts.era === '2026' && !(meta && typeof meta['io.modelcontextprotocol/protocolVersion'] === 'string')) pending.retry = req;
    if (meta && this.opts.era !== '2026' && typeof meta['io.modelcontextprotocol/protocolVersion'] === 'string') {
      pending.bridged = req.method.endsWith('/list') ? 'list' : true;
      const caps = meta['io.modelcontextprotocol/clientCapabilities'];
      if (isObject(caps)) pending.agentCaps = caps;
    }
    this.byAgent.set(req.id, pending);
    if (pending.token !== undefined) this.byToken.set(pending.token, pending);
    return pending;
  }

  /**
   * A 2026 server wants input for a 2025 agent's request: each of its inputRequests goes to the agent
   * as the request a 2025 server would have sent, and the request is sent again with the answers.
   */
  private inputRound(pending: Pending, result: Raw): void {
    const req = pending.retry!;
    const ask = this.opts.ask;
    const requests = isObject(result.inputRequests) ? result.inputRequests : {};
    if (!ask || (pending.rounds = (pending.rounds ?? 0) + 1) > MAX_INPUT_ROUNDS) {
      this.fail(pending, new ServeError(ErrorCode.InternalError, 'the server kept asking for input'));
      return;
    }
    const keys = Object.keys(requests);
    Promise.all(keys.map((key) => {
      const r = requests[key];
      if (!isObject(r) || typeof r.method !== 'string') return Promise.reject(new ServeError(ErrorCode.InternalError, `the server sent an invalid input request ${key}`));
      return ask(r.method, r.params);
    })).then(
      (answers) => {
        const inputResponses = Object.fromEntries(keys.map((key, i) => [key, answers[i]]));
        const params: Raw = { ...req.params, inputResponses };
        if (typeof result.requestState === 'string') params.requestState = result.requestState;
        else delete params.requestState;
        this.forward(pending, { ...req, params });
      },
      (err: unknown) => this.fail(pending, err),
    );
  }

  /**
   * A 2025 server's request (elicitation/create, sampling/createMessage, roots/list) while a 2026-07-28
   * agent's request waits on it: that agent gets it the 2026 way, as an input_required result, and its
   * retry brings the answer, sent to the server as the response. Over stdio a request names no request
   * of the agent's: it goes with the newest one waiting. False when no 2026 request declared the
   * capability (the caller then asks or declines as for a 2025 agent).
   */
  serverAsks(message: Raw): boolean {
    if (typeof message.method !== 'string' || !isRequestId(message.id) || !Object.hasOwn(ASKS, message.method)) return false;
    const need = ASKS[message.method]!;
    const waiting = [...this.byServer.values()].filter((p) => p.bridged && !p.settled && p.agentCaps?.[need] !== undefined);
    const pending = waiting.at(-1);
    if (!pending) return false;
    (pending.asks ??= []).push({ serverId: message.id, method: message.method, ...(message.params !== undefined ? { params: message.params } : {}) });
    if (!pending.parkedAs) this.askInput(pending);
    return true;
  }

  private askInput(pending: Pending): void {
    const ask = pending.asks![0]!;
    const state = `conn-input-${++this.parkCount}`;
    pending.parkedAs = state;
    this.parked.set(state, pending);
    if (this.byAgent.get(pending.agentId) === pending) this.byAgent.delete(pending.agentId);
    if (pending.token !== undefined && this.byToken.get(pending.token) === pending) this.byToken.delete(pending.token);
    const inputRequests = { [INPUT_KEY]: { method: ask.method, ...(ask.params !== undefined ? { params: ask.params } : {}) } };
    this.toAgent({ jsonrpc: '2.0', id: pending.agentId, result: { resultType: 'input_required', inputRequests, requestState: state } });
  }

  /** A 2026 agent's retry of a request answered with input_required: its answer goes to the server. */
  private retried(req: AgentRequest): void {
    const state = req.params!.requestState as string;
    const pending = this.parked.get(state)!;
    this.parked.delete(state);
    pending.parkedAs = undefined;
    const ask = pending.asks!.shift()!;
    const responses = isObject(req.params!.inputResponses) ? req.params!.inputResponses : {};
    const answer = responses[INPUT_KEY];
    const body = answer !== undefined ? { result: answer } : { error: { code: ErrorCode.InvalidParams, message: `the agent gave no answer to ${ask.method}` } };
    this.opts.link.sendRaw({ jsonrpc: '2.0', id: ask.serverId, ...body }).catch((err: unknown) => this.opts.log(`cannot answer the server: ${String(err)}`));
    // The retry stands for the original request from now on: its id gets the server's answer.
    pending.agentId = req.id;
    this.byAgent.set(req.id, pending);
    const token = isObject(req.params!._meta) ? req.params!._meta.progressToken : undefined;
    pending.token = isRequestId(token) ? token : undefined;
    if (pending.token !== undefined) this.byToken.set(pending.token, pending);
    if (pending.asks!.length) this.askInput(pending);
    else if (pending.held) {
      const held = pending.held;
      pending.held = undefined;
      this.fromServer(held);
    }
  }

  /** Sends the agent's request on with the server's id in place of the agent's. */
  private forward(pending: Pending, req: AgentRequest): void {
    if (pending.settled) return;
    pending.serverId = this.opts.link.nextId();
    this.byServer.set(pending.serverId, pending);
    req.id = pending.serverId;
    this.opts.link.sendRaw(req).catch((err: unknown) => this.fail(pending, err));
  }

  private settle(pending: Pending): void {
    pending.settled = true;
    if (this.byAgent.get(pending.agentId) === pending) this.byAgent.delete(pending.agentId);
    if (pending.token !== undefined && this.byToken.get(pending.token) === pending) this.byToken.delete(pending.token);
    if (pending.serverId !== undefined) this.byServer.delete(pending.serverId);
  }

  private answer(pending: Pending, result: Raw): void {
    this.settle(pending);
    if (pending.bridged) result = completed(result, pending.bridged === 'list');
    this.toAgent({ jsonrpc: '2.0', id: pending.agentId, result });
  }

  private fail(pending: Pending, err: unknown): void {
    if (pending.settled) return;
    this.settle(pending);
    this.toAgent({ jsonrpc: '2.0', id: pending.agentId, error: errorOf(err) });
  }

  private toAgent(message: Raw): void {
    this.opts.agent.send(message as unknown as JSONRPCMessage).catch((err: unknown) => this.opts.log(`cannot answer the agent: ${String(err)}`));
  }
}

/**
 * The tools of a tools/list result as the gate reads them (the entries themselves: a tool is
 * classed by its name and hints). An entry without a name is left out: it is never shown, and a
 * call naming it meets the defaults (destructive).
 */
function listedTools(result: unknown): ListedTool[] {
  const tools = isObject(result) && Array.isArray(result.tools) ? (result.tools as unknown[]) : undefined;
  if (!tools) throw new ServeError(ErrorCode.InternalError, 'the server sent a tools/list result without tools');
  return tools.filter((tool): tool is ListedTool => isObject(tool) && typeof tool.name === 'string');
}

/**
 * A 2025 server's result as 2026-07-28 has it: `resultType` (always `complete`: a 2025 server asks
 * for input with requests of its own), and on a list `ttlMs` 0 and `cacheScope` private (no caching).
 */
function completed(result: Raw, list: boolean): Raw {
  return { resultType: 'complete', ...(list ? { ttlMs: 0, cacheScope: 'private' } : {}), ...result };
}
