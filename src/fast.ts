// Loaded by bin/conn.js (as dist/fast.cjs, a CommonJS bundle: no ES module loader to set up) for the
// hottest invocation: `conn render` with nothing changed, from a shell hook on every `cd`. No
// commander, no chunks, nothing else: every byte here is compiled on every `cd` (`conn list` has its
// own file, list-entry.ts). Flags it does not recognise exactly fall through to the full CLI; a render
// that finds a change runs from dist/render.cjs.
import { repoIdentity, type RepoIdentity } from './access/repo.js';
import { AGENTS, type Agent } from './catalog/constants.js';
import { connHome } from './paths.js';
import { answerIfUnchanged, renderJobs, type FastRequest } from './render/fast.js';
import { fdWriter } from './ui/io.js';
import { SECRETS_MODES, type SecretsMode } from './render/state.js';

/** `args` without the leading `render`; false when the full CLI must parse them. */
export async function tryFast(args: string[]): Promise<boolean> {
  const req = parseFastFlags(args);
  if (!req) return false;
  const agents: Agent[] = req.agents.length ? req.agents : ['claude-code'];
  let repo: RepoIdentity | undefined;
  try {
    repo = await repoIdentity(req.repo);
    const answer = await answerIfUnchanged(connHome(), { ...req, agents }, repo);
    if (answer !== false) {
      if (answer) fdWriter(1, () => process.stdout)(answer);
      return true;
    }
  } catch {
    /* the render itself reports it */
  }
  // Something changed: render straight away, without loading commander and the full CLI, and
  // without looking again at what was just looked at. A render that reads the keychain asks its
  // pre-flight now, so the round trip overlaps loading the render.
  const prefetch = repo && readsKeychain(repo.root, { ...req, agents }) ? (await import('./secrets/prefetch.js')).prefetchKeychain(connHome(), process.env) : undefined;
  // Its answer is handled while this process waits (a few ms): the bulk read then runs while the
  // render loads, which never lets the event loop turn.
  if (prefetch) await prefetch.started;
  const { renderDirect } = await import('./render-entry.js');
  await renderDirect({ repo: req.repo, agent: req.agents, secrets: req.secrets, auto: req.auto, json: req.json, quiet: req.quiet }, repo, prefetch);
  return true;
}

/** Whether the render will likely read the keychain: a job renders inline (prefetch.ts checks the store). */
function readsKeychain(root: string, req: FastRequest): boolean {
  return renderJobs(connHome(), root, req.agents, req.secrets, req.auto).some((j) => j.secrets === 'inline');
}

/** The plain flags of `conn render`; anything else (dry-run, force, all, help…) → undefined. */
function parseFastFlags(args: string[]): FastRequest | undefined {
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
      if (!v || !(SECRETS_MODES as readonly string[]).includes(v)) return undefined;
      req.secrets = v as SecretsMode;
    } else if (flag === '--auto') req.auto = true;
    else if (flag === '--json') req.json = true;
    else if (flag === '--quiet' || flag === '-q') req.quiet = true;
    else return undefined;
  }
  return req;
}
