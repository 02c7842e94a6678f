import { describe, expect, it } from 'vitest';
import { diffTools, hasDrift } from '../../src/probe/drift.js';
import type { Tool } from '../../src/catalog/model.js';

const t = (name: string, hash = 'h', annotations?: Tool['annotations']): Tool => ({ name, hash, ...(annotations ? { annotations } : {}) });

describe('diffTools', () => {
  it('reports no drift on a first check (nothing to compare with)', () => {
    expect(diffTools(undefined, [t('a')])).toEqual({ added: [], removed: [], changed: [] });
  });

  it('reports no drift for the same tools in another order', () => {
    const drift = diffTools([t('a', '1'), t('b', '2')], [t('b', '2'), t('a', '1')]);
    expect(hasDrift(drift)).toBe(false);
  });

  it('reports added and removed tools by name', () => {
    expect(diffTools([t('a'), t('b')], [t('b'), t('c'), t('d')])).toEqual({ added: ['c', 'd'], removed: ['a'], changed: [] });
  });

  it('reports a tool whose description or schema changed (different hash)', () => {
    const drift = diffTools([t('a', '1'), t('b', '2')], [t('a', '1'), t('b', '3')]);
    expect(drift).toEqual({ added: [], removed: [], changed: ['b'] });
    expect(hasDrift(drift)).toBe(true);
  });

  it('reports a tool that stopped being read-only', () => {
    const drift = diffTools([t('a', '1', { readOnlyHint: true })], [t('a', '1', { readOnlyHint: false })]);
    expect(drift.changed).toEqual(['a']);
  });

  it('does not call a tool changed when the old record has no hash', () => {
    expect(diffTools([{ name: 'a' }], [t('a', '1')]).changed).toEqual([]);
  });
});
