// `conn render` without commander: what dist/fast.cjs runs when a plain render (the shell hook's,
// usually) finds a change, its flags already parsed there. Built as dist/render.cjs.
import type { RepoIdentity } from './access/repo.js';
import { parseRender, run, type RenderFlags } from './commands/render.js';
import type { DepsFactory } from './commands/types.js';
import { finish, runCommand } from './exit.js';

/** `changed`: the repo as the no-change check saw it, when that check found a change. */
export async function renderDirect(flags: RenderFlags, changed?: RepoIdentity): Promise<void> {
  const deps: DepsFactory = async (opts) => (await import('./deps.js')).createDeps(opts);
  finish(await runCommand(() => run(parseRender(flags), deps, changed)));
}
