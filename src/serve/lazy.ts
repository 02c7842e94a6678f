// Lazy start: `conn serve` answers the agent's handshake and tools/list from what `conn test`
// recorded, and starts the real server on the first request that needs it (a tool call, resources,
// prompts, completion). An agent with 20 proxied connections is then ready as fast as with one.
// Once the server is up, its live tool list is held against the record: a difference is drift, and
// the agent gets notifications/tools/list_changed (the lane filters the new list as always).
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Tool } from '../catalog/model.js';
import type { AgentStdioTransport } from './agent-stdio.js';
import type { ToolGate } from './gate.js';
import { ErrorCode, isObject, isRequestId, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type Raw } from './jsonrpc.js';
import { openProxy } from './proxy.js';
import type { ServerSide, Upstream } from './upstream.js';

/** What `conn test` recorded: enough to answer the handshake and tools/list without the server. */
export interface LazyRecord {
  server: ServerSide;
  tools: Tool[];
}

export interface ToolDrift {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface LazyOptions {
  record: LazyRecord;
  gate: ToolGate;
  /** Starts (connects) the real server; called on the first request that needs it, again after a failure. */
  start: () => Promise<Upstream>;
  /** The server is up: the caller watches it from here on. */
  onUpstream: (upstream: Upstream) => void;
  /** The live tool list differs from the record. */
  onDrift: (drift: ToolDrift) => void;
  log: (line: string) => void;
}

/** One line of what went wrong, for a JSON-RPC error message. */
const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

export function openLazy(agent: AgentStdioTransport, opts: LazyOptions): void {
  const { record, gate, log } = opts;
  let queue: Raw[] = [];
  let starting: Promise<void> | undefined;

  const reply = (id: unknown, body: { result: unknown } | { error: { code: number; message: string } }): void => {
    agent.send({ jsonrpc: '2.0', id, ...body } as JSONRPCMessage).catch((err: unknown) => log(`cannot answer the agent: ${String(err)}`));
  };

  const caps = record.server.capabilities;
  const initialize = (params: Raw | undefined) => {
    const requested = params?.protocolVersion;
    return {
      protocolVersion: typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
      // As openProxy announces them once the server is up: the agent sees no difference.
      capabilities: {
        tools: { listChanged: true },
        ...(caps.resources ? { resources: { ...(caps.resources.subscribe ? { subscribe: true } : {}), ...(caps.resources.listChanged ? { listChanged: true } : {}) } } : {}),
        ...(caps.prompts ? { prompts: { ...(caps.prompts.listChanged ? { listChanged: true } : {}) } } : {}),
        ...(caps.completions ? { completions: {} } : {}),
        ...(caps.logging ? { logging: {} } : {}),
      },
      serverInfo: record.server.info,
      ...(record.server.instructions ? { instructions: record.server.instructions } : {}),
    };
  };

  // The recorded definitions, in the server's order, as the lane would filter them.
  const listed = () =>
    record.tools
      .filter((t) => gate.allows(t))
      .map((t) => ({
        name: t.name,
        ...(t.title ? { title: t.title } : {}),
        ...(t.description !== undefined ? { description: t.description } : {}),
        inputSchema: t.inputSchema ?? { type: 'object' },
        ...(t.annotations ? { annotations: t.annotations } : {}),
      }));

  const startServer = (): Promise<void> =>
    (starting ??= opts.start().then(
      (upstream) => {
        opts.onUpstream(upstream);
        log(`started the server on first use (${upstream.transport}${upstream.pid ? `, pid ${upstream.pid}` : ''})`);
        // From here on the lane and the proxy take every message; what waited goes first, in order.
        openProxy(upstream, agent, gate, log);
        const waiting = queue;
        queue = [];
        for (const message of waiting) agent.intercept!(message);
        void checkDrift(upstream);
      },
      (err: unknown) => {
        const why = oneLine(err);
        log(`the server did not start: ${why}`);
        const waiting = queue;
        queue = [];
        starting = undefined; // the next request tries again
        for (const message of waiting) reply(message.id, { error: { code: ErrorCode.InternalError, message: `the server did not start: ${why}` } });
      },
    ));

  const checkDrift = async (upstream: Upstream): Promise<void> => {
    try {
      const live = await allTools(upstream);
      const drift = diff(record.tools, live);
      if (!drift.added.length && !drift.removed.length && !drift.changed.length) return;
      log(`the server's tools differ from the record (added ${drift.added.join(', ') || '-'}; removed ${drift.removed.join(', ') || '-'}; changed ${drift.changed.join(', ') || '-'}): run conn test`);
      opts.onDrift(drift);
      agent.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' } as JSONRPCMessage).catch(() => undefined);
    } catch (err) {
      log(`cannot check the tool list against the record: ${oneLine(err)}`);
    }
  };

  agent.intercept = (value) => {
    if (!isObject(value) || value.jsonrpc !== '2.0' || typeof value.method !== 'string') return true;
    if (!('id' in value)) {
      // A cancellation of a request still waiting for the start: it is dropped, never answered.
      if (value.method === 'notifications/cancelled' && isObject(value.params)) {
        const id = value.params.requestId;
        queue = queue.filter((m) => m.id !== id);
      }
      return true;
    }
    if (!isRequestId(value.id)) return true;
    if (value.method === 'initialize') reply(value.id, { result: initialize(isObject(value.params) ? value.params : undefined) });
    else if (value.method === 'ping') reply(value.id, { result: {} });
    else if (value.method === 'tools/list') reply(value.id, { result: { tools: listed() } });
    else {
      queue.push(value);
      void startServer();
    }
    return true;
  };
}

/** Every tool the live server lists (all pages), for the drift check. */
async function allTools(upstream: Upstream): Promise<Raw[]> {
  const tools: Raw[] = [];
  let cursor: unknown;
  for (let page = 0; page < 100; page++) {
    const result = await upstream.link.request('tools/list', typeof cursor === 'string' ? { cursor } : {});
    if (isObject(result) && Array.isArray(result.tools)) tools.push(...(result.tools as unknown[]).filter(isObject));
    cursor = isObject(result) ? result.nextCursor : undefined;
    if (typeof cursor !== 'string' || !cursor) break;
  }
  return tools;
}

/** Names added and removed; changed: same name, other description or input schema (where recorded). */
export function diff(recorded: Tool[], live: Raw[]): ToolDrift {
  const before = new Map(recorded.map((t) => [t.name, t]));
  const after = new Map(live.filter((t) => typeof t.name === 'string').map((t) => [t.name as string, t]));
  const changed: string[] = [];
  for (const [name, old] of before) {
    const now = after.get(name);
    if (!now || old.description === undefined) continue;
    if (old.description !== now.description || canonical(old.inputSchema ?? null) !== canonical(now.inputSchema ?? null)) changed.push(name);
  }
  return {
    added: [...after.keys()].filter((n) => !before.has(n)),
    removed: [...before.keys()].filter((n) => !after.has(n)),
    changed,
  };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
