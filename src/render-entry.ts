// `conn render` without commander: what dist/fast.cjs runs when a plain render (the shell hook's,
// usually) finds a change, its flags already parsed there. Built as dist/render.cjs.
import { parseRender, run, type RenderFlags } from './commands/render.js';
import type { DepsFactory } from './commands/types.js';
import { finish, runCommand } from './exit.js';

export async function renderDirect(flags: RenderFlags): Promise<void> {
  const deps: DepsFactory = async (opts) => (await import('./deps.js')).createDeps(opts);
  finish(await runCommand(() => run(parseRender(flags), deps)));
}
