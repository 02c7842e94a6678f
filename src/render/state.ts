// What conn wrote per (repo, agent), kept outside the agent's file: which entries and deny rules are
// conn's (so user entries are never touched), and a stamp of the inputs for the no-change fast path.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomic-write.js';
import { join } from 'node:path';
import type { Agent } from '../catalog/constants.js';

export type SecretsMode = 'inline' | 'env' | 'proxy';

export interface RenderState {
  version: 1;
  root: string;
  agent: Agent;
  file: string;
  secrets: SecretsMode;
  /** Server entries conn wrote into the agent's file. */
  entries: string[];
  /** Deny rules conn wrote outside the entries (opencode `tools` keys, Claude Code side-file rules). */
  denyRules: string[];
  /** sha256 of the inputs: catalog text, presets, repo identity, agent, mode. */
  stamp: string;
  /** sha256 of the agent file as written (null: conn left no file). */
  output: string | null;
  /** sha256 of the side file (Claude Code settings) as left by conn, when it has one. */
  side: string | null;
  /** Inputs the stamp cannot see (secret references resolved from env/files/CLIs): always re-render. */
  volatile: boolean;
  /** Earliest OAuth token expiry among rendered entries: re-render before it. */
  expiresAt?: string;
  renderedAt: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function repoDir(home: string, root: string): string {
  return join(home, 'renders', sha256(root).slice(0, 24));
}

export function statePath(home: string, root: string, agent: Agent): string {
  return join(repoDir(home, root), `${agent}.json`);
}

export function readState(home: string, root: string, agent: Agent): RenderState | undefined {
  try {
    const state = JSON.parse(readFileSync(statePath(home, root, agent), 'utf8')) as RenderState;
    return state.version === 1 && state.root === root ? state : undefined;
  } catch {
    return undefined;
  }
}

export function writeState(home: string, state: RenderState): void {
  const dir = repoDir(home, state.root);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(statePath(home, state.root, state.agent), `${JSON.stringify(state, null, 2)}\n`);
}

/** Agents conn has rendered for before in this repo (what the shell hook re-renders). */
export function renderedAgents(home: string, root: string): RenderState[] {
  let names: string[];
  try {
    names = readdirSync(repoDir(home, root));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => readState(home, root, n.slice(0, -5) as Agent))
    .filter((s): s is RenderState => s !== undefined);
}
