// Launch specs in tests, the way conn builds them: values from the credentials port (a real secret
// store, real references, real OAuth tokens), then the pure builder.
import { createCatalogStore } from '../../src/catalog/store.js';
import type { Connection, Permission } from '../../src/catalog/model.js';
import { createCredentials } from '../../src/credentials/credentials.js';
import { launchSpec, referenceValues } from '../../src/launch/build.js';
import type { LaunchSpec } from '../../src/launch/types.js';
import { connHome } from '../../src/paths.js';
import type { Preset } from '../../src/presets/schema.js';
import { openSecretStore } from '../../src/secrets/open.js';

/** `--secrets inline`/test/serve: every value resolved (stored secrets, references, OAuth tokens). */
export async function resolvedSpec(conn: Connection, preset: Preset, opts: { permission: Permission; env: NodeJS.ProcessEnv }): Promise<LaunchSpec> {
  const home = connHome(opts.env);
  const credentials = createCredentials({
    home,
    env: opts.env,
    catalog: createCatalogStore(home),
    secrets: () => openSecretStore(home, opts.env, () => undefined),
  });
  const set = await credentials.resolve([conn], 'resolve');
  return launchSpec(conn, preset, opts.permission, set.values(conn.name));
}

/** `--secrets env`/`prompt`: placeholders only, nothing read. */
export function referenceSpec(conn: Connection, preset: Preset, permission: Permission): LaunchSpec {
  return launchSpec(conn, preset, permission, referenceValues(conn));
}
