import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, legacySse, linearRef, notionRef } from './entries.js';

type Block = { name: string; schema: string; mcpServers: Record<string, unknown>[] };

describe('continue writer (.continue/mcpServers/conn-NAME.yaml)', () => {
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

  it('names one block per server in the folder Continue loads, safe as a file name', () => {
    expect(w.file).toBe('.continue/mcpServers');
    expect(w.blockFile!('notion')).toBe('.continue/mcpServers/conn-notion.yaml');
    expect(w.blockFile!('a/b c')).toBe('.continue/mcpServers/conn-a_b_c.yaml');
    expect(parse(w.merge(null, [notionRef], []))).toMatchObject({ name: 'conn notion', mcpServers: [{ name: 'notion' }] });
  });

  it('a block emptied of its server is deleted only when nothing but the header is left', () => {
    expect(w.isEmpty!(w.merge(w.merge(null, [notionRef], []), [], ['notion']))).toBe(true);
    expect(w.isEmpty!(w.merge(fixture('continue', 'existing.yaml'), [], ['sqlite']))).toBe(false);
    expect(w.isEmpty!('name: x\nversion: 0.0.1\nschema: v1\nrules:\n  - be nice\n')).toBe(false);
    expect(w.isEmpty!('name: x\nversion: 0.0.1\nschema: v1\nmcpServers: []\n')).toBe(true);
  });

  it('says how the IDE and the CLI load the blocks', () => {
    expect(w.trustNote).toContain('IDE extension loads each block in .continue/mcpServers/');
    expect(w.trustNote).toContain('uses: ./.continue/mcpServers/conn-NAME.yaml');
  });

  it("keeps the user's items and comments in the block", () => {
    const out = w.merge(fixture('continue', 'existing.yaml'), [notionRef], []);
    expect(out).toContain('  # our sqlite server\n  - name: sqlite\n');
    expect(w.serverNames(out)).toEqual(['sqlite', 'notion']);
  });
});
