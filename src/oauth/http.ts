import { OAuthError } from '@modelcontextprotocol/client';
import { firstLine } from '../error-text.js';
import { boundedResponse } from '../bounded-body.js';

/** OAuth metadata, registrations and token answers are a few KiB; anything past this is hostile. */
export const OAUTH_MAX_BODY_BYTES = 1024 * 1024;

/**
 * fetch with bounds: an authorization server that never answers must not hang conn, and one that
 * answers without end must not fill its memory (the body fails past OAUTH_MAX_BODY_BYTES).
 */
export function timedFetch(timeoutMs: number, maxBodyBytes = OAUTH_MAX_BODY_BYTES): typeof fetch {
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    return boundedResponse(res, maxBodyBytes);
  };
}

/** One line for an OAuth or network failure: the OAuth error code first, never a token. */
export function errorText(err: unknown): string {
  if (err instanceof OAuthError) return `${err.code}${err.message ? ` (${firstLine(err.message)})` : ''}`;
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'the authorization server did not answer in time';
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return `${firstLine(err.message)} (${cause.code})`;
    return firstLine(err.message) || err.name;
  }
  return firstLine(String(err));
}
