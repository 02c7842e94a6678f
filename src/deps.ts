import { createCatalogStore, type CatalogStore } from './catalog/store.js';
import { connHome } from './paths.js';
import type { PresetRegistry } from './presets/registry-core.js';
import type { KeychainPrefetch } from './secrets/prefetch.js';
import type { SecretStore } from './secrets/store.js';
import type { Credentials } from './credentials/credentials.js';
import { createIo, type Io } from './ui/io.js';
import type { Prompter } from './ui/prompts.js';

/** Side effects enter commands through here, so tests can point them at temp dirs and a test keychain. */
export interface Deps {
  home: string;
  env: NodeJS.ProcessEnv;
  io: Io;
  catalog: CatalogStore;
  /** Opened on first use: loading the keychain binding costs time the fast paths must not pay. */
  secrets(): Promise<SecretStore>;
  presets(): Promise<PresetRegistry>;
  /** Every secret value conn uses comes from here (src/credentials/credentials.ts says how). */
  credentials: Credentials;
  /** How commands ask the user (io.canPrompt says whether they may). */
  prompter: Prompter;
  clock(): Date;
}

export interface DepsOptions {
  json?: boolean;
  quiet?: boolean;
  env?: NodeJS.ProcessEnv;
  /** The keychain's pre-flight and bulk read, started before the render loaded (secrets/prefetch.ts). */
  keychainPrefetch?: KeychainPrefetch;
}

export function createDeps(opts: DepsOptions = {}): Deps {
  const env = opts.env ?? process.env;
  const home = connHome(env);
  const io = createIo({ json: opts.json, quiet: opts.quiet, env });
  let secrets: Promise<SecretStore> | undefined;
  let presets: Promise<PresetRegistry> | undefined;
  const catalog = createCatalogStore(home);
  const openSecrets = () =>
    (secrets ??= import('./secrets/open.js').then((m) => m.openSecretStore(home, env, (t) => (opts.quiet ? undefined : io.warn(t)), opts.keychainPrefetch)));
  return {
    home,
    env,
    io,
    catalog,
    secrets: openSecrets,
    credentials: {
      // The port's module (and the secret store) load on first use only.
      resolve: async (connections, mode) =>
        (await import('./credentials/credentials.js')).createCredentials({ home, env, catalog, secrets: openSecrets }).resolve(connections, mode),
    },
    prompter: {
      field: async (f) => (await import('./ui/prompts.js')).terminalPrompter.field(f),
      confirm: async (m, fallback) => (await import('./ui/prompts.js')).terminalPrompter.confirm(m, fallback),
    },
    presets() {
      return (presets ??= import('./presets/prebuilt.js').then(async (m) => {
        const registry = await m.openPresets(home);
        for (const warning of registry.warnings) io.warn(warning);
        return registry;
      }));
    },
    clock: () => new Date(),
  };
}
