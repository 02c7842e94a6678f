import { describe, expect, it } from 'vitest';
import { AssignmentSchema } from '../../src/catalog/model.js';
import { UsageError } from '../../src/errors.js';
import {
  addAssignment,
  describeAssignment,
  newAssignmentId,
  removeAssignment,
} from '../../src/access/assignments.js';
import { assignment, catalogWith, connection } from './fixtures.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('newAssignmentId', () => {
  it('is six hex characters and avoids the ids in use', () => {
    const existing = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newAssignmentId(existing);
      expect(id).toMatch(/^[0-9a-f]{6}$/);
      expect(existing.has(id)).toBe(false);
      existing.add(id);
    }
  });
});

describe('addAssignment', () => {
  it('adds a valid assignment to the catalog and returns it', () => {
    const catalog = catalogWith([connection('notion')]);
    const a = addAssignment(
      catalog,
      { connection: 'notion', repos: ['github.com/acme/api'], agents: ['claude-code'], permission: 'read' },
      NOW,
    );
    expect(a).toMatchObject({
      connection: 'notion',
      repos: ['github.com/acme/api'],
      agents: ['claude-code'],
      permission: 'read',
      createdAt: '2025-06-01T12:00:00.000Z',
    });
    expect(catalog.assignments).toEqual([a]);
    expect(AssignmentSchema.parse(a)).toEqual(a);
  });

  it('gives each assignment its own id and drops duplicate repos and agents', () => {
    const catalog = catalogWith([connection('notion')]);
    const a = addAssignment(catalog, { connection: 'notion', repos: ['/x', '/x'], agents: ['cursor', 'cursor'], permission: 'full' }, NOW);
    const b = addAssignment(catalog, { connection: 'notion', repos: [], agents: [], permission: 'readwrite' }, NOW);
    expect(a.repos).toEqual(['/x']);
    expect(a.agents).toEqual(['cursor']);
    expect(a.id).not.toBe(b.id);
    expect(catalog.assignments).toHaveLength(2);
  });

  it('rejects an unknown connection, listing the known ones, and changes nothing', () => {
    const catalog = catalogWith([connection('notion'), connection('github')]);
    const err = usageError(() => addAssignment(catalog, { connection: 'notoin', repos: [], agents: [], permission: 'read' }, NOW));
    expect(err.message).toBe('unknown connection: notoin');
    expect(err.hint).toBe('known: github, notion');
    expect(catalog.assignments).toEqual([]);
  });

  it('does not take an inherited property for a connection', () => {
    const catalog = catalogWith([connection('notion')]);
    expect(() => addAssignment(catalog, { connection: 'toString', repos: [], agents: [], permission: 'read' }, NOW)).toThrow(
      'unknown connection: toString',
    );
  });

  it('rejects an invalid permission with the valid ones', () => {
    const catalog = catalogWith([connection('notion')]);
    const err = usageError(() => addAssignment(catalog, { connection: 'notion', repos: [], agents: [], permission: 'write' }, NOW));
    expect(err.message).toBe('invalid permission: write');
    expect(err.hint).toBe('use one of read, readwrite, full');
    expect(catalog.assignments).toEqual([]);
  });

  it('rejects an unknown agent with the valid ones', () => {
    const catalog = catalogWith([connection('notion')]);
    const err = usageError(() =>
      addAssignment(catalog, { connection: 'notion', repos: [], agents: ['claude-code', 'claude'], permission: 'read' }, NOW),
    );
    expect(err.message).toBe('unknown agent: claude');
    expect(err.hint).toBe('use one of claude-code, cursor, vscode, gemini, codex, opencode, kiro, copilot, qwen-code, amp, kilo, roo, zed, crush, augment, junie, continue, claude-desktop, cline, windsurf, goose');
    expect(catalog.assignments).toEqual([]);
  });

  it('returns the existing assignment when the same one is added again', () => {
    const catalog = catalogWith([connection('notion')]);
    const input = { connection: 'notion', repos: ['/a', '/b'], agents: ['cursor'], permission: 'read' };
    const first = addAssignment(catalog, input, NOW);
    const again = addAssignment(catalog, { ...input, repos: ['/b', '/a'] }, NOW);
    expect(again).toBe(first);
    expect(catalog.assignments).toHaveLength(1);
  });

  it('refuses the same scope with another permission, pointing at unassign', () => {
    const catalog = catalogWith([connection('notion')]);
    const first = addAssignment(catalog, { connection: 'notion', repos: ['/a'], agents: [], permission: 'read' }, NOW);
    const err = usageError(() => addAssignment(catalog, { connection: 'notion', repos: ['/a'], agents: [], permission: 'full' }, NOW));
    expect(err.message).toContain(`(${first.id})`);
    expect(err.hint).toBe(`remove it first: conn unassign ${first.id}`);
    expect(catalog.assignments).toHaveLength(1);
  });
});

describe('removeAssignment', () => {
  it('removes exactly the assignment with that id and returns it', () => {
    const a = assignment('notion', { id: 'aaaaaa' });
    const b = assignment('notion', { id: 'bbbbbb' });
    const catalog = catalogWith([connection('notion')], [a, b]);
    expect(removeAssignment(catalog, 'aaaaaa')).toEqual(a);
    expect(catalog.assignments).toEqual([b]);
  });

  it('is a usage error for an unknown id', () => {
    const catalog = catalogWith([connection('notion')], [assignment('notion', { id: 'aaaaaa' })]);
    const err = usageError(() => removeAssignment(catalog, 'zzzzzz'));
    expect(err.message).toBe('no assignment with id zzzzzz');
    expect(err.hint).toBe('conn assignments lists them');
    expect(catalog.assignments).toHaveLength(1);
  });
});

describe('describeAssignment', () => {
  it.each([
    [{ repos: [], agents: [], permission: 'full' as const }, 'all repos, all agents → full'],
    [{ repos: ['github.com/acme/api'], agents: ['claude-code' as const], permission: 'read' as const }, 'repo github.com/acme/api, agent claude-code → read'],
    [{ repos: ['/a', 'github.com/x/*'], agents: ['cursor' as const, 'codex' as const], permission: 'readwrite' as const }, 'repos /a, github.com/x/*, agents cursor, codex → readwrite'],
  ])('%j → %s', (a, text) => {
    expect(describeAssignment(a)).toBe(text);
  });
});
