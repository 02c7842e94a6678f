import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { githubRead, legacySse, linearRef, notionRef } from './entries.js';

type Servers = { mcpServers: Record<string, Record<string, unknown>> };

describe('roo writer (.roo/mcp.json)', () => {
  const w = writerFor('roo');
  goldenCases('roo', { ext: 'json', existing: 'existing.json' });

  it('writes ${env:VAR} references and streamable-http / sse types', () => {
    const out = JSON.parse(w.merge(null, [notionRef, linearRef, legacySse], [])) as Servers;
    expect(out.mcpServers.notion?.env).toEqual({ NOTION_TOKEN: '${env:CONN_NOTION_NOTION_TOKEN}', LOG_LEVEL: 'warn' });
    expect(out.mcpServers.linear?.type).toBe('streamable-http');
    expect(out.mcpServers.legacy?.type).toBe('sse');
  });

  it('puts denied tools in the entry as disabledTools', () => {
    const out = JSON.parse(w.merge(null, [githubRead], [])) as Servers;
    expect(out.mcpServers.github?.disabledTools).toEqual(['create_issue', 'delete_repository']);
  });
});
