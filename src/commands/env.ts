import { byText } from '../catalog/names.js';
import type { Command } from 'commander';
import { repoIdentity } from '../access/repo.js';
import { resolveAccess } from '../access/resolve.js';
import type { Agent } from '../catalog/constants.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import { resolveSecretEnv, secretAccountsOf } from '../launch/build.js';
import { parseAgents } from './render.js';
import type { DepsFactory } from './types.js';

export const ENV_FORMATS = ['shell', 'dotenv', 'json'] as const;
export type EnvFormat = (typeof ENV_FORMATS)[number];

export interface EnvOptions {
  repo: string;
  agent: Agent;
  format: EnvFormat;
}

/** The secret variables a `--secrets env` render of this repo and agent references, resolved. */
export async function secretEnvFor(repoDir: string, agent: Agent, deps: Deps): Promise<Record<string, string>> {
  const repo = await repoIdentity(repoDir);
  const catalog = await deps.catalog.read();
  const conns = resolveAccess(catalog, repo, agent)
    .filter((d) => d.rendered)
    .map((d) => catalog.connections[d.connection]!)
    .filter((c) => c.kind !== 'http-api' && (c.secrets.length > 0 || c.oauth !== undefined));
  const accounts = conns.flatMap((c) => secretAccountsOf(c));
  const store = accounts.length ? await deps.secrets() : undefined;
  const values = store ? await store.getMany(accounts) : undefined;
  const env: Record<string, string> = {};
  const owners: { name: string; vars: string[] }[] = [];
  for (const conn of conns) {
    const vars = await resolveSecretEnv(conn, { store, values, env: deps.env });
    owners.push({ name: conn.name, vars: Object.keys(vars) });
    Object.assign(env, vars);
  }
  const { checkEnvVarsDistinct } = await import('../render/render.js');
  checkEnvVarsDistinct(owners);
  return env;
}

/** POSIX single-quoting: safe for any value, newlines included. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatEnv(env: Record<string, string>, format: EnvFormat): string {
  const entries = Object.entries(env).sort(([a], [b]) => byText(a, b));
  if (format === 'json') return JSON.stringify(Object.fromEntries(entries), null, 2);
  if (format === 'dotenv') {
    // What `kubectl create secret --from-env-file` and `docker --env-file` read: KEY=VALUE, the value
    // taken literally (quotes would become part of the secret), one line each.
    const broken = entries.find(([, v]) => /[\r\n]/.test(v));
    if (broken) throw new OperationError(`the value of ${broken[0]} spans lines: the dotenv format cannot hold it`, 'use --format shell or --format json');
    return entries.map(([k, v]) => `${k}=${v}`).join('\n');
  }
  return entries.map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('\n');
}

export async function run(opts: EnvOptions, deps: Deps): Promise<void> {
  const env = await secretEnvFor(opts.repo, opts.agent, deps);
  const text = formatEnv(env, opts.format);
  if (text) deps.io.out(text);
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('env')
    .description('Print the secret variables a --secrets env render references (for eval, CI, or kubectl)')
    .option('--repo <dir>', 'repo directory', '.')
    .option('--agent <agent>', 'agent', 'claude-code')
    .option('--format <format>', 'shell (export lines), dotenv (KEY=value, taken literally: for kubectl/docker env files), or json', 'shell')
    .addHelpText('after', `
Examples:
  $ conn render --secrets env && eval "$(conn env)" && claude
  $ conn env --agent cursor --format dotenv > .env.agent
  $ kubectl create secret generic agent-mcp --from-env-file=<(conn env --format dotenv)

The output holds secret values: do not redirect it into a file in the repo.`)
    .action(async (flags: { repo: string; agent: string; format: string }) => {
      const agents = parseAgents([flags.agent], ['claude-code']);
      if (agents === 'all' || agents.length !== 1) throw new UsageError('conn env takes exactly one --agent');
      if (!(ENV_FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`unknown --format ${flags.format}`, 'use shell, dotenv or json');
      await run({ repo: flags.repo, agent: agents[0]!, format: flags.format as EnvFormat }, await deps());
    });
}
