// `conn serve` without commander or the ES module bundle: what bin/conn.js runs (as dist/serve.cjs)
// when an agent starts a `--secrets proxy` entry. Every millisecond here is spent before the real
// server is even spawned, and the agent waits for all of it: the ES module loader alone (resolving,
// linking and compiling the chunks) cost more than the rest of the start. Only the flags the full
// command takes, spelled as commander takes them; anything else (help, a typo) goes to the full CLI.
import { parseServe, run } from './commands/serve.js';
import { finish, runCommand } from './exit.js';

const VALUED = new Set(['--permission', '--repo', '--agent', '--timeout', '--max-body']);

/** `args` without the leading `serve`; false when the full CLI must parse them. */
export async function tryServe(args: string[]): Promise<boolean> {
  const parsed = parseServeArgs(args);
  if (!parsed) return false;
  const { createDeps } = await import('./deps.js');
  finish(await runCommand(() => run(parseServe(parsed.name, parsed.flags), createDeps())));
  return true;
}

function parseServeArgs(args: string[]): { name: string; flags: Record<string, string> } | undefined {
  let name: string | undefined;
  const flags: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      if (name !== undefined) return undefined;
      name = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!VALUED.has(flag)) return undefined;
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    // --max-body → maxBody, as commander names it.
    const key = flag.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    if (value === undefined || key in flags) return undefined;
    flags[key] = value;
  }
  return name === undefined ? undefined : { name, flags };
}
