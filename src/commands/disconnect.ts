import type { Command } from 'commander';
import { requireConnection } from '../catalog/connections.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';

export interface DisconnectOptions {
  name: string;
}

/** The JSON shape of `conn disconnect --json` (stable). */
export interface DisconnectView {
  name: string;
  state: 'disconnected' | 'not-connected';
  reason: string | null;
  tokensDeleted: boolean;
  /** The refresh token was revoked at the authorization server (RFC 7009), where it offers that. */
  revoked: boolean;
}

export const USER_REASON = 'disconnected by user';

export async function run(opts: DisconnectOptions, deps: Deps): Promise<void> {
  const before = requireConnection(await deps.catalog.read(), opts.name);
  if (before.kind !== 'remote') throw new UsageError(`${opts.name} is a ${before.kind} connection: only remote connections sign in with OAuth`);
  if (!before.oauth) {
    const view: DisconnectView = { name: opts.name, state: 'not-connected', reason: null, tokensDeleted: false, revoked: false };
    deps.io.result(view, () => `${opts.name} is not connected with OAuth: nothing to do`);
    return;
  }
  const store = await deps.secrets();
  const { readClient, readTokens, tokensAccount } = await import('../oauth/storage.js');
  // Under the lock, so no refresh elsewhere writes tokens back after they are deleted.
  const { tokens, deleted } = await deps.catalog.update(async (c) => {
    const conn = requireConnection(c, opts.name);
    const tokens = await readTokens(store, opts.name).catch(() => undefined);
    const deleted = await store.delete(tokensAccount(opts.name));
    conn.oauth = { state: 'disconnected', reason: USER_REASON };
    return { tokens, deleted };
  });

  let revoked = false;
  const client = await readClient(store, opts.name).catch(() => undefined);
  if (tokens && client) {
    const { revokeToken } = await import('../oauth/revoke.js');
    const outcome = await revokeToken(client, tokens.refresh_token ?? tokens.access_token, tokens.refresh_token ? 'refresh_token' : 'access_token');
    revoked = outcome === true;
    if (typeof outcome === 'string') deps.io.warn(`the authorization server did not confirm the revocation (${outcome}); the tokens are deleted here anyway`);
  }
  const view: DisconnectView = { name: opts.name, state: 'disconnected', reason: USER_REASON, tokensDeleted: deleted, revoked };
  deps.io.result(view, (v) => `Disconnected ${v.name}${v.tokensDeleted ? ': tokens deleted' : ''}${v.revoked ? ' and revoked at the server' : ''}`);
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('disconnect <name>')
    .description('Delete the OAuth tokens of a remote connection (sign in again with conn connect)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Examples:
  $ conn disconnect linear-app
  $ conn disconnect linear-app --json

The refresh token is also revoked at the authorization server where it offers revocation (RFC 7009).
The client registration is kept, so the next conn connect reuses it.`)
    .action(async (name: string, flags: { json?: boolean }) => run({ name }, await deps({ json: flags.json })));
}
