import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { fixture, linearInline } from './entries.js';

describe('augment writer (.augment/settings.json)', () => {
  const w = writerFor('augment');
  goldenCases('augment', { ext: 'json', existing: 'existing.json', unsupported: ['stdio-env', 'remote-env', 'sse'] }); // sse: its entry holds a reference

  it('writes remote entries with a type, keeping the other settings', () => {
    const out = JSON.parse(w.merge(fixture('augment', 'existing.json'), [linearInline], [])) as { model: string; mcpServers: Record<string, Record<string, unknown>> };
    expect(out.model).toBe('sonnet4.5');
    expect(out.mcpServers.linear?.type).toBe('http');
    expect(w.expandsEnv).toBe(false);
  });
});
