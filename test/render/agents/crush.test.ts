import { describe, expect, it } from 'vitest';
import { writerFor } from '../../../src/render/agents/index.js';
import { goldenCases } from './golden-cases.js';
import { githubRead, legacySse, linearRef } from './entries.js';

type Servers = { mcp: Record<string, Record<string, unknown>> };

describe('crush writer (.crush.json)', () => {
  const w = writerFor('crush');
  goldenCases('crush', { ext: 'json', existing: 'existing.json' });

  it('writes typed entries with ${VAR} references and disabled_tools', () => {
    const out = JSON.parse(w.merge(null, [linearRef, legacySse, githubRead], [])) as Servers;
    expect(out.mcp.linear).toEqual({ type: 'http', url: 'https://mcp.linear.app/mcp', headers: { Authorization: 'Bearer ${CONN_LINEAR_TOKEN}', 'X-Team': 'eng' } });
    expect(out.mcp.legacy?.type).toBe('sse');
    expect(out.mcp.github?.type).toBe('stdio');
    expect(out.mcp.github?.disabled_tools).toEqual(['create_issue', 'delete_repository']);
  });
});
