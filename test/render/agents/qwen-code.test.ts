import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { githubRead, legacySse, linearRef } from './entries.js';

type Servers = { mcpServers: Record<string, Record<string, unknown>> };

describe('qwen-code writer (.qwen/settings.json)', () => {
  const w = writerFor('qwen-code');
  goldenCases('qwen-code', { ext: 'json', existing: 'existing.json' });

  it('writes Streamable HTTP as httpUrl and SSE as url, with ${VAR} references', () => {
    const out = JSON.parse(w.merge(null, [linearRef, legacySse], [])) as Servers;
    expect(out.mcpServers.linear).toEqual({ httpUrl: 'https://mcp.linear.app/mcp', headers: { Authorization: 'Bearer ${CONN_LINEAR_TOKEN}', 'X-Team': 'eng' } });
    expect(out.mcpServers.legacy?.url).toBe('https://legacy.example.com/sse');
    expect(out.mcpServers.legacy?.httpUrl).toBeUndefined();
  });

  it('puts denied tools in the entry as excludeTools, and says how to approve', () => {
    const out = JSON.parse(w.merge(null, [githubRead], [])) as Servers;
    expect(out.mcpServers.github?.excludeTools).toEqual(['create_issue', 'delete_repository']);
    expect(w.trustNote).toContain('qwen mcp approve');
  });
});
