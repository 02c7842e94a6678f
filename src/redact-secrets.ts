// Every secret value conn knows is cut out of text that it records or prints on a server's behalf (its
// error, its stderr): a server that echoes its token must not get it into config.json or onto the screen.
import type { LaunchSpec } from './launch/types.js';

export const REDACTED = '[redacted]';

/** Shorter values are not cut (a 3-letter "secret" would mangle every message; such values are no secret). */
const MIN_LENGTH = 6;

/** The text with every occurrence of every secret (and its URL-encoded and JSON-escaped forms) replaced by [redacted]. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(JSON.stringify(secret).slice(1, -1));
    // A multi-line value (a PEM key) is printed line by line.
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= MIN_LENGTH * 2) forms.add(line.trim());
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out;
}

/**
 * The secret values a resolved launch spec carries: every header value of a remote (and the token after
 * its scheme), and for a stdio server the variables that hold a secret field.
 */
export function secretsInSpec(spec: LaunchSpec): string[] {
  const values: string[] = [];
  if (spec.kind === 'stdio') {
    for (const use of spec.secrets) {
      const value = spec.env[use.field];
      if (value) values.push(value);
    }
    return values;
  }
  for (const value of Object.values(spec.headers)) {
    values.push(value);
    const token = /^[A-Za-z][A-Za-z0-9-]*\s+(\S+)$/.exec(value)?.[1];
    if (token) values.push(token);
  }
  return values;
}
