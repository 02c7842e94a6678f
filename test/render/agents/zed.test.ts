import { describe, expect, it } from 'vitest';
import { parse } from 'jsonc-parser';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, linearInline, notionInline } from './entries.js';

describe('zed writer (.zed/settings.json)', () => {
  const w = writerFor('zed');
  goldenCases('zed', { ext: 'json', existing: 'existing.jsonc', unsupported: ['stdio-env', 'remote-env', 'sse'] }); // sse: its entry holds a reference

  it('writes context_servers and keeps every other setting and comment', () => {
    const existing = fixture('zed', 'existing.jsonc');
    const out = w.merge(existing, [notionInline, linearInline], []);
    const parsed = parse(out) as { context_servers: Record<string, unknown>; tab_size: number; languages: unknown };
    expect(parsed.context_servers.linear).toEqual({ url: 'https://mcp.linear.app/mcp', headers: { Authorization: 'Bearer lin_api_secret_2', 'X-Team': 'eng' } });
    expect(parsed.tab_size).toBe(2);
    expect(out).toContain('  "languages": { "TypeScript": { "format_on_save": "on" } },\n}');
    expect(w.expandsEnv).toBe(false);
  });
});
