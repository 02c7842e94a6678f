// The MCP server `conn serve` shows the agent in front of a real server: tools/list filtered by the
// permission level, calls of hidden tools refused, everything else forwarded as it is.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  CompleteRequestSchema,
  CompleteResultSchema,
  EmptyResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ListPromptsRequestSchema,
  ListPromptsResultSchema,
  ListResourceTemplatesRequestSchema,
  ListResourceTemplatesResultSchema,
  ListResourcesRequestSchema,
  ListResourcesResultSchema,
  ListToolsRequestSchema,
  ListToolsResultSchema,
  McpError,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type ServerCapabilities,
  type ServerNotification,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ToolGate } from './gate.js';
import { ServeError } from './errors.js';

/** Forwarded requests wait as long as the agent does: it cancels, and the cancel is forwarded. */
export const FORWARD_TIMEOUT_MS = 24 * 60 * 60 * 1000;
const MAX_TOOL_PAGES = 100;

/** Upstream notifications the agent receives as they are. */
const FORWARDED_NOTIFICATIONS = new Set([
  'notifications/tools/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
  'notifications/prompts/list_changed',
  'notifications/message',
]);

type Extra = {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number; [k: string]: unknown };
  sendNotification: (n: ServerNotification) => Promise<void>;
};

export function createProxyServer(upstream: Client, gate: ToolGate, log: (line: string) => void): Server {
  const caps = upstream.getServerCapabilities() ?? {};
  const info = upstream.getServerVersion() ?? { name: 'conn-serve', version: '0.1.0' };
  const capabilities: ServerCapabilities = {
    // Always announced: the filtered list changes when the upstream's does.
    tools: { listChanged: true },
    ...(caps.resources ? { resources: { ...(caps.resources.subscribe ? { subscribe: true } : {}), ...(caps.resources.listChanged ? { listChanged: true } : {}) } } : {}),
    ...(caps.prompts ? { prompts: { ...(caps.prompts.listChanged ? { listChanged: true } : {}) } } : {}),
    ...(caps.completions ? { completions: {} } : {}),
    ...(caps.logging ? { logging: {} } : {}),
  };
  const instructions = upstream.getInstructions();
  // The agent sees the real server's name and version: conn is a filter, not another server.
  const server = new Server({ ...info }, { capabilities, ...(instructions ? { instructions } : {}) });

  /** Every tool seen in a tools/list, by name: what a tools/call is checked against. */
  let known = new Map<string, McpTool>();
  let stale = true;

  /**
   * Request options that carry the agent's cancellation and progress. Progress notifications are
   * sent in order, and `settled()` waits for them: the agent must see every one before the result.
   */
  const options = (extra: Extra): RequestOptions & { settled(): Promise<void> } => {
    const token = extra._meta?.progressToken;
    let sent = Promise.resolve();
    return {
      signal: extra.signal,
      timeout: FORWARD_TIMEOUT_MS,
      settled: () => sent,
      ...(token !== undefined
        ? {
            resetTimeoutOnProgress: true,
            onprogress: (p) => {
              sent = sent.then(() => extra.sendNotification({ method: 'notifications/progress', params: { ...p, progressToken: token } })).catch(() => undefined);
            },
          }
        : {}),
    };
  };

  /** Forwards one request upstream with the agent's options. */
  const relay = async <T>(extra: Extra, call: (opts: RequestOptions) => Promise<T>): Promise<T> => {
    const opts = options(extra);
    const result = await forward(() => call(opts));
    await opts.settled();
    return result;
  };

  async function refreshTools(extra: Extra): Promise<void> {
    const next = new Map<string, McpTool>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const result = await upstream.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ListToolsResultSchema, { signal: extra.signal, timeout: FORWARD_TIMEOUT_MS });
      for (const tool of result.tools) next.set(tool.name, tool);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    known = next;
    stale = false;
  }

  server.setRequestHandler(ListToolsRequestSchema, async (req, extra) => {
    if (!caps.tools) return { tools: [] };
    const result = await relay(extra, (o) => upstream.request({ method: 'tools/list', params: req.params ?? {} }, ListToolsResultSchema, o));
    if (!req.params?.cursor) {
      known = new Map();
      stale = false;
    }
    for (const tool of result.tools) known.set(tool.name, tool);
    return { ...result, tools: result.tools.filter((t) => gate.allows(t)) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const name = req.params.name;
    if (stale || !known.has(name)) await forward(() => refreshTools(extra));
    // A tool the server does not list is classed by the defaults (destructive): only `full` passes it on.
    const tool = known.get(name) ?? { name };
    if (!gate.allows(tool)) {
      log(`refused tools/call ${name}: not allowed at permission ${gate.permission}`);
      throw new ServeError(ErrorCode.InvalidParams, gate.refusal(name));
    }
    return relay(extra, (o) => upstream.request({ method: 'tools/call', params: req.params }, CallToolResultSchema, o));
  });

  if (caps.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, (req, extra) =>
      relay(extra, (o) => upstream.request({ method: 'resources/list', params: req.params ?? {} }, ListResourcesResultSchema, o)));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, (req, extra) =>
      relay(extra, (o) => upstream.request({ method: 'resources/templates/list', params: req.params ?? {} }, ListResourceTemplatesResultSchema, o)));
    server.setRequestHandler(ReadResourceRequestSchema, (req, extra) =>
      relay(extra, (o) => upstream.request({ method: 'resources/read', params: req.params }, ReadResourceResultSchema, o)));
    if (caps.resources.subscribe) {
      server.setRequestHandler(SubscribeRequestSchema, (req, extra) =>
        relay(extra, (o) => upstream.request({ method: 'resources/subscribe', params: req.params }, EmptyResultSchema, o)));
      server.setRequestHandler(UnsubscribeRequestSchema, (req, extra) =>
        relay(extra, (o) => upstream.request({ method: 'resources/unsubscribe', params: req.params }, EmptyResultSchema, o)));
    }
  }
  if (caps.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, (req, extra) =>
      relay(extra, (o) => upstream.request({ method: 'prompts/list', params: req.params ?? {} }, ListPromptsResultSchema, o)));
    server.setRequestHandler(GetPromptRequestSchema, (req, extra) =>
      relay(extra, (o) => upstream.request({ method: 'prompts/get', params: req.params }, GetPromptResultSchema, o)));
  }
  if (caps.completions) {
    server.setRequestHandler(CompleteRequestSchema, (req, extra) =>
      relay(extra, (o) => upstream.request({ method: 'completion/complete', params: req.params }, CompleteResultSchema, o)));
  }
  if (caps.logging) {
    server.setRequestHandler(SetLevelRequestSchema, (req, extra) =>
      relay(extra, (o) => upstream.request({ method: 'logging/setLevel', params: req.params }, EmptyResultSchema, o)));
  }

  upstream.fallbackNotificationHandler = async (notification) => {
    if (notification.method === 'notifications/tools/list_changed') stale = true;
    if (!FORWARDED_NOTIFICATIONS.has(notification.method)) return;
    await server.notification(notification as ServerNotification).catch((err: unknown) => log(`cannot forward ${notification.method}: ${String(err)}`));
  };

  return server;
}

/** Runs a forwarded request; an upstream MCP error reaches the agent with its code, without a second prefix. */
async function forward<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof McpError) throw new ServeError(err.code, err.message.replace(/^MCP error -?\d+: /, ''), err.data);
    throw err;
  }
}
