// Which keychain items a render reads: known from the catalog and the repo alone, so the render
// command can start reading them before the presets and writers have loaded.
import { resolveAccess } from '../access/resolve.js';
import type { Agent } from '../catalog/constants.js';
import type { Catalog, Connection } from '../catalog/model.js';
import { secretAccountsOf } from '../launch/build.js';
import type { SecretsMode } from './state.js';

/** http-api connections always, and every connection in proxy mode, run through `conn serve`. */
export function viaProxy(conn: Connection, mode: SecretsMode): boolean {
  return mode === 'proxy' || conn.kind === 'http-api';
}

/** The secret-store accounts an inline render of `agent` here puts into its file (none in other modes). */
export function renderAccounts(catalog: Catalog, repo: { root: string; remote?: string }, agent: Agent, mode: SecretsMode): string[] {
  if (mode !== 'inline') return [];
  return resolveAccess(catalog, repo, agent)
    .filter((d) => d.rendered)
    .map((d) => catalog.connections[d.connection]!)
    .filter((conn) => !viaProxy(conn, mode))
    .flatMap((conn) => secretAccountsOf(conn));
}
