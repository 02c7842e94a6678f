import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { firstLine } from '../error-text.js';

/** fetch with a bound: an authorization server that never answers must not hang conn. */
export function timedFetch(timeoutMs: number): typeof fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

/** One line for an OAuth or network failure: the OAuth error code first, never a token. */
export function errorText(err: unknown): string {
  if (err instanceof OAuthError) return `${err.errorCode}${err.message ? ` (${firstLine(err.message)})` : ''}`;
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'the authorization server did not answer in time';
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return `${firstLine(err.message)} (${cause.code})`;
    return firstLine(err.message) || err.name;
  }
  return firstLine(String(err));
}
