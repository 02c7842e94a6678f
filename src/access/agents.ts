import { AGENTS, type Agent } from '../catalog/constants.js';
import { UsageError } from '../errors.js';

/** `--agent` values (repeated or comma-separated) → agents; `all` → 'all'; none → `fallback`. */
export function parseAgents(values: string[] | undefined, fallback: Agent[]): Agent[] | 'all' {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.includes('all')) return 'all';
  if (names.length === 0) return fallback;
  for (const n of names) if (!(AGENTS as readonly string[]).includes(n)) throw new UsageError(`unknown agent: ${n}`, `agents: ${AGENTS.join(', ')}, all`);
  return [...new Set(names)] as Agent[];
}

/** Exactly one `--agent` (conn env, conn exec). */
export function parseOneAgent(value: string, command: string): Agent {
  const agents = parseAgents([value], ['claude-code']);
  if (agents === 'all' || agents.length !== 1) throw new UsageError(`conn ${command} takes exactly one --agent`);
  return agents[0]!;
}
