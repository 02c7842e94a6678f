// The secret variables an env-mode render references (`conn env`, `conn exec`): the same
// connections the render writes, their values from the credentials port.
import { repoIdentity } from '../access/repo.js';
import { resolveAccess } from '../access/resolve.js';
import type { Agent } from '../catalog/constants.js';
import type { Deps } from '../deps.js';
import { secretEnv, usesOAuth } from '../launch/build.js';
import { viaProxy } from './accounts.js';

/** CONN_<NAME>_<FIELD> → value for every secret a `--secrets env` render of this repo and agent references. */
export async function secretEnvFor(repoDir: string, agent: Agent, deps: Pick<Deps, 'catalog' | 'credentials'>): Promise<Record<string, string>> {
  const repo = await repoIdentity(repoDir);
  const catalog = await deps.catalog.read();
  const conns = resolveAccess(catalog, repo, agent)
    .filter((d) => d.rendered)
    .map((d) => catalog.connections[d.connection]!)
    .filter((c) => !viaProxy(c, 'env') && (c.secrets.length > 0 || usesOAuth(c)));
  if (!conns.length) return {};
  const values = await deps.credentials.resolve(conns, 'resolve');
  const env: Record<string, string> = {};
  const owners: { name: string; vars: string[] }[] = [];
  for (const conn of conns) {
    const vars = secretEnv(conn, values.values(conn.name));
    owners.push({ name: conn.name, vars: Object.keys(vars) });
    Object.assign(env, vars);
  }
  // Two connections mapped to one variable would hand one's secret to the other's server: refused.
  const { checkEnvVarsDistinct } = await import('./render.js');
  checkEnvVarsDistinct(owners);
  return env;
}
