// `conn render` without commander: what dist/fast.cjs runs when a plain render (the shell hook's,
// usually) finds a change, its flags already parsed there. Built as dist/render.cjs.
import type { RepoIdentity } from './access/repo.js';
import { parseRender, run, type RenderFlags } from './commands/render.js';
import { finish, runCommand } from './exit.js';
import { settlePrefetch } from './secrets/keychain.js';
import type { KeychainPrefetch } from './secrets/prefetch.js';

/**
 * `changed`: the repo as the no-change check saw it, when that check found a change.
 * `keychainPrefetch`: the keychain read that check started (a render that reads the keychain).
 */
export async function renderDirect(flags: RenderFlags, changed?: RepoIdentity, keychainPrefetch?: KeychainPrefetch): Promise<void> {
  finish(
    await runCommand(async () => {
      const options = parseRender(flags);
      const { createDeps } = await import('./deps.js');
      try {
        await run(options, createDeps({ json: options.json, quiet: options.quiet, ...(keychainPrefetch ? { keychainPrefetch } : {}) }), changed);
      } finally {
        // A read the render did not take must still end before the process can (keychain.ts).
        if (keychainPrefetch) await settlePrefetch(keychainPrefetch);
      }
    }),
  );
}
