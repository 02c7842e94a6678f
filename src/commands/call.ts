// `conn call <name> <tool> [KEY=VALUE ...]`: calls one tool and prints its result.
import type { Command } from 'commander';
import { allowedByPermission, classifyTool } from '../access/tool-class.js';
import { describeToolLists, listsAllow } from '../access/tool-list.js';
import { parseAgent, parsePermission } from '../access/assignments.js';
import { requireConnection } from '../catalog/connections.js';
import type { Agent, Permission } from '../catalog/model.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';
import { DEFAULT_TIMEOUT_S } from './test.js';

export interface CallOptions {
  name: string;
  tool: string;
  pairs: string[];
  argsJson?: string;
  argsStdin: boolean;
  timeoutMs: number;
  permission?: Permission;
  repo?: string;
  agent?: Agent;
  elicit?: 'accept-defaults';
  /** false on the retry after a scope step-up: at most one new authorization per call. */
  stepUp?: boolean;
}

interface CallFlags {
  args?: string;
  argsStdin?: boolean;
  json?: boolean;
  timeout?: string;
  permission?: string;
  repo?: string;
  agent?: string;
  elicit?: string;
}

export function parseCall(name: string, tool: string, pairs: string[], flags: CallFlags): CallOptions {
  const seconds = flags.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(flags.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not ${flags.timeout}`);
  const given = [pairs.length > 0, flags.args !== undefined, Boolean(flags.argsStdin)].filter(Boolean).length;
  if (given > 1) throw new UsageError('give the arguments one way: KEY=VALUE pairs, --args JSON or --args-stdin');
  if ((flags.repo === undefined) !== (flags.agent === undefined)) throw new UsageError('--repo and --agent go together');
  if (flags.elicit !== undefined && flags.elicit !== 'accept-defaults') throw new UsageError(`--elicit takes accept-defaults, not ${flags.elicit}`);
  return {
    name,
    tool,
    pairs,
    ...(flags.args !== undefined ? { argsJson: flags.args } : {}),
    argsStdin: Boolean(flags.argsStdin),
    timeoutMs: seconds * 1000,
    ...(flags.permission !== undefined ? { permission: parsePermission(flags.permission) } : {}),
    ...(flags.repo !== undefined ? { repo: flags.repo, agent: parseAgent(flags.agent!) } : {}),
    ...(flags.elicit ? { elicit: 'accept-defaults' as const } : {}),
  };
}

function jsonArgs(text: string, from: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${from}: not valid JSON`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${from}: the arguments must be a JSON object`);
  return value as Record<string, unknown>;
}

export async function run(opts: CallOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  requireConnection(catalog, opts.name); // an unknown name is a usage error here, not a vanished one
  const { decidePermission } = await import('../access/permission.js');
  const decided = await decidePermission(catalog, { name: opts.name, permission: opts.permission ?? (opts.repo ? undefined : 'full'), repo: opts.repo, agent: opts.agent });
  const { conn, permission } = decided;
  const stdinArgs = opts.argsStdin ? jsonArgs(await (await import('../ui/prompts.js')).readStdin(), '--args-stdin') : undefined;
  const [{ specFor, clean: cleanText, secretsOf, redact }, { openSession }, { toTool }, args, elicit] = await Promise.all([
    import('../call/tools.js'),
    import('../call/session.js'),
    import('../probe/probe.js'),
    import('../call/args.js'),
    import('../call/elicit.js'),
  ]);
  const { spec, presetTable } = await specFor(conn, deps, permission);
  // Whatever comes back from the server is printed: never a secret of this connection's in it.
  const secrets = secretsOf(spec);
  const clean = (text: string) => redact(cleanText(text), secrets);
  const opening = openSession(spec, {
    timeoutMs: opts.timeoutMs,
    capabilities: { elicitation: { form: {} } },
    setup: (client) =>
      client.setRequestHandler('elicitation/create', async (request) => {
        const params = request.params as { message?: string; requestedSchema?: import('../call/elicit.js').FormSchema; mode?: string };
        if (params.mode === 'url' || !params.requestedSchema) return { action: 'decline' };
        if (deps.io.canPrompt) return ask(params.message ?? '', params.requestedSchema, deps, clean, elicit);
        return opts.elicit === 'accept-defaults' ? elicit.acceptDefaults(params.requestedSchema) : { action: 'decline' };
      }),
  });
  let stepUpScope: string | undefined;
  const session = await opening.catch((err: unknown) => {
    throw err instanceof OperationError ? new OperationError(redact(err.message, secrets), err.hint) : err;
  });
  try {
    const { tools } = await session.client.listTools({}, { timeout: opts.timeoutMs, cacheMode: 'bypass' });
    const tool = tools.find((t) => t.name === opts.tool);
    if (!tool) {
      const near = args.closest(opts.tool, tools.map((t) => t.name)).map(clean);
      throw new UsageError(`${conn.name} has no tool ${clean(opts.tool)}`, near.length ? `closest: ${near.join(', ')}` : `conn tools ${conn.name}`);
    }
    const cls = classifyTool(toTool(tool), presetTable);
    if (!allowedByPermission(cls, permission)) {
      throw new OperationError(`refused: ${clean(tool.name)} is a ${cls} tool and ${conn.name} runs at permission ${permission} here`);
    }
    if (!listsAllow(tool.name, decided.lists)) {
      throw new OperationError(`refused: ${clean(tool.name)} is not in this assignment's tool list (${describeToolLists(decided.lists)})`);
    }
    const callArgs = opts.argsJson !== undefined ? jsonArgs(opts.argsJson, '--args') : stdinArgs ?? args.parsePairs(opts.pairs, tool.inputSchema as never);
    const problems = await args.schemaProblems(tool.inputSchema, callArgs);
    if (problems.length) throw new UsageError(`${clean(tool.name)}: ${problems.join('; ')}`, `conn tools ${conn.name}`);
    let result;
    try {
      result = await session.client.callTool(
        { name: tool.name, arguments: callArgs },
        {
          timeout: opts.timeoutMs,
          resetTimeoutOnProgress: true,
          onprogress: (p: { progress: number; total?: number; message?: string }) =>
            deps.io.progress(`${clean(tool.name)}: ${p.progress}${p.total ? `/${p.total}` : ''}${p.message ? ` ${clean(p.message)}` : ''}`),
        },
      );
    } catch (err) {
      const { InsufficientScopeError } = await import('@modelcontextprotocol/client');
      if (err instanceof InsufficientScopeError && (await import('./connect.js')).canStepUp(conn)) {
        // Step-up (MCP authorization, scope challenge): sign in again with the union of the granted and
        // the challenged scopes, once; then the call is made again.
        if (opts.stepUp === false || !err.requiredScope) {
          throw new OperationError(`${clean(tool.name)} needs OAuth scope ${clean(err.requiredScope ?? '(unnamed)')} that ${conn.name} was not granted`, `conn connect ${conn.name}`);
        }
        stepUpScope = err.requiredScope;
      } else {
        throw new OperationError(`${clean(tool.name)} failed: ${clean((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '')}`);
      }
    }
    if (stepUpScope === undefined && result !== undefined) {
      const shown = secrets.length ? (JSON.parse(redact(JSON.stringify(result), secrets)) as typeof result) : result;
      deps.io.result(shown, (r) => textOf(r as { content?: unknown[]; structuredContent?: unknown }, clean));
      if (result.isError) throw new OperationError(`${clean(tool.name)} returned an error`);
    }
  } finally {
    await session.close();
  }
  if (stepUpScope !== undefined) {
    const { stepUp } = await import('./connect.js');
    await stepUp(conn.name, stepUpScope, deps);
    await run({ ...opts, stepUp: false }, deps);
  }
}

function textOf(result: { content?: unknown[]; structuredContent?: unknown }, clean: (s: string) => string): string {
  const parts: string[] = [];
  for (const item of result.content ?? []) {
    const c = item as { type?: string; text?: string; mimeType?: string; uri?: string; resource?: { uri?: string; text?: string } };
    if (c.type === 'text' && typeof c.text === 'string') parts.push(clean(c.text));
    else if (c.type === 'resource_link') parts.push(`[resource ${clean(c.uri ?? '')}]`);
    else if (c.type === 'resource') parts.push(c.resource?.text !== undefined ? clean(c.resource.text) : `[resource ${clean(c.resource?.uri ?? '')}]`);
    else parts.push(`[${clean(c.type ?? 'content')}${c.mimeType ? ` ${clean(c.mimeType)}` : ''}]`);
  }
  if (!parts.length && result.structuredContent !== undefined) parts.push(clean(JSON.stringify(result.structuredContent, null, 2)));
  return parts.join('\n');
}

async function ask(
  message: string,
  schema: import('../call/elicit.js').FormSchema,
  deps: Deps,
  clean: (s: string) => string,
  elicit: typeof import('../call/elicit.js'),
): Promise<import('../call/elicit.js').ElicitAnswer> {
  const { promptField, confirm } = await import('../ui/prompts.js');
  deps.io.err(`The server asks: ${clean(message)}`);
  if (!(await confirm('Answer it?', true))) return { action: 'decline' };
  const content: Record<string, string | number | boolean> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const choices = elicit.choicesOf(prop);
    const text = await promptField({
      key: 'field',
      label: clean(prop.title ?? key),
      ...(prop.description ? { hint: clean(prop.description) } : {}),
      secret: elicit.looksSecret(key, prop),
      required: Boolean(schema.required?.includes(key)),
      ...(prop.default !== undefined ? { default: String(prop.default) } : {}),
      ...(choices ? { choices } : {}),
    });
    const value = elicit.fromTyped(prop, text);
    if (value !== undefined) content[key] = value;
  }
  return { action: 'accept', content };
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('call <name> <tool> [pairs...]')
    .description('Call one tool of a connection and print its result (KEY=VALUE typed by the tool\'s schema)')
    .option('--args <json>', 'the arguments as one JSON object')
    .option('--args-stdin', 'read the arguments as a JSON object from standard input')
    .option('--json', 'print the whole result: content, structuredContent, isError')
    .option('--timeout <seconds>', `give up after this long without progress (default ${DEFAULT_TIMEOUT_S})`)
    .option('--permission <level>', 'call as this permission allows: read, readwrite or full (default full)')
    .option('--repo <dir>', 'with --agent: at the permission that assignment gives')
    .option('--agent <agent>', 'with --repo: the agent whose assignment applies')
    .option('--elicit <mode>', 'without a terminal, answer elicitations with accept-defaults (default: decline)')
    .addHelpText('after', `
Exit: 0 ok, 1 the tool reported an error / the call failed / refused by permission, 2 bad arguments or unknown tool.

Examples:
  $ conn call everything echo message=hello
  $ conn call everything get-sum a=2 b=3 --json
  $ echo '{"a":1,"b":2}' | conn call everything get-sum --args-stdin
  $ conn call github delete_repository --repo . --agent claude-code`)
    .action(async (name: string, tool: string, pairs: string[], flags: CallFlags) => run(parseCall(name, tool, pairs, flags), await deps({ json: flags.json })));
}
