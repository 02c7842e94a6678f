import { UsageError } from '../errors.js';
import { NAME_PATTERN } from './constants.js';

/** "Team Notion" → "team-notion". Non-ASCII look-alikes are dropped, never mapped. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

export function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(
      `invalid connection name ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name)}`,
      'names are lower-case letters, digits and dashes, 1–63 characters, starting with a letter or digit',
    );
  }
  return name;
}

/** The name for a new connection: --name slugified, else derived by the caller. */
export function nameFromFlag(flag: string): string {
  if (/[\u0000-\u001f]/.test(flag)) throw new UsageError('invalid connection name: control characters are not allowed');
  const slug = slugify(flag);
  if (!slug) throw new UsageError(`invalid connection name ${JSON.stringify(flag.slice(0, 80))}: nothing left after slugifying`);
  return checkName(slug);
}

/** Code-point order: names are ASCII slugs, and `localeCompare` costs ~6 ms to warm up on first use. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An entry key for `--key`: what agents take as a server's name (1–100 characters, no control characters). */
export function checkKey(key: string, allowEmpty = false): string {
  if (key === '' && allowEmpty) return key;
  if (!/^[^\u0000-\u001f\u007f]{1,100}$/.test(key)) {
    throw new UsageError(`invalid --key ${JSON.stringify(key)}`, '1 to 100 characters, no control characters');
  }
  return key;
}
