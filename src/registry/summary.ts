// One line's worth of a registry entry for `conn search`: how it runs, whether it needs secrets, and
// which built-in preset (if any) already covers it.
import type { PresetRegistry } from '../presets/registry.js';
import { matchRemoteUrl } from '../presets/match.js';
import type { ServerEntry } from './client.js';

export interface SearchRow {
  name: string;
  title: string | null;
  description: string;
  version: string;
  /** How it can run: npm, pypi, oci, mcpb, remote (and any other registry type, as named). */
  runs: string[];
  secrets: boolean;
  /** The built-in preset that covers the same package or endpoint. */
  preset: string | null;
}

type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : []);
const clean = (v: unknown): string => (typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ') : '');

function anySecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(anySecret);
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Json;
  return o.isSecret === true || Object.values(o).some(anySecret);
}

/** The package a preset's stdio launch runs (npx/uvx/docker argument without its version), if any. */
function presetPackages(presets: PresetRegistry): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of presets.all()) {
    if (p.id === 'custom' || !p.launch) continue;
    for (const arg of p.launch.args) {
      if (arg.startsWith('-') || arg.includes('{{')) continue;
      const bare = arg.replace(/(?<=.)@[^/@]*$/, '').replace(/==.*$/, '').replace(/:[^/:]*$/, '');
      if (/[/@.]/.test(bare)) out.set(bare, p.id);
    }
  }
  return out;
}

export function summarize(entries: ServerEntry[], presets: PresetRegistry): SearchRow[] {
  const packages = presetPackages(presets);
  return entries.map(({ server }) => {
    const pkgs = list(server.packages);
    const remotes = list(server.remotes);
    let preset: string | null = null;
    for (const p of pkgs) {
      const id = clean(p.identifier).replace(/:[^/:]*$/, '');
      preset ??= packages.get(id) ?? null;
    }
    for (const r of remotes) preset ??= (typeof r.url === 'string' ? matchRemoteUrl(presets, r.url) : undefined) ?? null;
    return {
      name: clean(server.name),
      title: server.title === undefined ? null : clean(server.title),
      description: clean(server.description),
      version: clean(server.version),
      runs: [...new Set([...pkgs.map((p) => clean(p.registryType) || '?'), ...(remotes.length ? ['remote'] : [])])],
      secrets: anySecret(pkgs) || anySecret(remotes),
      preset,
    };
  });
}
