// A remote connection whose URL matched a vendor endpoint gets that vendor's read-only switch,
// without losing what the user's URL says (Supabase: read_only=true next to project_ref).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/catalog/model.js';
import { referenceSpec } from '../helpers/spec.js';
import { presetFor } from '../../src/presets/effective.js';
import { loadPresets } from '../../src/presets/registry.js';

const home = mkdtempSync(join(tmpdir(), 'conn-endpoint-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const registry = loadPresets(home);

function remote(name: string, url: string, matchedPreset: string): Connection {
  const now = new Date().toISOString();
  return { name, preset: 'remote', kind: 'remote', enabled: true, fields: { url }, secrets: [], matchedPreset, createdAt: now, updatedAt: now, health: { status: 'unknown' } } as Connection;
}

async function urlAt(conn: Connection, permission: 'read' | 'readwrite' | 'full'): Promise<string> {
  const spec = referenceSpec(conn, presetFor(conn, registry), permission);
  if (spec.kind !== 'remote') throw new Error(`expected a remote spec, got ${spec.kind}`);
  return spec.url;
}

describe('vendor endpoint permissions on a remote URL', () => {
  it('Supabase read keeps project_ref and adds read_only=true; full leaves the URL alone', async () => {
    const conn = remote('supa', 'https://mcp.supabase.com/mcp?project_ref=abcdefghijklmnopqrst', 'supabase');
    const read = new URL(await urlAt(conn, 'read'));
    expect(read.origin + read.pathname).toBe('https://mcp.supabase.com/mcp');
    expect(Object.fromEntries(read.searchParams)).toEqual({ project_ref: 'abcdefghijklmnopqrst', read_only: 'true' });
    expect(await urlAt(conn, 'full')).toBe('https://mcp.supabase.com/mcp?project_ref=abcdefghijklmnopqrst');
  });

  it('Linear read still switches to its read-only URL', async () => {
    expect(await urlAt(remote('lin', 'https://mcp.linear.app/mcp', 'linear'), 'read')).toBe('https://mcp.linear.app/mcp/readonly');
  });
});
