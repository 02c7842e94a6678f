import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, linearRef, notionRef } from './entries.js';

describe('cursor writer (.cursor/mcp.json)', () => {
  const w = writerFor('cursor');
  goldenCases('cursor', { ext: 'json', existing: 'existing.jsonc' });

  it('writes secret references as ${env:VAR}', () => {
    const out = w.merge(null, [notionRef, linearRef], []);
    expect(out).toContain('"NOTION_TOKEN": "${env:CONN_NOTION_NOTION_TOKEN}"');
    expect(out).toContain('"Authorization": "Bearer ${env:CONN_LINEAR_TOKEN}"');
  });

  it('has no tool filter: denied tools are not written anywhere', () => {
    expect(w.merge(null, [githubRead], [])).not.toContain('create_issue');
    expect(w.denyRules(githubRead)).toEqual([]);
  });

  it('keeps comments and trailing commas of a JSONC file', () => {
    const out = w.merge(fixture('cursor', 'existing.jsonc'), [notionRef], []);
    expect(out.startsWith('// Team MCP servers: see docs/mcp.md\n{\n')).toBe(true);
    expect(out).toContain('"docs": { "url": "https://docs.internal/mcp" }, // keep me');
  });
});
