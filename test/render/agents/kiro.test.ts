import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, notionRef } from './entries.js';

describe('kiro writer (.kiro/settings/mcp.json)', () => {
  const w = writerFor('kiro');
  goldenCases('kiro', { ext: 'json', existing: 'existing.json' });

  it('puts denied tools in the entry as disabledTools', () => {
    const out = JSON.parse(w.merge(null, [githubRead], [])) as { mcpServers: Record<string, Record<string, unknown>> };
    expect(out.mcpServers.github?.disabledTools).toEqual(['create_issue', 'delete_repository']);
    expect(w.denyRules(githubRead)).toEqual([]);
  });

  it('writes ${VAR} references and keeps the user entry with its Kiro-only keys', () => {
    const out = w.merge(fixture('kiro', 'existing.json'), [notionRef], []);
    const parsed = JSON.parse(out) as { mcpServers: Record<string, Record<string, unknown>> };
    expect(parsed.mcpServers.notion?.env).toEqual({ NOTION_TOKEN: '${CONN_NOTION_NOTION_TOKEN}', LOG_LEVEL: 'warn' });
    expect(parsed.mcpServers.fetch).toEqual({ command: 'uvx', args: ['mcp-server-fetch'], disabled: false, autoApprove: [] });
  });
});
