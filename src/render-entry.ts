// `conn render` without commander: what dist/fast.cjs runs when the shell hook's render finds a
// change (its flags already parsed there). Built as its own entry of the ES module bundle, sharing
// its chunks with the full CLI.
import { parseRender, run, type RenderFlags } from './commands/render.js';
import type { DepsFactory } from './commands/types.js';
import { finish, runCommand } from './exit.js';

export async function renderDirect(flags: RenderFlags): Promise<void> {
  const deps: DepsFactory = async (opts) => (await import('./deps.js')).createDeps(opts);
  finish(await runCommand(() => run(parseRender(flags), deps)));
}
