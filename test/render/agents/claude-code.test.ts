import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { CLAUDE_SETTINGS_FILE, claudeDenyRules, mergeClaudeDeny, readClaudeDeny } from '../../../src/render/agents/claude-code.js';
import { MalformedFileError } from '../../../src/render/agents/errors.js';
import { goldenCases } from './golden-cases.js';
import { expectGolden, fixture, githubRead, linearRef, notionRef } from './entries.js';

describe('claude-code writer (.mcp.json)', () => {
  const w = writerFor('claude-code');
  goldenCases('claude-code', { ext: 'json', existing: 'existing.json' });

  it('always writes type, and ${VAR} for every secret reference', () => {
    const out = JSON.parse(w.merge(null, [notionRef, linearRef], [])) as { mcpServers: Record<string, Record<string, unknown>> };
    expect(out.mcpServers.notion).toMatchObject({ type: 'stdio', env: { NOTION_TOKEN: '${CONN_NOTION_NOTION_TOKEN}' } });
    expect(out.mcpServers.linear).toMatchObject({ type: 'http', headers: { Authorization: 'Bearer ${CONN_LINEAR_TOKEN}' } });
  });

  it('keeps deny rules out of .mcp.json and names them mcp__<server>__<tool>', () => {
    expect(w.merge(null, [githubRead], [])).not.toContain('create_issue');
    expect(w.denyRules(githubRead)).toEqual(['mcp__github__create_issue', 'mcp__github__delete_repository']);
    expect(claudeDenyRules({ ...githubRead, deniedTools: ['search.docs'] })).toEqual(['mcp__github__search_docs']);
  });
});

describe('mergeClaudeDeny (.claude/settings.local.json)', () => {
  const existing = fixture('claude-code', 'settings-existing.json');
  const rules = claudeDenyRules(githubRead);

  it('adds the rules to permissions.deny, keeping every other setting', () => {
    expectGolden('claude-code', 'settings-deny.json', mergeClaudeDeny(existing, { add: rules, remove: [] }));
  });

  it('creates the file with only the deny rules when there is none', () => {
    expectGolden('claude-code', 'settings-new.json', mergeClaudeDeny(null, { add: rules, remove: [] }));
  });

  it('removes the rules it added and gives back the original file', () => {
    const out = mergeClaudeDeny(existing, { add: rules, remove: [] });
    expect(mergeClaudeDeny(out, { add: [], remove: rules })).toBe(existing);
  });

  it("never removes the user's own rules, nor a rule still wanted", () => {
    const out = mergeClaudeDeny(existing, { add: rules, remove: ['mcp__github__old_tool'] });
    const next = mergeClaudeDeny(out, { add: [rules[0]!], remove: rules });
    expect(readClaudeDeny(next)).toEqual(['Read(./.env)', 'mcp__github__create_issue']);
  });

  it('does not add a rule twice, and changes nothing when all are there', () => {
    const out = mergeClaudeDeny(existing, { add: rules, remove: [] });
    expect(mergeClaudeDeny(out, { add: rules, remove: [] })).toBe(out);
  });

  it('adds to a one-line deny list in the same style', () => {
    const text = '{ "permissions": { "deny": ["Bash(rm:*)"] } }\n';
    const out = mergeClaudeDeny(text, { add: ['mcp__x__y'], remove: [] });
    expect(out).toBe('{ "permissions": { "deny": ["Bash(rm:*)", "mcp__x__y"] } }\n');
    expect(mergeClaudeDeny(out, { add: [], remove: ['mcp__x__y'] })).toBe(text);
  });

  it('refuses a settings file that does not parse, naming it', () => {
    expect(() => mergeClaudeDeny('{ "permissions": ', { add: rules, remove: [] })).toThrow(MalformedFileError);
    expect(() => mergeClaudeDeny('{ "permissions": { "deny": "all" } }', { add: rules, remove: [] })).toThrow(CLAUDE_SETTINGS_FILE);
  });
});
