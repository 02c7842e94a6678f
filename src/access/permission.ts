import type { Agent, Catalog, Connection, Permission } from '../catalog/model.js';
import { OperationError } from '../errors.js';
import { lowerPermission } from './tool-class.js';
import type { ToolLists } from './tool-list.js';

/** What `conn serve` is asked to run: a connection, at a permission given or looked up for a repo and agent. */
export interface PermissionRequest {
  name: string;
  /** Given with --permission. With repo/agent too, the lower of the two applies. */
  permission?: Permission;
  repo?: string;
  agent?: Agent;
}

/** The connection to serve, enabled, and the permission it runs at — or a one-line refusal. */
export async function decidePermission(catalog: Catalog, opts: PermissionRequest): Promise<{ conn: Connection; permission: Permission; root?: string; lists?: ToolLists }> {
  const conn = Object.hasOwn(catalog.connections, opts.name) ? catalog.connections[opts.name] : undefined;
  // Exit 1, not 2: a rendered entry whose connection went away is a failed operation, not a typo.
  if (!conn) throw new OperationError(`connection ${opts.name} does not exist (removed?)`, 'run conn render again, or conn list');
  if (!conn.enabled) throw new OperationError(`connection ${opts.name} is disabled`, `conn enable ${opts.name}`);
  if (opts.repo === undefined) return { conn, permission: opts.permission! };
  const [{ repoIdentity }, { resolveAccess }] = await Promise.all([import('./repo.js'), import('./resolve.js')]);
  const repo = await repoIdentity(opts.repo);
  const decision = resolveAccess(catalog, repo, opts.agent!).find((d) => d.connection === opts.name);
  if (!decision?.rendered || !decision.permission) {
    throw new OperationError(
      `connection ${opts.name} is not available to ${opts.agent} in ${repo.root}: ${decision?.text ?? 'no decision'}`,
      `conn explain --repo ${repo.root} --agent ${opts.agent}`,
    );
  }
  return {
    conn,
    root: repo.root,
    permission: opts.permission ? lowerPermission(opts.permission, decision.permission) : decision.permission,
    // The assignment's tool lists travel with its permission.
    ...(decision.lists ? { lists: decision.lists } : {}),
  };
}
