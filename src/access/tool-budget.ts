// How many tools an agent will see and roughly how many tokens their definitions take, and the
// agents' own limits on tool counts, kept in one place with where each number comes from.
import type { Tool } from '../catalog/model.js';

/**
 * What an agent receives for one tool: its name, description and input schema, as JSON. The estimate
 * is bytes / 4; README "Tool budget" gives its error against a real tokenizer (o200k, gpt-tokenizer).
 */
export function toolDefinitionBytes(tool: Pick<Tool, 'name' | 'description' | 'inputSchema'>): number {
  return Buffer.byteLength(JSON.stringify({ name: tool.name, description: tool.description ?? '', inputSchema: tool.inputSchema ?? {} }), 'utf8');
}

export function estimateTokens(bytes: number): number {
  return Math.ceil(bytes / 4);
}

export interface ToolLimit {
  /** The most tools the agent takes (or the count past which it warns or drops tools). */
  limit: number;
  /** What happens past it, in the agent's own words where it has some. */
  effect: string;
  /** Where the number comes from. */
  source: string;
}

/** Keyed by agent id. Agents not listed have no documented limit. */
export const TOOL_LIMITS: Readonly<Record<string, ToolLimit>> = {
  vscode: { limit: 128, effect: 'requests with more tools are refused', source: 'microsoft/vscode-copilot-release#11653' },
  copilot: { limit: 128, effect: 'requests with more tools are refused', source: 'microsoft/vscode-copilot-release#11653 (same Copilot back end)' },
  cursor: { limit: 80, effect: 'warns, and only the first tools reach the model', source: 'Snowflake-Labs/mcp#77 (80 since 2025-09; 40 before, docs.cursor.com "tool quantity")' },
  windsurf: { limit: 100, effect: 'refuses to enable more tools', source: 'Windsurf MCP docs; DaxianLee/cocos-mcp-server#11 ("would exceed max limit of 100")' },
};
