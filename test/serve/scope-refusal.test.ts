// conn serve in front of a remote server that answers 403 insufficient_scope: the agent gets a
// JSON-RPC error naming the scope and the command that asks for it (the end-to-end case is in
// remote.test.ts; the OAuth wording needs a signed-in connection, so it is checked here).
import { InsufficientScopeError } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { OAUTH_TOKEN_FIELD } from '../../src/launch/build.js';
import type { RemoteSpec } from '../../src/launch/types.js';
import { ServeError } from '../../src/serve/errors.js';
import { scopeRefusal } from '../../src/serve/upstream-remote.js';

describe('scopeRefusal: a remote server’s 403 insufficient_scope, for the agent', () => {
  const spec = (oauth: boolean): RemoteSpec => ({
    kind: 'remote',
    name: 'linear',
    url: 'https://mcp.example.com/mcp',
    headers: {},
    transport: 'auto',
    permission: 'read',
    secrets: oauth ? [{ field: OAUTH_TOKEN_FIELD, envVar: 'CONN_LINEAR_OAUTH_ACCESS_TOKEN' }] : [{ field: 'token', envVar: 'CONN_LINEAR_TOKEN' }],
  });

  it('names the scope and `conn connect NAME --scope` for an OAuth sign-in', () => {
    const err = scopeRefusal(spec(true), new InsufficientScopeError({ requiredScope: 'issues:write' })) as ServeError;
    expect(err).toBeInstanceOf(ServeError);
    expect(err.code).toBe(-32600);
    expect(err.message).toBe('linear needs OAuth scope "issues:write", which its sign-in was not granted: run conn connect linear --scope "issues:write"');
    expect(err.data).toEqual({ requiredScope: 'issues:write', connection: 'linear' });
  });

  it('keeps no control character or quote from the server’s header, and leaves other errors alone', () => {
    const err = scopeRefusal(spec(true), new InsufficientScopeError({ requiredScope: 'a\u001b[2Jb"c' })) as ServeError;
    expect(err.message).toContain('--scope "abc"');
    const other = new Error('boom');
    expect(scopeRefusal(spec(false), other)).toBe(other);
  });
});
