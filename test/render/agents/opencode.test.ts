import { describe, expect, it } from 'vitest';
import { parse } from 'jsonc-parser';
import { writerFor } from '../../../src/render/agents/index.js';
import { opencodeDenyRules } from '../../../src/render/agents/opencode.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, linearRef, notionRef } from './entries.js';

describe('opencode writer (opencode.json)', () => {
  const w = writerFor('opencode');
  goldenCases('opencode', { ext: 'json', existing: 'existing.jsonc' });

  it('writes local entries with a command array and environment, and {env:VAR} references', () => {
    const out = JSON.parse(w.merge(null, [notionRef, linearRef], [])) as { mcp: Record<string, Record<string, unknown>> };
    expect(out.mcp.notion).toEqual({
      type: 'local',
      command: ['npx', '-y', '@notionhq/notion-mcp-server'],
      environment: { NOTION_TOKEN: '{env:CONN_NOTION_NOTION_TOKEN}', LOG_LEVEL: 'warn' },
    });
    expect(out.mcp.linear).toEqual({ type: 'remote', url: 'https://mcp.linear.app/mcp', headers: { Authorization: 'Bearer {env:CONN_LINEAR_TOKEN}', 'X-Team': 'eng' } });
  });

  it('denies tools with top-level tools keys <server>_<tool>: false', () => {
    expect(w.denyRules(githubRead)).toEqual(['github_create_issue', 'github_delete_repository']);
    expect(opencodeDenyRules({ ...githubRead, name: 'gh', deniedTools: ['repo.delete'] })).toEqual(['gh_repo_delete']);
    const out = JSON.parse(w.merge(null, [githubRead], [])) as { tools: Record<string, boolean> };
    expect(out.tools).toEqual({ github_create_issue: false, github_delete_repository: false });
  });

  it("removes the deny keys it wrote before and no longer wants, never the user's", () => {
    const existing = fixture('opencode', 'existing.jsonc');
    const out = w.merge(existing, [githubRead], []);
    const fewer = w.merge(out, [{ ...githubRead, deniedTools: ['delete_repository'] }], [], w.denyRules(githubRead));
    const tools = (parse(fewer) as { tools: Record<string, boolean> }).tools;
    expect(tools).toEqual({ playwright_browser_install: false, github_delete_repository: false });
  });
});
