// The health fields conn test added for protocol eras (era, ttlMs, cacheScope) are optional: a catalog
// written before them loads unchanged, and one with them keeps them.
import { describe, expect, it } from 'vitest';
import { CatalogSchema } from '../../src/catalog/model.js';
import { CATALOG_VERSION } from '../../src/catalog/constants.js';

const connection = (health: Record<string, unknown>) => ({
  name: 'tiny', preset: 'custom', kind: 'stdio', enabled: true, fields: {}, secrets: [], command: ['node', 's.js'],
  createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z', health,
});
const catalog = (health: Record<string, unknown>) => ({ version: CATALOG_VERSION, connections: { tiny: connection(health) }, assignments: [] });

describe('health of the protocol-era kind', () => {
  it('loads an old-shape catalog (no era, ttlMs, cacheScope)', () => {
    const parsed = CatalogSchema.parse(catalog({ status: 'healthy', protocolVersion: '2025-06-18', latencyMs: 10 }));
    expect(parsed.connections.tiny?.health).toEqual({ status: 'healthy', protocolVersion: '2025-06-18', latencyMs: 10 });
  });

  it('keeps era and cache hints when present, and rejects an unknown era', () => {
    const health = { status: 'healthy', protocolVersion: '2026-07-28', era: 'modern', ttlMs: 60000, cacheScope: 'public' };
    expect(CatalogSchema.parse(catalog(health)).connections.tiny?.health).toEqual(health);
    expect(() => CatalogSchema.parse(catalog({ ...health, era: 'future' }))).toThrow();
  });
});
