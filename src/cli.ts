import { Command, CommanderError } from 'commander';
import { finish, runCommand } from './exit.js';
import type { CommandModule, DepsFactory } from './commands/types.js';
import pkg from '../package.json' with { type: 'json' };

/**
 * Each command's module is loaded only when that command runs, so `conn render` from a shell hook
 * never pays for the MCP SDK, zod, prompts or the keychain binding.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  presets: { summary: 'List the built-in and user presets', load: () => import('./commands/presets.js') },
  add: { summary: 'Add a connection from a preset', load: () => import('./commands/add.js') },
  search: { summary: 'Search the MCP Registry for servers to add', load: () => import('./commands/search.js') },
  update: { summary: 'Move a connection added from the MCP Registry to its latest version', load: () => import('./commands/update.js') },
  list: { summary: 'List connections with their health', load: () => import('./commands/list.js') },
  show: { summary: 'Show one connection (secret values never shown)', load: () => import('./commands/show.js') },
  edit: { summary: 'Change fields, secrets or the name of a connection', load: () => import('./commands/edit.js') },
  enable: { summary: 'Enable a connection', load: () => import('./commands/enable.js') },
  disable: { summary: 'Disable a connection', load: () => import('./commands/enable.js') },
  remove: { summary: 'Remove a connection, its assignments and its secrets', load: () => import('./commands/remove.js') },
  test: { summary: 'Test connections: start them, list their tools, record health', load: () => import('./commands/test.js') },
  tools: { summary: "List a connection's tools like signatures (live, or --cached)", load: () => import('./commands/tools.js') },
  call: { summary: 'Call one tool of a connection and print its result', load: () => import('./commands/call.js') },
  connect: { summary: 'Sign in to a remote MCP server with OAuth (tokens in the keychain)', load: () => import('./commands/connect.js') },
  disconnect: { summary: 'Delete the OAuth tokens of a remote connection', load: () => import('./commands/disconnect.js') },
  assign: { summary: 'Let a repo and/or agent use a connection with a permission level', load: () => import('./commands/assign.js') },
  assignments: { summary: 'List assignments', load: () => import('./commands/assignments.js') },
  unassign: { summary: 'Remove an assignment by id', load: () => import('./commands/unassign.js') },
  explain: { summary: 'Show which connections a repo and agent get, and why', load: () => import('./commands/explain.js') },
  serve: { summary: 'Run a connection as a stdio MCP server with its permission enforced (what --secrets proxy renders)', load: () => import('./commands/serve.js') },
  render: { summary: "Write the agent's project MCP file with the connections that apply here", load: () => import('./commands/render.js') },
  env: { summary: 'Print the secret variables a --secrets env render references', load: () => import('./commands/env.js') },
  exec: { summary: 'Render with --secrets env and run the agent with those variables', load: () => import('./commands/exec.js') },
  hook: { summary: 'Print a shell snippet that re-renders on every cd', load: () => import('./commands/hook.js') },
  import: { summary: 'Bring MCP servers from agent configs or a team catalog into conn', load: () => import('./commands/import.js') },
  scan: { summary: 'Find agent MCP config files with secret-looking values (exit 1 when any)', load: () => import('./commands/scan.js') },
  audit: { summary: 'Show the audit log of renders, serve starts and OAuth connects', load: () => import('./commands/audit.js') },
  export: { summary: 'Print a team catalog (no secret values)', load: () => import('./commands/export.js') },
  doctor: { summary: 'Check Node, the config dir, the keychain and every connection\'s secrets', load: () => import('./commands/doctor.js') },
};

export async function main(argv = process.argv): Promise<number> {
  const program = new Command('conn')
    .description('Connect AI coding agents to external services through MCP servers, with secrets in the OS keychain.')
    .version(pkg.version, '-V, --version')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.addHelpText(
    'after',
    `
Examples:
  $ conn add notion
  $ conn test
  $ conn assign notion --repo github.com/acme/api --agent claude-code --permission read
  $ conn render --repo . --agent claude-code

Environment: CONN_HOME (catalog dir), CONN_KEYCHAIN_SERVICE (keychain service, default conn),
CONN_SECRET_STORE=file (plaintext secrets where no keychain exists), NO_COLOR, CONN_DEBUG=1.`,
  );

  const deps: DepsFactory = async (opts) => (await import('./deps.js')).createDeps(opts);
  const name = argv[2];
  const entry = name ? COMMANDS[name] : undefined;
  if (entry) {
    (await entry.load()).register(program, deps);
  } else {
    for (const [command, { summary }] of Object.entries(COMMANDS)) program.command(command).description(summary);
  }

  let usage = false;
  const code = await runCommand(async () => {
    try {
      await program.parseAsync(argv);
    } catch (err) {
      if (!(err instanceof CommanderError)) throw err;
      // Help and version are successes; every other commander error is bad usage (already printed).
      usage = !['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
    }
  });
  return usage ? 2 : code;
}

finish(await main());
