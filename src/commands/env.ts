import { byText } from '../catalog/names.js';
import type { Command } from 'commander';
import { parseOneAgent } from '../access/agents.js';
import type { Agent } from '../catalog/constants.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import { secretEnvFor } from '../render/env.js';
import type { DepsFactory } from './types.js';

export const ENV_FORMATS = ['shell', 'dotenv', 'json'] as const;
export type EnvFormat = (typeof ENV_FORMATS)[number];

export interface EnvOptions {
  repo: string;
  agent: Agent;
  format: EnvFormat;
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
      const agent = parseOneAgent(flags.agent, 'env');
      if (!(ENV_FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`unknown --format ${flags.format}`, 'use shell, dotenv or json');
      await run({ repo: flags.repo, agent, format: flags.format as EnvFormat }, await deps());
    });
}
