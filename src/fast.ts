// Loaded by bin/conn.js (as dist/fast.cjs, a CommonJS bundle: no ES module loader to set up) for the
// hottest invocations: `conn render` with nothing changed, from a shell hook on every `cd`, and
// `conn list`. No commander, no chunks. Anything it does not recognise exactly, and any error, falls
// through to the full CLI, which reports it properly.
import { AGENTS, type Agent } from './catalog/constants.js';
import { run as runList } from './commands/list.js';
import { checkShape, parseCatalogText, readText } from './catalog/read.js';
import type { Catalog } from './catalog/model.js';
import { createIo } from './ui/io.js';
import { catalogPath, connHome } from './paths.js';
import { answerIfUnchanged, type FastRequest } from './render/fast.js';
import type { SecretsMode } from './render/state.js';

const MODES = ['inline', 'env', 'proxy', 'prompt'];

export async function tryFast(args: string[]): Promise<boolean> {
  if (args[0] === 'render') {
    const req = parseRender(args.slice(1));
    if (!req) return false;
    let unchanged = false;
    try {
      unchanged = await answerIfUnchanged(connHome(), { ...req, agents: req.agents.length ? req.agents : ['claude-code'] });
    } catch {
      /* the render itself reports it */
    }
    if (unchanged) return true;
    // Something changed: render straight away, without loading commander and the full CLI.
    const { renderDirect } = await import('./render-entry.js');
    await renderDirect({ repo: req.repo, agent: req.agents, secrets: req.secrets, auto: req.auto, json: req.json, quiet: req.quiet });
    return true;
  }
  if ((args[0] === 'list' || args[0] === 'ls') && args.slice(1).every((a) => a === '--json')) {
    // Reading and printing are the whole command: a failure before any output is the full CLI's to report.
    const home = connHome();
    const path = catalogPath(home);
    let catalog: Catalog | 'deep';
    try {
      catalog = checkShape(path, parseCatalogText(path, readText(path)));
    } catch {
      return false;
    }
    if (catalog === 'deep') return false;
    const known = catalog;
    const notHere = () => Promise.reject(new Error('not loaded on the fast path'));
    const catalogStore = { path, read: async () => known, snapshot: notHere, update: notHere };
    await runList({}, { home, env: process.env, io: createIo({ json: args.length > 1 }), catalog: catalogStore, secrets: notHere, presets: notHere, clock: () => new Date() });
    return true;
  }
  return false;
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
  return req;
}
