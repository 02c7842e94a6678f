import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { Agent } from '../catalog/constants.js';
import type { Deps } from '../deps.js';
import { parseOneAgent } from '../access/agents.js';
import { OperationError } from '../errors.js';
import { secretEnvFor } from '../render/env.js';
import { parseRender, run as render } from './render.js';
import type { DepsFactory } from './types.js';

export interface ExecOptions {
  repo: string;
  agent: Agent;
  command: string[];
}

/** Renders with `--secrets env`, then runs the agent with the referenced variables; its exit code is ours. */
export async function run(opts: ExecOptions, deps: Deps): Promise<void> {
  await render({ ...parseRender({ repo: opts.repo, agent: [opts.agent], secrets: 'env' }), quiet: true }, deps);
  const secrets = await secretEnvFor(opts.repo, opts.agent, deps);
  const [command, ...args] = opts.command;
  const child = spawn(command!, args, { stdio: 'inherit', env: { ...process.env, ...secrets } });
  // Signals go to the agent; conn waits and passes its exit status on.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new OperationError(`command not found: ${command}`) : err),
    );
    child.once('exit', (c, s) => resolve([c, s]));
  });
  for (const s of signals) process.off(s, forward);
  if (signal) {
    process.kill(process.pid, signal);
    return;
  }
  process.exitCode = code ?? 1;
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('exec')
    .description('Render with --secrets env, then run the agent with the secret variables it references')
    .argument('<command...>', 'the agent command, after --')
    .option('--repo <dir>', 'repo directory', '.')
    .option('--agent <agent>', 'agent', 'claude-code')
    .addHelpText('after', `
Examples:
  $ conn exec --agent claude-code -- claude
  $ conn exec --repo ~/src/api --agent gemini -- gemini`)
    .action(async (command: string[], flags: { repo: string; agent: string }) => {
      const agent = parseOneAgent(flags.agent, 'exec');
      await run({ repo: flags.repo, agent, command }, await deps({ quiet: true }));
    });
}
