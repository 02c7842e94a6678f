// JSON-RPC as `conn serve` speaks it on the stdio path, without the MCP SDK: loading the SDK (zod
// and several hundred schemas) takes ~70 ms of CPU, which the real server, starting at the same
// moment, would feel. Only what the proxy needs: shapes, error codes, the protocol versions.
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/server';
import { ServeError } from './errors.js';

export type Raw = Record<string, unknown>;

/** The SDK's (test/serve/jsonrpc.test.ts keeps them equal). */
export const LATEST_PROTOCOL_VERSION = '2025-11-25';
export const SUPPORTED_PROTOCOL_VERSIONS = [LATEST_PROTOCOL_VERSION, '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

/** The SDK's ErrorCode values that conn serve sends. */
export const ErrorCode = {
  ConnectionClosed: -32000,
  RequestTimeout: -32001,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

/** 2026-07-28: the request's protocol version is not one the receiver speaks (not in the v1 SDK). */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || Number.isSafeInteger(value);
}

/**
 * A JSON value as a JSON-RPC 2.0 message, or a throw: a request or notification (a method), or
 * an answer (a result with an id, or an error). Lighter than the SDK's schema, and enough for a
 * proxy that passes messages on as they are: the receiving end checks them in full.
 */
export function toMessage(value: unknown): JSONRPCMessage {
  if (isObject(value) && value.jsonrpc === '2.0') {
    if (typeof value.method === 'string' && (!('id' in value) || isRequestId(value.id))) return value as unknown as JSONRPCMessage;
    if (isObject(value.error) || ('result' in value && isRequestId(value.id))) return value as unknown as JSONRPCMessage;
  }
  throw new Error(`not a JSON-RPC 2.0 message: ${JSON.stringify(value).slice(0, 80)}`);
}

/** The error member of an answer, as the SDK server would send it for `err`. */
export function errorOf(err: unknown): { code: number; message: string; data?: unknown } {
  const e = err as { code?: unknown; message?: unknown; data?: unknown } | undefined;
  return {
    code: Number.isSafeInteger(e?.code) ? (e!.code as number) : ErrorCode.InternalError,
    message: typeof e?.message === 'string' && e.message ? e.message : 'Internal error',
    ...(e?.data !== undefined ? { data: e.data } : {}),
  };
}

/** An error answer from the server, as an error to throw (its code, message and data kept). */
export function answerError(error: Raw): ServeError {
  return new ServeError(Number.isSafeInteger(error.code) ? (error.code as number) : ErrorCode.InternalError, String(error.message ?? 'Internal error'), error.data);
}
