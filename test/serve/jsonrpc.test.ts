// conn serve speaks JSON-RPC without the MCP SDK on its stdio path (src/serve/jsonrpc.ts): what it
// copied from the SDK must stay what the SDK says.
import * as sdk from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, toMessage } from '../../src/serve/jsonrpc.js';

describe('conn serve’s JSON-RPC', () => {
  it('speaks the protocol versions the SDK speaks, and sends its error codes', () => {
    expect(LATEST_PROTOCOL_VERSION).toBe(sdk.LATEST_PROTOCOL_VERSION);
    expect(SUPPORTED_PROTOCOL_VERSIONS).toEqual(sdk.SUPPORTED_PROTOCOL_VERSIONS);
    for (const [name, code] of Object.entries(ErrorCode)) expect(code, name).toBe(sdk.ErrorCode[name as keyof typeof ErrorCode]);
  });

  it('takes what the SDK’s schema takes, and refuses what is not JSON-RPC', () => {
    const messages = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } },
      { jsonrpc: '2.0', id: 'a', method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, result: {} },
      { jsonrpc: '2.0', id: 3, error: { code: -32601, message: 'Method not found' } },
    ];
    for (const m of messages) {
      expect(sdk.JSONRPCMessageSchema.safeParse(m).success).toBe(true);
      expect(toMessage(m)).toBe(m);
    }
    for (const garbage of [null, 'x', [], {}, { level: 'info', msg: 'started' }, { jsonrpc: '1.0', id: 1, method: 'x' }, { jsonrpc: '2.0', id: {}, method: 'x' }, { jsonrpc: '2.0', id: 1 }]) {
      expect(() => toMessage(garbage)).toThrow('not a JSON-RPC 2.0 message');
    }
  });
});
