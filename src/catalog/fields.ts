import { urlCredentials } from '../adopt/secrets-detect.js';
import { UsageError } from '../errors.js';
import type { Preset } from '../presets/schema.js';

/** `FIELD=VALUE` → [FIELD, VALUE]; the value may contain `=`. */
export function splitAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} takes FIELD=VALUE, got ${JSON.stringify(text.slice(0, 80))}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

export const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface FieldProblem {
  field: string;
  message: string;
  /** Pattern mismatches are warnings unless --strict; everything else is an error. */
  severity: 'warning' | 'error';
}

/** Checks one value against the preset's rules for that field. */
export function checkFieldValue(preset: Preset, key: string, value: string): FieldProblem | undefined {
  if (/\u0000/.test(value)) return { field: key, message: `${key} contains a NUL byte`, severity: 'error' };
  if (preset.id === 'custom' && key.startsWith('env.')) {
    if (!ENV_KEY.test(key.slice(4))) return { field: key, message: `${JSON.stringify(key.slice(4))} is not a valid environment variable name`, severity: 'error' };
    if (/[\r\n]/.test(value)) return { field: key, message: `${key} contains a newline`, severity: 'error' };
    return undefined;
  }
  const field = preset.fields.find((f) => f.key === key);
  if (!field) {
    const known = preset.fields.map((f) => f.key).join(', ') || '(none)';
    return { field: key, message: `preset ${preset.id} has no field ${key} (fields: ${known})`, severity: 'error' };
  }
  if (!field.secret && /[\r\n]/.test(value)) return { field: key, message: `${key} contains a newline`, severity: 'error' };
  // Never the value in the message: fetch's own error would quote it, and it may be a secret.
  if (sentInHeader(preset, key) && !isHeaderValue(value)) {
    return { field: key, message: `${key} contains a line break or control character, which an HTTP header cannot carry (value not shown)`, severity: 'error' };
  }
  if (field.choices && !field.choices.includes(value)) {
    return { field: key, message: `${key} must be one of ${field.choices.join(', ')}`, severity: 'error' };
  }
  if (key === 'url' && (preset.kind === 'remote' || preset.kind === 'http-api')) {
    const problem = checkUrl(value);
    if (problem) return { field: key, message: problem, severity: 'error' };
  }
  if (field.pattern && value !== '' && !new RegExp(field.pattern).test(value)) {
    return { field: key, message: `${key} does not look right${field.hint ? ` (expected: ${field.hint})` : ` (expected /${field.pattern}/)`}`, severity: 'warning' };
  }
  return undefined;
}

/** Whether a field's value goes into an HTTP header: the token of a remote or http-api connection, or a `{{FIELD}}` in the preset's headers. */
export function sentInHeader(preset: Preset, key: string): boolean {
  if (preset.kind !== 'remote' && preset.kind !== 'http-api') return false;
  if (key === 'token') return true;
  const templates = JSON.stringify([preset.remote?.headers ?? {}, ...Object.values(preset.permissions ?? {}).map((m) => m?.headers ?? {})]);
  return templates.includes(`{{${key}}}`);
}

/** RFC 9110 field-value: visible characters, spaces and tabs; no CR, LF, NUL or other controls. */
export function isHeaderValue(value: string): boolean {
  return !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value);
}

/** Remote URLs: http or https only, no embedded credentials (they belong in the token field). */
export function checkUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `invalid URL: ${JSON.stringify(value.slice(0, 80))}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `URL must be http or https, not ${url.protocol.replace(':', '')}`;
  if (url.username || url.password) return 'URL must not contain credentials: put the token in the token field (--secret token)';
  // A key in the query (`?api_key=…`) would be written into repo files in env mode: refuse it, like import does.
  const credential = urlCredentials(value);
  if (credential) return `URL must not contain credentials (${credential}): put the token in the token field (--secret token)`;
  return undefined;
}
