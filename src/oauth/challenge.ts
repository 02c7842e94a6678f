// The scope a server's 403 insufficient_scope names comes from its WWW-Authenticate header: untrusted
// text that conn prints, puts into an agent's error and asks an authorization server for.

import { stripControl } from '../strip-control.js';

/** The challenged scope as conn shows it and asks for it: no control characters, no quotes. */
export function challengedScope(raw: string): string {
  return stripControl(raw).replace(/"/g, '');
}
