import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { UnsupportedEntryError } from '../../../src/render/agents/errors.js';
import { parse as parseYaml } from 'yaml';
import { goldenCases } from './golden-cases.js';
import { fixture, linearInline, linearRef, legacySse, notionInline, notionRef } from './entries.js';

type Servers = { mcpServers: Record<string, Record<string, unknown>> };

describe('claude-desktop writer (user level: claude_desktop_config.json)', () => {
  const w = writerFor('claude-desktop');
  goldenCases('claude-desktop', { ext: 'json', existing: 'existing.json', unsupported: ['stdio-env', 'remote-env', 'remote-inline', 'sse'] });

  it('takes stdio servers only, and says how to reach a remote one (proxy)', () => {
    expect(w.scope).toBe('user');
    expect(() => w.merge(null, [linearInline], [])).toThrow(UnsupportedEntryError);
    expect(() => w.merge(null, [linearInline], [])).toThrow(/only stdio servers/);
  });

  it("keeps the user's other settings and entries", () => {
    const out = JSON.parse(w.merge(fixture('claude-desktop', 'existing.json'), [notionInline], [])) as Servers & { globalShortcut: string };
    expect(out.globalShortcut).toBe('Ctrl+Space');
    expect(Object.keys(out.mcpServers)).toEqual(['filesystem', 'notion']);
  });
});

describe('cline writer (user level: cline_mcp_settings.json)', () => {
  const w = writerFor('cline');
  goldenCases('cline', { ext: 'json', existing: 'existing.json', unsupported: ['stdio-env', 'remote-env', 'sse'] });

  it('always writes the remote type (a bare url would be SSE to Cline)', () => {
    const out = JSON.parse(w.merge(null, [linearInline], [])) as Servers;
    expect(out.mcpServers.linear?.type).toBe('streamableHttp');
    expect(() => w.merge(null, [notionRef], [])).toThrow(UnsupportedEntryError);
  });
});

describe('windsurf writer (user level: ~/.codeium/windsurf/mcp_config.json)', () => {
  const w = writerFor('windsurf');
  goldenCases('windsurf', { ext: 'json', existing: 'existing.json' });

  it('writes serverUrl and ${env:VAR} references', () => {
    const out = JSON.parse(w.merge(null, [linearRef, notionRef, legacySse], [])) as Servers;
    expect(out.mcpServers.linear).toEqual({ serverUrl: 'https://mcp.linear.app/mcp', headers: { Authorization: 'Bearer ${env:CONN_LINEAR_TOKEN}', 'X-Team': 'eng' } });
    expect(out.mcpServers.notion?.env).toEqual({ NOTION_TOKEN: '${env:CONN_NOTION_NOTION_TOKEN}', LOG_LEVEL: 'warn' });
    expect(w.scope).toBe('user');
  });
});

describe('goose writer (user level: ~/.config/goose/config.yaml)', () => {
  const w = writerFor('goose');
  goldenCases('goose', { ext: 'yaml', existing: 'existing.yaml', unsupported: ['stdio-env', 'remote-env', 'sse'] });

  it('writes extensions with cmd/envs or uri, keeping the other settings and comments', () => {
    const out = w.merge(fixture('goose', 'existing.yaml'), [notionInline, linearInline], []);
    expect(out.startsWith('GOOSE_PROVIDER: anthropic\nGOOSE_MODEL: claude-sonnet-4\n# extensions I added by hand\n')).toBe(true);
    const parsed = parseYaml(out) as { extensions: Record<string, Record<string, unknown>> };
    expect(parsed.extensions.notion).toMatchObject({ type: 'stdio', cmd: 'npx', args: ['-y', '@notionhq/notion-mcp-server'], envs: { NOTION_TOKEN: 'ntn_inline_secret_1', LOG_LEVEL: 'warn' } });
    expect(parsed.extensions.linear).toMatchObject({ type: 'streamable_http', uri: 'https://mcp.linear.app/mcp' });
    expect(w.scope).toBe('user');
    expect(() => w.merge(null, [notionRef], [])).toThrow(UnsupportedEntryError);
  });
});
