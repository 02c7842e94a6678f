// What conn wrote per (repo, agent), kept outside the agent's file: which entries and deny rules are
// conn's (so user entries are never touched), and what the no-change fast path compares.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import type { Agent } from '../catalog/constants.js';
import type { FileSig } from '../file-sig.js';

/** Where a render's secret values go (see `conn render --help`): the one list of the modes. */
export const SECRETS_MODES = ['inline', 'env', 'proxy', 'prompt'] as const;
export type SecretsMode = (typeof SECRETS_MODES)[number];

/** Agents whose own file can ask the user for a secret (`--secrets prompt`): VS Code's `inputs`. */
export const PROMPT_AGENTS: readonly Agent[] = ['vscode'];

export interface RenderSummary {
  entries: { name: string; permission: string; deniedTools: string[]; allowedTools?: string[] }[];
  warnings: string[];
  /** What the agent sees in all (see RenderOutcome.tools). */
  tools?: { count: number; unknown: string[] };
}

export interface SkippedEntry {
  name: string;
  /** The one-line error, with its hint. */
  error: string;
}

export interface RenderState {
  version: 2;
  root: string;
  agent: Agent;
  file: string;
  secrets: SecretsMode;
  /** Server entries conn wrote into the agent's file. */
  entries: string[];
  /** Deny rules conn wrote outside the entries (opencode `tools` keys, Claude Code side-file rules). */
  denyRules: string[];
  /**
   * Ids of the VS Code `inputs` items conn wrote (`--secrets prompt`), so the next render can restore,
   * keep or remove exactly these and none of the user's. Absent (states before it, other agents): none.
   */
  promptInputs?: string[];
  /** The render's inputs besides the catalog (`inputsText`): version, repo identity, agent, mode, user presets. */
  inputs: string;
  /** The catalog the render read. */
  catalog: FileSig;
  /** The agent file as conn left it (hash null: conn left no file; block writers: unused, hash null). */
  output: FileSig;
  /** Block writers (Continue): each block conn left, by its path in the repo. */
  blocks?: Record<string, FileSig>;
  /** The side file (Claude Code settings) as conn left it, for agents that have one. */
  side: FileSig | null;
  /** Inputs the stamp cannot see (secret references resolved from env/files/CLIs): always re-render. */
  volatile: boolean;
  /**
   * What the render reported (`conn render --json`'s entries and warnings), so an unchanged answer from
   * the fast path has the same shape. Absent (states before it): the fast path leaves JSON to the full render.
   */
  summary?: RenderSummary;
  /** Connections that apply here but could not be rendered (a secret that does not resolve), and why. */
  skipped?: SkippedEntry[];
  /** Earliest OAuth token expiry among rendered entries. */
  expiresAt?: string;
  /**
   * Earliest time a rendered OAuth token is due for refresh (its expiry minus the credentials port's
   * margin, at most a quarter of its lifetime): from then on the fast path renders again. States
   * before it: expiresAt minus 60 s.
   */
  refreshAt?: string;
  renderedAt: string;
}

/**
 * FNV-1a, 32 bits: names a repo's state folder. A clash is harmless (each state names its root and
 * is ignored for another), and node:crypto would cost the shell hook more than the rest of its work.
 */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function repoDir(home: string, root: string): string {
  const base = basename(root).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'root';
  return join(home, 'renders', `${base}-${fnv1a(root)}`);
}

export function statePath(home: string, root: string, agent: Agent): string {
  return join(repoDir(home, root), `${agent}.json`);
}

export function readState(home: string, root: string, agent: Agent): RenderState | undefined {
  try {
    const state = JSON.parse(readFileSync(statePath(home, root, agent), 'utf8')) as RenderState;
    return state.version === 2 && state.root === root && state.agent === agent ? state : undefined;
  } catch {
    return undefined;
  }
}

/**
 * States from conn before 0.2 (folders named by sha256 of the root, version 1) are moved into
 * today's folders, keeping which entries and rules are conn's, and marked to re-render. Until that
 * has run once (the marker file), the fast path leaves every render to the full CLI, which runs it.
 */
export function legacyStatesPending(home: string): boolean {
  return !existsSync(join(home, 'renders', MIGRATED)) && existsSync(join(home, 'renders'));
}

/** Written once the old states are taken over (JSON, like everything else in renders/). */
const MIGRATED = 'layout.json';
const MIGRATED_TEXT = '{ "layout": 2 }\n';

export function migrateLegacyStates(home: string): void {
  const renders = join(home, 'renders');
  if (!existsSync(renders) || existsSync(join(renders, MIGRATED))) return;
  for (const dir of readdirSync(renders)) {
    if (!/^[0-9a-f]{24}$/.test(dir)) continue;
    for (const name of readdirSync(join(renders, dir))) {
      try {
        const old = JSON.parse(readFileSync(join(renders, dir, name), 'utf8')) as Omit<RenderState, 'version' | 'output' | 'side'> & { version: number; output: string | null; side: string | null };
        if (old.version !== 1 || readState(home, old.root, old.agent)) continue;
        const unknown = (hash: string | null): FileSig => ({ hash, stat: null, at: 0 });
        writeState(home, {
          version: 2, root: old.root, agent: old.agent, file: old.file, secrets: old.secrets, entries: old.entries, denyRules: old.denyRules,
          inputs: '', catalog: unknown(''), output: unknown(old.output), side: old.agent === 'claude-code' ? unknown(old.side) : null,
          volatile: true, renderedAt: old.renderedAt,
        });
      } catch {
        /* unreadable: nothing of it to keep */
      }
    }
    rmSync(join(renders, dir), { recursive: true, force: true });
  }
  writeFileAtomic(join(renders, MIGRATED), MIGRATED_TEXT);
}

export function writeState(home: string, state: RenderState): void {
  const dir = repoDir(home, state.root);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!existsSync(join(home, 'renders', MIGRATED))) writeFileAtomic(join(home, 'renders', MIGRATED), MIGRATED_TEXT);
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
