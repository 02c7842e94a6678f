// The no-change path of `conn render`, run from a shell hook on every `cd`: a stamp of the inputs and
// two small file reads. No commander, no catalog schema, no presets, no keychain, no MCP SDK.
import { join } from 'node:path';
import { repoIdentity, type RepoIdentity } from '../access/repo.js';
import type { Agent } from '../catalog/constants.js';
import { CLAUDE_SETTINGS_FILE_PATH } from './side-file.js';
import { readState, renderedAgents, type SecretsMode } from './state.js';
import { fileHash, inputsStamp } from './stamp.js';

export interface RenderJob {
  agent: Agent;
  secrets: SecretsMode;
}

export function isUnchanged(home: string, root: string, remote: string | undefined, agent: Agent, secrets: SecretsMode, now: Date): boolean {
  const state = readState(home, root, agent);
  if (!state || state.secrets !== secrets || state.volatile) return false;
  if (state.expiresAt && new Date(state.expiresAt).getTime() - 60_000 <= now.getTime()) return false;
  if (state.stamp !== inputsStamp({ home, root, remote, agent, secrets })) return false;
  if (fileHash(join(root, state.file)) !== state.output) return false;
  if (agent === 'claude-code' && fileHash(join(root, CLAUDE_SETTINGS_FILE_PATH)) !== state.side) return false;
  return true;
}

/**
 * What a render will do per agent: `--auto` (shell hook) re-renders the agents rendered here before,
 * each in its remembered mode; otherwise the named agents, in the mode given or last used (never
 * silently switching a proxy or env repo to inline).
 */
export function renderJobs(home: string, root: string, agents: Agent[], secrets: SecretsMode | undefined, auto: boolean): RenderJob[] {
  if (auto) return renderedAgents(home, root).map((s) => ({ agent: s.agent, secrets: secrets ?? s.secrets }));
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

/** Prints the answer and returns true when every job is unchanged (or `--auto` has nothing to do). */
export async function answerIfUnchanged(home: string, req: FastRequest, known?: RepoIdentity): Promise<boolean> {
  const repo = known ?? (await repoIdentity(req.repo));
  const jobs = renderJobs(home, repo.root, req.agents, req.secrets, req.auto);
  if (req.auto && jobs.length === 0) return true;
  const now = new Date();
  if (!jobs.every((j) => isUnchanged(home, repo.root, repo.remote, j.agent, j.secrets, now))) return false;
  if (req.json) process.stdout.write(`${JSON.stringify(jobs.map((j) => ({ agent: j.agent, status: 'unchanged', secrets: j.secrets })), null, 2)}\n`);
  else if (!req.quiet) process.stdout.write('unchanged\n');
  return true;
}
