// Tool lists per assignment (`conn assign --tools/--deny-tools`): the pure rules.
import { describe, expect, it } from 'vitest';
import { addAssignment } from '../../src/access/assignments.js';
import { resolveAccess } from '../../src/access/resolve.js';
import { estimateTokens, toolDefinitionBytes, TOOL_LIMITS } from '../../src/access/tool-budget.js';
import { listsAllow, matchesToolGlob, parseToolGlobs, selectTools } from '../../src/access/tool-list.js';
import type { Catalog, Tool } from '../../src/catalog/model.js';
import { CatalogSchema, emptyCatalog } from '../../src/catalog/model.js';

const tool = (name: string, annotations?: Tool['annotations']): Tool => ({ name, ...(annotations ? { annotations } : {}) });
const READ = { readOnlyHint: true };
const WRITE = { readOnlyHint: false, destructiveHint: false };
const RECORDED: Tool[] = [
  tool('get_issue', READ),
  tool('list_issues', READ),
  tool('search_code', READ),
  tool('create_issue', WRITE),
  tool('delete_repo'),
];

describe('tool globs', () => {
  it('match * over any run and ? over one character, and nothing else', () => {
    expect(matchesToolGlob('get_*', 'get_issue')).toBe(true);
    expect(matchesToolGlob('get_*', 'forget_issue')).toBe(false);
    expect(matchesToolGlob('list_issue?', 'list_issues')).toBe(true);
    expect(matchesToolGlob('list_issue?', 'list_issue')).toBe(false);
    // Regex characters in a tool name are literal.
    expect(matchesToolGlob('a.b', 'axb')).toBe(false);
    expect(matchesToolGlob('a.b', 'a.b')).toBe(true);
    expect(matchesToolGlob('*', 'anything at all')).toBe(true);
  });

  it('are parsed from repeated and comma-separated values, and refuse spaces and control characters', () => {
    expect(parseToolGlobs(['get_*,list_*', 'search_code', 'get_*'], '--tools')).toEqual(['get_*', 'list_*', 'search_code']);
    expect(() => parseToolGlobs(['bad name'], '--tools')).toThrow('--tools: not a tool name or glob');
    expect(() => parseToolGlobs(['x\u001b[2J'], '--deny-tools')).toThrow('--deny-tools: not a tool name or glob');
  });
});

describe('selectTools', () => {
  it('gives the permission level’s tools, narrowed to --tools, minus --deny-tools', () => {
    const all = selectTools(RECORDED, 'full', undefined, undefined);
    expect(all.allowed.map((t) => t.name)).toEqual(RECORDED.map((t) => t.name));
    const read = selectTools(RECORDED, 'read', undefined, { tools: ['get_*', 'list_*', 'create_*'] });
    // create_issue matches --tools but is a write: the permission still wins.
    expect(read.allowed.map((t) => t.name)).toEqual(['get_issue', 'list_issues']);
    expect(read.denied).toEqual(['search_code', 'create_issue', 'delete_repo']);
    const denied = selectTools(RECORDED, 'full', undefined, { denyTools: ['delete_*', 'search_code'] });
    expect(denied.allowed.map((t) => t.name)).toEqual(['get_issue', 'list_issues', 'create_issue']);
  });

  it('names globs that match none of the recorded tools', () => {
    const s = selectTools(RECORDED, 'full', undefined, { tools: ['get_*', 'gte_*'], denyTools: ['remove_*'] });
    expect(s.unmatched).toEqual(['gte_*', 'remove_*']);
  });

  it('lets the lists alone decide for tools conn has not recorded (conn serve on a live list)', () => {
    expect(listsAllow('get_new', { tools: ['get_*'] })).toBe(true);
    expect(listsAllow('post_new', { tools: ['get_*'] })).toBe(false);
    expect(listsAllow('get_secret', { tools: ['get_*'], denyTools: ['*_secret'] })).toBe(false);
    expect(listsAllow('anything', undefined)).toBe(true);
  });
});

describe('assignments with tool lists', () => {
  const catalog = (): Catalog => {
    const c = emptyCatalog();
    c.connections.github = {
      name: 'github', preset: 'custom', kind: 'stdio', enabled: true, fields: {}, secrets: [], command: ['node', 'x.js'],
      createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', health: { status: 'unknown', tools: RECORDED },
    };
    return c;
  };

  it('are stored with the assignment and reach the decision that wins', () => {
    const c = catalog();
    const now = new Date('2026-12-01T00:00:00Z');
    const a = addAssignment(c, { connection: 'github', repos: ['/src/api'], agents: ['gemini'], permission: 'read', tools: ['get_*'], denyTools: ['get_secret'] }, now);
    expect(a.tools).toEqual(['get_*']);
    expect(a.denyTools).toEqual(['get_secret']);
    // The same assignment again is the same assignment; other lists for the same scope are refused.
    expect(addAssignment(c, { connection: 'github', repos: ['/src/api'], agents: ['gemini'], permission: 'read', tools: ['get_*'], denyTools: ['get_secret'] }, now).id).toBe(a.id);
    expect(() => addAssignment(c, { connection: 'github', repos: ['/src/api'], agents: ['gemini'], permission: 'read', tools: ['list_*'] }, now)).toThrow(
      `github already has this assignment with tool lists (tools get_* · deny get_secret) (${a.id})`,
    );
    const [decision] = resolveAccess(c, { root: '/src/api' }, 'gemini');
    expect(decision!.lists).toEqual({ tools: ['get_*'], denyTools: ['get_secret'] });
    expect(decision!.text).toContain('→ read, tools get_* · deny get_secret');
  });

  it('leave an assignment without lists as it was (no lists key in the decision)', () => {
    const c = catalog();
    addAssignment(c, { connection: 'github', repos: [], agents: [], permission: 'full' }, new Date());
    expect(c.assignments[0]).not.toHaveProperty('tools');
    expect(resolveAccess(c, { root: '/x' }, 'codex')[0]).not.toHaveProperty('lists');
  });

  it('load from a catalog written before tool lists existed (old shape, no migration needed)', () => {
    const old = {
      version: 1,
      connections: {},
      assignments: [{ id: 'a1b2c3', connection: 'github', repos: [], agents: ['codex'], permission: 'read', createdAt: '2026-01-01T00:00:00Z' }],
    };
    const parsed = CatalogSchema.parse(old);
    expect(parsed.assignments[0]).toEqual(old.assignments[0]);
  });
});

describe('tool budget', () => {
  it('counts name, description and input schema as JSON bytes, and estimates tokens as bytes / 4', () => {
    const t: Tool = { name: 'echo', description: 'Echoes back', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } };
    const json = JSON.stringify({ name: 'echo', description: 'Echoes back', inputSchema: t.inputSchema });
    expect(toolDefinitionBytes(t)).toBe(Buffer.byteLength(json));
    expect(estimateTokens(10)).toBe(3);
  });

  it('keeps every agent limit with its source', () => {
    for (const [agent, limit] of Object.entries(TOOL_LIMITS)) {
      expect(limit.limit, agent).toBeGreaterThan(0);
      expect(limit.source, agent).toMatch(/\S/);
    }
    expect(TOOL_LIMITS.vscode?.limit).toBe(128);
  });
});
