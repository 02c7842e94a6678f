import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { secretPlaceholder, type RemoteSpec, type StdioSpec } from '../../../src/launch/types.js';
import { writerFor } from '../../../src/render/agents/index.js';
import { UnsupportedEntryError } from '../../../src/render/agents/errors.js';
import type { RenderedEntry } from '../../../src/render/agents/types.js';
import { goldenCases } from './golden-cases.js';
import { expectGolden, fixture, githubRead, legacySse, linearRef, notionInline, notionRef } from './entries.js';

const w = writerFor('codex');
type Doc = { mcp_servers: Record<string, Record<string, unknown>> };

function remote(headers: Record<string, string>): RenderedEntry {
  const spec = linearRef.spec as RemoteSpec;
  return { ...linearRef, spec: { ...spec, headers } };
}

describe('codex writer (.codex/config.toml)', () => {
  goldenCases('codex', { ext: 'toml', existing: 'existing.toml', unsupported: ['stdio-env', 'sse'] });

  it('refuses SSE servers: codex has no SSE client', () => {
    expect(() => w.merge(null, [legacySse], [])).toThrow('codex does not support SSE servers');
  });

  it('turns Authorization: Bearer <secret> into bearer_token_env_var', () => {
    const doc = parse(w.merge(null, [linearRef], [])) as Doc;
    expect(doc.mcp_servers.linear).toEqual({ url: 'https://mcp.linear.app/mcp', bearer_token_env_var: 'CONN_LINEAR_TOKEN', http_headers: { 'X-Team': 'eng' } });
  });

  it('turns a header that is exactly a secret into env_http_headers', () => {
    const doc = parse(w.merge(null, [remote({ 'X-Api-Key': secretPlaceholder('CONN_LINEAR_TOKEN') })], [])) as Doc;
    expect(doc.mcp_servers.linear).toEqual({ url: 'https://mcp.linear.app/mcp', env_http_headers: { 'X-Api-Key': 'CONN_LINEAR_TOKEN' } });
  });

  it('refuses a header with a secret inside other text, since codex expands no ${VAR}', () => {
    expect(() => w.merge(null, [remote({ Authorization: `Token ${secretPlaceholder('CONN_LINEAR_TOKEN')}` })], [])).toThrow(UnsupportedEntryError);
  });

  it('forwards a stdio secret with env_vars only when the server expects the exported name', () => {
    const spec = notionRef.spec as StdioSpec;
    const same: RenderedEntry = { ...notionRef, spec: { ...spec, env: { CONN_NOTION_NOTION_TOKEN: secretPlaceholder('CONN_NOTION_NOTION_TOKEN') } } };
    const doc = parse(w.merge(null, [same], [])) as Doc;
    expect(doc.mcp_servers.notion).toEqual({ command: 'npx', args: ['-y', '@notionhq/notion-mcp-server'], env_vars: ['CONN_NOTION_NOTION_TOKEN'] });
    expect(() => w.merge(null, [notionRef], [])).toThrow(/codex forwards an environment variable only under its own name/);
  });

  it('puts denied tools in disabled_tools', () => {
    const doc = parse(w.merge(null, [githubRead], [])) as Doc;
    expect(doc.mcp_servers.github?.disabled_tools).toEqual(['create_issue', 'delete_repository']);
  });

  it('replaces its entry and sub-tables in place, keeping the tables around them', () => {
    const existing = fixture('codex', 'existing-managed.toml');
    const out = w.merge(existing, [notionInline], []);
    expectGolden('codex', 'replaced.toml', out);
    expect(out.endsWith('# the user\'s table after conn\'s\n[history]\npersistence = "none"\n')).toBe(true);
    expect(out).not.toContain('ntn_old_secret');
    expect(w.merge(out, [notionInline], [])).toBe(out);
  });

  it('removes an entry with its sub-tables, leaving no doubled blank lines', () => {
    const out = w.merge(fixture('codex', 'existing-managed.toml'), [], ['notion']);
    expect(out).toBe('model = "gpt-5-codex"\n\n# the user\'s table after conn\'s\n[history]\npersistence = "none"\n');
  });

  it('is not fooled by header-like lines inside multi-line strings and arrays', () => {
    const existing = 'notes = """\n[mcp_servers.notion]\nnot a table\n"""\nlist = [\n  "a",\n  ["x"]\n]\n';
    const out = w.merge(existing, [notionInline], []);
    expect(out.startsWith(existing)).toBe(true);
    expect(w.merge(out, [], ['notion'])).toBe(existing);
  });

  it('refuses to touch an entry written as an inline table, leaving the choice to the user', () => {
    const existing = '[mcp_servers]\nnotion = { command = "old" }\n';
    expect(w.serverNames(existing)).toEqual(['notion']);
    expect(() => w.merge(existing, [notionInline], [])).toThrow(UnsupportedEntryError);
    expect(() => w.merge(existing, [], ['notion'])).toThrow(/not written as its own \[mcp_servers.notion\] table/);
  });

  it('keeps CRLF line endings', () => {
    const existing = '# windows\r\nmodel = "o3"\r\n';
    const out = w.merge(existing, [notionInline], []);
    expect(out.startsWith(existing)).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(w.merge(out, [], ['notion'])).toBe(existing);
  });

  it('handles quoted table keys', () => {
    const existing = '[mcp_servers."notion"]\ncommand = "old"\n\n[mcp_servers."notion".env]\nA = "1"\n';
    const out = w.merge(existing, [], ['notion']);
    expect(out).toBe('');
  });
});
