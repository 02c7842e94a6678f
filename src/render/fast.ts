// The no-change path of `conn render`, run from a shell hook on every `cd`: the state file, the inputs
// as text, and a stat of each file the render read or wrote. No commander, no catalog schema, no
// presets, no keychain, no MCP SDK, and (usually) no crypto.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { repoIdentity, type RepoIdentity } from '../access/repo.js';
import { USER_LEVEL_AGENTS, type Agent } from '../catalog/constants.js';
import { catalogPath } from '../paths.js';
import { CLAUDE_SETTINGS_FILE_PATH } from './side-file.js';
import { legacyStatesPending, readState, renderedAgents, writeState, type SecretsMode } from './state.js';
import { checkSig, RACY_MS, type FileSig } from '../file-sig.js';
import { inputsText } from './stamp.js';

export interface RenderJob {
  agent: Agent;
  secrets: SecretsMode;
}

/**
 * Whether a render of `agent` here would change nothing. A signature confirmed by content (its file
 * was too fresh, or touched without a change) is written back, so the next check needs only stats.
 */
export function isUnchanged(home: string, root: string, remote: string | undefined, agent: Agent, secrets: SecretsMode, now: Date): boolean {
  const state = readState(home, root, agent);
  if (!state || state.secrets !== secrets || state.volatile) return false;
  // An inline OAuth token due for refresh: the full render refreshes it (the same margin as the
  // credentials port, so a short-lived token is not re-rendered while fresh).
  const due = state.refreshAt ? new Date(state.refreshAt).getTime() : state.expiresAt ? new Date(state.expiresAt).getTime() - 60_000 : undefined;
  if (due !== undefined && due <= now.getTime()) return false;
  if (state.inputs !== inputsText({ home, root, remote, agent, secrets })) return false;
  // Each signature with the path it is of and where a confirmed one is kept.
  const files: [FileSig, string, (sig: FileSig) => void][] = [[state.catalog, catalogPath(home), (sig) => (state.catalog = sig)]];
  if (state.blocks) for (const [rel, sig] of Object.entries(state.blocks)) files.push([sig, join(root, rel), (s) => (state.blocks![rel] = s)]);
  else files.push([state.output, join(root, state.file), (sig) => (state.output = sig)]);
  if (state.side) files.push([state.side, join(root, CLAUDE_SETTINGS_FILE_PATH), (sig) => (state.side = sig)]);
  let confirmed = false;
  for (const [sig, path, keep] of files) {
    const check = checkSig(path, sig, now.getTime());
    if (check === 'changed') return false;
    if (check !== 'same' && isOld(path, now)) {
      keep(check.confirmed);
      confirmed = true;
    }
  }
  if (confirmed) {
    try {
      writeState(home, state);
    } catch {
      /* only a cache: the next check reads the files again */
    }
  }
  return true;
}

/** A file last modified long enough ago that a stat of it now can be trusted later. */
function isOld(path: string, now: Date): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && st.mtimeMs < now.getTime() - RACY_MS;
}

/**
 * What a render will do per agent: `--auto` (shell hook) re-renders the agents rendered here before,
 * each in its remembered mode; otherwise the named agents, in the mode given or last used (never
 * silently switching a proxy or env repo to inline).
 */
export function renderJobs(home: string, root: string, agents: Agent[], secrets: SecretsMode | undefined, auto: boolean): RenderJob[] {
  // The hook never writes a user-level agent's config (even in a home directory that is a repo).
  if (auto) return renderedAgents(home, root).filter((s) => !USER_LEVEL_AGENTS.includes(s.agent)).map((s) => ({ agent: s.agent, secrets: secrets ?? s.secrets }));
  return agents.map((agent) => ({ agent, secrets: secrets ?? readState(home, root, agent)?.secrets ?? 'inline' }));
}

export interface FastRequest {
  repo: string;
  agents: Agent[];
  secrets?: SecretsMode;
  auto: boolean;
  json: boolean;
  quiet: boolean;
}

/**
 * The answer to print (possibly empty) when every job is unchanged (or `--auto` has nothing to do);
 * false when a render must run. The caller prints it: domain code writes to no screen.
 */
export async function answerIfUnchanged(home: string, req: FastRequest, known?: RepoIdentity): Promise<string | false> {
  if (legacyStatesPending(home)) return false;
  const repo = known ?? (await repoIdentity(req.repo));
  const jobs = renderJobs(home, repo.root, req.agents, req.secrets, req.auto);
  if (req.auto && jobs.length === 0) return '';
  const now = new Date();
  if (!jobs.every((j) => isUnchanged(home, repo.root, repo.remote, j.agent, j.secrets, now))) return false;
  if (req.json) {
    // The same shape as a full render's answer (`conn render --json`), from what the last render recorded.
    const outcomes = [];
    for (const j of jobs) {
      const state = readState(home, repo.root, j.agent);
      if (!state?.summary) return false;
      outcomes.push({
        agent: j.agent, file: state.file, status: 'unchanged', secrets: j.secrets, entries: state.summary.entries, removed: [],
        warnings: state.summary.warnings, tools: state.summary.tools ?? { count: 0, unknown: [] }, skipped: state.skipped ?? [],
      });
    }
    return `${JSON.stringify(outcomes, null, 2)}\n`;
  }
  return req.quiet ? '' : 'unchanged\n';
}
