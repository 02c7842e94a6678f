import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, linearRef, notionRef } from './entries.js';

describe('copilot writer (.mcp.json, shared with Claude Code)', () => {
  const w = writerFor('copilot');
  goldenCases('copilot', { ext: 'json', existing: 'existing.json' });

  it('writes the same entries as Claude Code into the same file, so one file serves both', () => {
    const claude = writerFor('claude-code');
    expect(w.file).toBe(claude.file);
    for (const e of [notionRef, linearRef, githubRead]) expect(w.merge(null, [e], [])).toBe(claude.merge(null, [e], []));
  });

  it("keeps Claude Code's entries and the user's Copilot-only keys when it merges", () => {
    const withClaude = writerFor('claude-code').merge(fixture('copilot', 'existing.json'), [githubRead], []);
    const out = w.merge(withClaude, [notionRef], []);
    expect(w.serverNames(out).sort()).toEqual(['github', 'notion', 'playwright']);
    expect(out).toContain('"tools": ["*"]');
    expect(w.denyRules(githubRead)).toEqual([]);
    expect(w.trustNote).toContain('trustedFolders');
  });
});
