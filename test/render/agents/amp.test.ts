import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, linearRef, notionRef } from './entries.js';

describe('amp writer (.amp/settings.json)', () => {
  const w = writerFor('amp');
  goldenCases('amp', { ext: 'json', existing: 'existing.json' });

  it('writes under the dotted key "amp.mcpServers", with ${VAR} references, other settings kept', () => {
    const out = w.merge(fixture('amp', 'existing.json'), [notionRef, linearRef], []);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    const servers = parsed['amp.mcpServers'] as Record<string, Record<string, unknown>>;
    expect(servers.notion?.env).toEqual({ NOTION_TOKEN: '${CONN_NOTION_NOTION_TOKEN}', LOG_LEVEL: 'warn' });
    expect(servers.linear).toEqual({ url: 'https://mcp.linear.app/mcp', headers: { Authorization: 'Bearer ${CONN_LINEAR_TOKEN}', 'X-Team': 'eng' } });
    expect(parsed['amp.tools.disable']).toEqual(['browser_navigate']);
    expect(parsed.amp).toBeUndefined();
    expect(w.trustNote).toContain('amp mcp approve');
  });
});
