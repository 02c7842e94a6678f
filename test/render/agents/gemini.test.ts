import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, legacySse, notionRef } from './entries.js';

describe('gemini writer (.gemini/settings.json)', () => {
  const w = writerFor('gemini');
  goldenCases('gemini', { ext: 'json', existing: 'existing.json' });

  it('puts denied tools in the entry as excludeTools', () => {
    const out = JSON.parse(w.merge(null, [githubRead], [])) as { mcpServers: Record<string, Record<string, unknown>> };
    expect(out.mcpServers.github?.excludeTools).toEqual(['create_issue', 'delete_repository']);
    expect(w.denyRules(githubRead)).toEqual([]);
  });

  it('writes remote servers with url and type, and ${VAR} references', () => {
    const out = JSON.parse(w.merge(null, [legacySse, notionRef], [])) as { mcpServers: Record<string, Record<string, unknown>> };
    expect(out.mcpServers.legacy).toEqual({ type: 'sse', url: 'https://legacy.example.com/sse', headers: { 'X-Api-Key': '${CONN_LEGACY_TOKEN}' } });
    expect(out.mcpServers.notion?.env).toEqual({ NOTION_TOKEN: '${CONN_NOTION_NOTION_TOKEN}', LOG_LEVEL: 'warn' });
  });

  it("keeps every other setting and the file's 4-space indentation", () => {
    const out = w.merge(fixture('gemini', 'existing.json'), [notionRef], []);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(parsed.theme).toBe('GitHub');
    expect(parsed.tools).toEqual({ sandbox: 'docker' });
    expect(out).toContain('\n        "notion": {\n            "command": "npx",');
  });
});
