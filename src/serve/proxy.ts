// The MCP server `conn serve` shows the agent in front of a real server: tools/list filtered by the
// permission level, calls of hidden tools refused, everything else forwarded as it is (lane.ts).
// What is left is answered here as the SDK's server would: initialize (with the real server's name,
// version and capabilities), ping, and "Method not found" for the rest.
import type { JSONRPCMessage, ServerCapabilities } from '@modelcontextprotocol/server';
import type { AgentSide } from './agent-stdio.js';
import type { ToolGate } from './gate.js';
import { answerError, ErrorCode, isObject, isRequestId, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type Raw } from './jsonrpc.js';
import { ASKS, Lane } from './lane.js';
import { MODERN_PROTOCOL_VERSION, type Upstream } from './upstream.js';

export function openProxy(upstream: Pick<Upstream, 'link' | 'server'>, agent: AgentSide, gate: ToolGate, log: (line: string) => void): void {
  const { capabilities: caps, info, instructions } = upstream.server;
  const capabilities: ServerCapabilities = {
    // Always announced: the filtered list changes when the upstream's does.
    tools: { listChanged: true },
    ...(caps.resources ? { resources: { ...(caps.resources.subscribe ? { subscribe: true } : {}), ...(caps.resources.listChanged ? { listChanged: true } : {}) } } : {}),
    ...(caps.prompts ? { prompts: { ...(caps.prompts.listChanged ? { listChanged: true } : {}) } } : {}),
    ...(caps.completions ? { completions: {} } : {}),
    ...(caps.logging ? { logging: {} } : {}),
  };

  /** The agent's capabilities, from its initialize. */
  let agentCaps: Raw = {};
  /** Requests sent to the agent for the server, by our id: what to do with the agent's answer. */
  const asked = new Map<string, (answer: Raw) => void>();
  let nextAsk = 0;
  /** The agent's answer (result or error member) to `method`; an elicitation it cannot take is declined. */
  const askAgent = (method: string, params: unknown, settle: (answer: Raw) => void): void => {
    if (!Object.hasOwn(ASKS, method) || agentCaps[ASKS[method]!] === undefined) {
      // conn declared elicitation for an agent that did not: the user is not asked, so it is declined.
      settle(method === 'elicitation/create' ? { result: { action: 'decline' } } : { error: { code: ErrorCode.MethodNotFound, message: `the agent does not take ${method}` } });
      return;
    }
    const id = `conn-${nextAsk++}`;
    asked.set(id, settle);
    agent.send({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) } as unknown as JSONRPCMessage).catch((err: unknown) => log(`cannot ask the agent: ${String(err)}`));
  };
  upstream.link.serverRequest = (message) => {
    // A 2026 agent's request waiting on it: the agent gets it as input_required.
    if (lane.serverAsks(message)) return true;
    if (typeof message.method !== 'string' || !isRequestId(message.id) || !Object.hasOwn(ASKS, message.method)) return false;
    const serverId = message.id;
    askAgent(message.method, message.params, (answer) => {
      const body = isObject(answer.error) ? { error: answer.error } : { result: answer.result };
      upstream.link.sendRaw({ jsonrpc: '2.0', id: serverId, ...body }).catch((err: unknown) => log(`cannot answer the server: ${String(err)}`));
    });
    return true;
  };
  const ask = (method: string, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => askAgent(method, params, (answer) => (isObject(answer.error) ? reject(answerError(answer.error)) : resolve(answer.result))));

  const lane = new Lane({ link: upstream.link, agent, caps, gate, log, era: upstream.server.era, ask });

  const reply = (id: unknown, body: { result: unknown } | { error: { code: number; message: string } }): void => {
    agent.send({ jsonrpc: '2.0', id, ...body } as JSONRPCMessage).catch((err: unknown) => log(`cannot answer the agent: ${String(err)}`));
  };

  const initialize = (params: Raw | undefined): unknown => {
    const requested = params?.protocolVersion;
    return {
      // The agent's version if we speak it, else our latest, as the SDK's server negotiates.
      protocolVersion: typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
      capabilities,
      // The agent sees the real server's name and version: conn is a filter, not another server.
      serverInfo: info,
      ...(instructions ? { instructions } : {}),
    };
  };

  /** What the lane leaves: answered (or, for a notification or a stray answer, let go). */
  const answerRest = (value: unknown): true => {
    if (!isObject(value) || value.jsonrpc !== '2.0') {
      log(`protocol error: not a JSON-RPC 2.0 message: ${JSON.stringify(value).slice(0, 80)}`);
    } else if (typeof value.method !== 'string') {
      // The agent's answer to a request of the server's: back to the server, under its own id.
      const settle = typeof value.id === 'string' ? asked.get(value.id) : undefined;
      if (!settle) {
        log(`protocol error: an answer to no request (id ${JSON.stringify(value.id)})`);
      } else {
        asked.delete(value.id as string);
        settle(value);
      }
    } else if (!('id' in value)) {
      // notifications/initialized, cancellations of what is already answered, roots changes: nothing to do.
    } else if (!isRequestId(value.id)) {
      log(`protocol error: a request without a valid id: ${value.method}`);
    } else if (value.method === 'initialize') {
      const params = isObject(value.params) ? value.params : undefined;
      agentCaps = isObject(params?.capabilities) ? params.capabilities : {};
      reply(value.id, { result: initialize(isObject(value.params) ? value.params : undefined) });
    } else if (value.method === 'server/discover') {
      // A 2026-07-28 agent's opening, whatever the server's era: conn speaks that revision to it and
      // passes its requests on (a 2025 server ignores the _meta envelope they carry).
      reply(value.id, {
        result: {
          supportedVersions: [MODERN_PROTOCOL_VERSION],
          capabilities,
          ...(instructions ? { instructions } : {}),
          resultType: 'complete',
          _meta: { 'io.modelcontextprotocol/serverInfo': info },
        },
      });
    } else if (value.method === 'ping') {
      reply(value.id, { result: {} });
    } else {
      reply(value.id, { error: { code: ErrorCode.MethodNotFound, message: 'Method not found' } });
    }
    return true;
  };

  agent.intercept = (value) => lane.fromAgent(value) || answerRest(value);
}
