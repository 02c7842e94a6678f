import { describe, expect, it } from 'vitest';
import { ApiPathError, resolveApiUrl } from '../../src/serve/api-url.js';

describe('resolveApiUrl', () => {
  it('resolves paths under the base URL, with or without slashes', () => {
    expect(resolveApiUrl('https://api.example.com/v1', 'users/42').href).toBe('https://api.example.com/v1/users/42');
    expect(resolveApiUrl('https://api.example.com/v1/', '/users/42').href).toBe('https://api.example.com/v1/users/42');
    expect(resolveApiUrl('https://api.example.com', 'users').href).toBe('https://api.example.com/users');
    expect(resolveApiUrl('https://api.example.com/v1', '').href).toBe('https://api.example.com/v1');
  });

  it('keeps the base query, then the path query, then `query` (arrays repeat, null skipped)', () => {
    const url = resolveApiUrl('https://api.example.com/v1?api-version=2', 'items?sort=asc', { page: 2, tag: ['a', 'b'], on: true, none: null });
    expect(url.search).toBe('?api-version=2&sort=asc&page=2&tag=a&tag=b&on=true');
  });

  it('keeps a percent-encoded character that is not a separator', () => {
    expect(resolveApiUrl('https://x.test/api', 'files/a%20b.txt').pathname).toBe('/api/files/a%20b.txt');
    expect(resolveApiUrl('https://x.test/api', 'search/naïve').pathname).toBe('/api/search/na%C3%AFve');
  });

  it.each([
    '../x', 'a/../../x', './x', '%2e%2e/x', '%2E%2e/x', '..%2Fx', 'a%2f..%2f..%2fx', '%252e%252e/x', '%25252e%25252e/x',
    'a%5c..%5cx', 'https://evil.test/', 'HTTP://evil.test', '//evil.test/x', 'javascript:alert(1)', 'a\\b', 'a#b', 'a\nb', '%zz',
  ])('refuses %j', (path) => {
    expect(() => resolveApiUrl('https://x.test/api', path)).toThrow(ApiPathError);
  });

  it('refuses query values that are objects', () => {
    expect(() => resolveApiUrl('https://x.test/api', 'a', { q: { nested: 1 } })).toThrow('values must be strings, numbers or booleans');
  });
});
