import { describe, expect, it } from 'vitest';
import type { Tool } from '../../src/catalog/model.js';
import {
  allowedByPermission,
  classifyTool,
  deniedTools,
  lowerPermission,
  permissionRank,
} from '../../src/access/tool-class.js';

const tool = (name: string, annotations?: Tool['annotations']): Tool => (annotations ? { name, annotations } : { name });

describe('classifyTool', () => {
  it.each([
    [tool('search', { readOnlyHint: true }), 'read'],
    [tool('search', { readOnlyHint: true, destructiveHint: true }), 'read'],
    [tool('create', { readOnlyHint: false, destructiveHint: false }), 'write'],
    [tool('create', { destructiveHint: false }), 'write'],
    [tool('delete', { readOnlyHint: false, destructiveHint: true }), 'destructive'],
    [tool('delete', { destructiveHint: true }), 'destructive'],
    [tool('odd', { idempotentHint: true }), 'destructive'],
    [tool('bare', {}), 'destructive'],
    [tool('bare'), 'destructive'],
  ] as const)('%j → %s', (t, cls) => {
    expect(classifyTool(t)).toBe(cls);
  });

  it('lets the preset table override the annotations, both ways', () => {
    const table = { query: 'read', execute_sql: 'destructive', comment: 'write' } as const;
    expect(classifyTool(tool('execute_sql', { readOnlyHint: true }), table)).toBe('destructive');
    expect(classifyTool(tool('query'), table)).toBe('read');
    expect(classifyTool(tool('comment', { destructiveHint: true }), table)).toBe('write');
  });

  it('falls back to annotations for a tool the table does not name', () => {
    const table = { query: 'read' } as const;
    expect(classifyTool(tool('list', { readOnlyHint: true }), table)).toBe('read');
    expect(classifyTool(tool('toString'), table)).toBe('destructive');
  });
});

describe('allowedByPermission', () => {
  it.each([
    ['read', 'read', true],
    ['write', 'read', false],
    ['destructive', 'read', false],
    ['read', 'readwrite', true],
    ['write', 'readwrite', true],
    ['destructive', 'readwrite', false],
    ['read', 'full', true],
    ['write', 'full', true],
    ['destructive', 'full', true],
  ] as const)('%s tool under %s → %s', (cls, p, allowed) => {
    expect(allowedByPermission(cls, p)).toBe(allowed);
  });
});

describe('deniedTools', () => {
  const tools = [
    tool('get_page', { readOnlyHint: true }),
    tool('create_page', { destructiveHint: false }),
    tool('delete_page', { destructiveHint: true }),
    tool('unannotated'),
  ];

  it('hides what each level does not allow, in order', () => {
    expect(deniedTools(tools, 'read')).toEqual(['create_page', 'delete_page', 'unannotated']);
    expect(deniedTools(tools, 'readwrite')).toEqual(['delete_page', 'unannotated']);
    expect(deniedTools(tools, 'full')).toEqual([]);
  });

  it('applies the preset table', () => {
    expect(deniedTools(tools, 'read', { unannotated: 'read', get_page: 'write' })).toEqual([
      'get_page',
      'create_page',
      'delete_page',
    ]);
  });
});

describe('permission order', () => {
  it('ranks read < readwrite < full and picks the lower', () => {
    expect(permissionRank('read')).toBeLessThan(permissionRank('readwrite'));
    expect(permissionRank('readwrite')).toBeLessThan(permissionRank('full'));
    expect(lowerPermission('full', 'read')).toBe('read');
    expect(lowerPermission('readwrite', 'full')).toBe('readwrite');
    expect(lowerPermission('read', 'read')).toBe('read');
  });
});
