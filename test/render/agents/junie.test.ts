import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { linearInline, notionInline } from './entries.js';

describe('junie writer (.junie/mcp/mcp.json)', () => {
  const w = writerFor('junie');
  goldenCases('junie', { ext: 'json', existing: 'existing.json', unsupported: ['stdio-env', 'remote-env', 'sse'] }); // sse: its entry holds a reference

  it('writes plain command and url entries', () => {
    const out = JSON.parse(w.merge(null, [notionInline, linearInline], [])) as { mcpServers: Record<string, Record<string, unknown>> };
    expect(out.mcpServers.notion).toEqual({ command: 'npx', args: ['-y', '@notionhq/notion-mcp-server'], env: { NOTION_TOKEN: 'ntn_inline_secret_1', LOG_LEVEL: 'warn' } });
    expect(out.mcpServers.linear?.url).toBe('https://mcp.linear.app/mcp');
    expect(w.expandsEnv).toBe(false);
  });
});
