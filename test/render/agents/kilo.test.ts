import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { UnsupportedEntryError } from '../../../src/render/agents/errors.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, linearRef, notionRef } from './entries.js';

describe('kilo writer (kilo.json)', () => {
  const w = writerFor('kilo');
  goldenCases('kilo', { ext: 'json', existing: 'existing.jsonc', unsupported: ['stdio-env', 'remote-env', 'sse'] }); // sse: its entry holds a reference

  it('expands no reference: an entry with one is refused, naming proxy and inline', () => {
    expect(w.expandsEnv).toBe(false);
    for (const e of [notionRef, linearRef]) {
      expect(() => w.merge(null, [e], [])).toThrow(UnsupportedEntryError);
      expect(() => w.merge(null, [e], [])).toThrow(/expands no environment reference/);
    }
  });

  it("denies tools in the top-level tools map and keeps the user's own rules", () => {
    const out = w.merge(fixture('kilo', 'existing.jsonc'), [githubRead], []);
    expect(w.denyRules(githubRead)).toEqual(['github_create_issue', 'github_delete_repository']);
    expect(out).toContain('"context7_resolve-library-id": false');
    expect(out).toContain('"github_delete_repository": false');
    const back = w.merge(out, [], ['github'], w.denyRules(githubRead));
    expect(back).toBe(fixture('kilo', 'existing.jsonc'));
  });
});
