// `conn render` without commander: what dist/fast.cjs runs when a plain render (the shell hook's,
// usually) finds a change, its flags already parsed there. Built as dist/render.cjs.
import type { RepoIdentity } from './access/repo.js';
import { parseRender, run, type RenderFlags } from './commands/render.js';
import { finish, runCommand } from './exit.js';

/** `changed`: the repo as the no-change check saw it, when that check found a change. */
export async function renderDirect(flags: RenderFlags, changed?: RepoIdentity): Promise<void> {
  finish(
    await runCommand(async () => {
      const options = parseRender(flags);
      const { createDeps } = await import('./deps.js');
      await run(options, createDeps({ json: options.json, quiet: options.quiet }), changed);
    }),
  );
}
