import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, legacySse, linearRef, notionRef } from './entries.js';

type Block = { name: string; schema: string; mcpServers: Record<string, unknown>[] };

describe('continue writer (.continue/mcpServers/conn.yaml)', () => {
  const w = writerFor('continue');
  goldenCases('continue', { ext: 'yaml', existing: 'existing.yaml' });

  it('writes a block of its own with ${{ secrets.VAR }} references and typed remote items', () => {
    const out = parse(w.merge(null, [notionRef, linearRef, legacySse], [])) as Block;
    expect(out).toMatchObject({ name: 'conn', version: '0.0.1', schema: 'v1' });
    const byName = Object.fromEntries(out.mcpServers.map((s) => [s.name, s]));
    expect(byName.notion).toEqual({ name: 'notion', command: 'npx', args: ['-y', '@notionhq/notion-mcp-server'], env: { NOTION_TOKEN: '${{ secrets.CONN_NOTION_NOTION_TOKEN }}', LOG_LEVEL: 'warn' } });
    expect(byName.linear).toEqual({
      name: 'linear',
      type: 'streamable-http',
      url: 'https://mcp.linear.app/mcp',
      requestOptions: { headers: { Authorization: 'Bearer ${{ secrets.CONN_LINEAR_TOKEN }}', 'X-Team': 'eng' } },
    });
    expect(byName.legacy?.type).toBe('sse');
  });

  it('says how the CLI reads the file, and that the IDE extension skips a block with more than one server', () => {
    expect(w.trustNote).toContain('cn --config .continue/mcpServers/conn.yaml');
    expect(w.trustNote).toMatch(/IDE extension loads a block file only when it holds a single server/);
  });

  it("keeps the user's items and comments in the block", () => {
    const out = w.merge(fixture('continue', 'existing.yaml'), [notionRef], []);
    expect(out).toContain('  # our sqlite server\n  - name: sqlite\n');
    expect(w.serverNames(out)).toEqual(['sqlite', 'notion']);
  });
});
