import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, notionRef } from './entries.js';

describe('vscode writer (.vscode/mcp.json)', () => {
  const w = writerFor('vscode');
  goldenCases('vscode', { ext: 'json', existing: 'existing.jsonc' });

  it('writes servers with type and ${env:VAR} references', () => {
    const out = JSON.parse(w.merge(null, [notionRef], [])) as { servers: Record<string, Record<string, unknown>> };
    expect(out.servers.notion).toMatchObject({ type: 'stdio', env: { NOTION_TOKEN: '${env:CONN_NOTION_NOTION_TOKEN}' } });
  });

  it('keeps the inputs list and its ${input:} references', () => {
    const out = w.merge(fixture('vscode', 'existing.jsonc'), [notionRef], []);
    expect(out).toContain('"headers": { "Authorization": "Bearer ${input:gh-token}" }');
    expect(out).toContain('"inputs": [');
  });

  it('has no tool filter', () => {
    expect(w.merge(null, [githubRead], [])).not.toContain('create_issue');
    expect(w.denyRules(githubRead)).toEqual([]);
  });
});
