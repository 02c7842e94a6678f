// `conn render --scope user`: the decisions for an agent whose only config is the user's, read in
// every repo. Only what applies to all repos goes there: a per-repo assignment would reach every repo.
import type { Agent } from '../catalog/constants.js';
import type { Catalog } from '../catalog/model.js';
import { resolveAccess, type Decision } from '../access/resolve.js';

/** A repo no matcher names: only all-repos assignments can apply to it. */
export const NO_REPO = { root: '\0conn-user-scope' };

/**
 * One decision per connection: rendered when the connection has no assignment at all (it is for every
 * repo), or an all-repos assignment for this agent (or all agents) applies; never by a per-repo one.
 */
export function userLevelDecisions(catalog: Catalog, agent: Agent): Decision[] {
  const allRepos = { ...catalog, assignments: catalog.assignments.filter((a) => a.repos.length === 0) };
  const assigned = new Set(catalog.assignments.map((a) => a.connection));
  return resolveAccess(allRepos, NO_REPO, agent).map((d) =>
    d.reason === 'global' && assigned.has(d.connection)
      ? { connection: d.connection, rendered: false, reason: 'no-match', text: 'assigned to some repos only: not for a user-level file' }
      : d,
  );
}
