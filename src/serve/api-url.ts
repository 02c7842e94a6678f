// Where an http-api bridge call goes: always inside the connection's base URL. Pure, so the escape
// rules can be tested on their own.

export class ApiPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiPathError';
  }
}

export type QueryValue = string | number | boolean | null | (string | number | boolean)[];

/**
 * `path` is relative to the base URL (a leading `/` too: `/users` under `https://x/api` is
 * `https://x/api/users`). Refused: absolute URLs, `//host`, backslashes, control characters, `#`,
 * and `.`/`..` segments or encoded slashes — also percent-encoded, also encoded twice.
 */
export function resolveApiUrl(baseUrl: string, path: string, query?: Record<string, unknown>): URL {
  const base = new URL(baseUrl);
  base.hash = '';
  if (typeof path !== 'string') throw new ApiPathError('path must be a string');
  if (path.length > 8192) throw new ApiPathError('path is too long');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new ApiPathError('path contains control characters');
  if (path.includes('\\')) throw new ApiPathError('path contains a backslash');
  if (path.includes('#')) throw new ApiPathError('path contains #: a fragment is never sent');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) || path.startsWith('//')) {
    throw new ApiPathError(`path must be relative to ${base.origin}${base.pathname}, not an absolute URL`);
  }
  const q = path.indexOf('?');
  const pathPart = (q === -1 ? path : path.slice(0, q)).replace(/^\/+/, '');
  const inlineQuery = q === -1 ? '' : path.slice(q + 1);

  for (const segment of pathPart.split('/')) checkSegment(segment);

  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const url = new URL(pathPart === '' ? base.pathname : `${basePath}${pathPart}`, base);
  const within = url.pathname === base.pathname || url.pathname === basePath || url.pathname.startsWith(basePath);
  if (url.origin !== base.origin || !within) throw new ApiPathError(`path ${path} leaves the base URL ${base.origin}${base.pathname}`);

  // The base URL's own query (an api-version=…) comes first, then the path's, then `query`.
  url.search = base.search;
  if (inlineQuery) for (const [k, v] of new URLSearchParams(inlineQuery)) url.searchParams.append(k, v);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === null || value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (!['string', 'number', 'boolean'].includes(typeof v)) throw new ApiPathError(`query ${key}: values must be strings, numbers or booleans`);
      url.searchParams.append(key, String(v));
    }
  }
  return url;
}

function checkSegment(segment: string): void {
  let text = segment;
  // Decoded up to three times: a server that decodes twice must not see `..` either.
  for (let round = 0; round < 4; round++) {
    if (text === '.' || text === '..') throw new ApiPathError('path may not contain . or .. segments');
    if (round > 0 && (text.includes('/') || text.includes('\\'))) throw new ApiPathError('path may not contain encoded slashes');
    if (/%(?![0-9A-Fa-f]{2})/.test(text)) throw new ApiPathError('path has an invalid percent-encoding');
    if (!text.includes('%')) return;
    try {
      text = decodeURIComponent(text);
    } catch {
      throw new ApiPathError('path has an invalid percent-encoding');
    }
  }
  throw new ApiPathError('path is encoded too many times');
}
