import type { PresetRegistry } from './registry.js';

function normalize(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

/** The id of the preset whose vendor endpoint `url` is (same origin and path, or a sub-path of it). */
export function matchRemoteUrl(registry: PresetRegistry, url: string): string | undefined {
  const target = normalize(url);
  if (!target) return undefined;
  for (const preset of registry.all()) {
    const endpoint = preset.endpoint && normalize(preset.endpoint.url);
    if (endpoint && (target === endpoint || target.startsWith(`${endpoint}/`))) return preset.id;
  }
  return undefined;
}
