// Loaded by bin/conn.js for `conn render`: answers the hottest invocation — a render with nothing
// changed, from a shell hook on every `cd` — without loading commander or anything else. Anything it
// does not recognise exactly falls through to the full CLI.
import { AGENTS, type Agent } from './catalog/constants.js';
import { connHome } from './paths.js';
import { answerIfUnchanged, type FastRequest } from './render/fast.js';
import type { SecretsMode } from './render/state.js';

const MODES = ['inline', 'env', 'proxy'];

export async function tryFast(args: string[]): Promise<boolean> {
  if (args[0] !== 'render') return false;
  const req = parseRender(args.slice(1));
  if (!req) return false;
  try {
    return await answerIfUnchanged(connHome(), req);
  } catch {
    return false; // the full CLI reports errors properly
  }
}

/** The plain flags of `conn render`; anything else (dry-run, force, all, help…) → undefined. */
function parseRender(args: string[]): FastRequest | undefined {
  const req: FastRequest = { repo: '.', agents: [], auto: false, json: false, quiet: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--repo') {
      const v = value();
      if (!v) return undefined;
      req.repo = v;
    } else if (flag === '--agent') {
      const v = value();
      if (!v) return undefined;
      for (const a of v.split(',')) {
        if (!(AGENTS as readonly string[]).includes(a)) return undefined;
        req.agents.push(a as Agent);
      }
    } else if (flag === '--secrets') {
      const v = value();
      if (!v || !MODES.includes(v)) return undefined;
      req.secrets = v as SecretsMode;
    } else if (flag === '--auto') req.auto = true;
    else if (flag === '--json') req.json = true;
    else if (flag === '--quiet' || flag === '-q') req.quiet = true;
    else return undefined;
  }
  if (req.agents.length === 0) req.agents = ['claude-code'];
  return req;
}
