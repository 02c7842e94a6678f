/**
 * A JSON-RPC error for the agent. The SDK sends `error.code` and `error.message` as they are; its
 * McpError would put "MCP error N:" into the message, and the agent's SDK adds another.
 */
export class ServeError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = 'ServeError';
  }
}
