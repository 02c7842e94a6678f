import { splitAssignment } from '../catalog/fields.js';

/** commander helper for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--set F=V`... → record. */
export function parseSets(items: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const [k, v] = splitAssignment(item, '--set');
    out[k] = v;
  }
  return out;
}

/** `--secret F=V` or `--secret F` (value to be prompted: undefined). */
export function parseSecrets(items: string[] = []): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const item of items) {
    if (item.includes('=')) {
      const [k, v] = splitAssignment(item, '--secret');
      out[k] = v;
    } else out[item] = undefined;
  }
  return out;
}
