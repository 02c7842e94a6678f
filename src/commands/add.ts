import type { Command } from 'commander';
import {
  assertNoProblems,
  checkDraftValues,
  checkNewName,
  commitNewConnection,
  connectionView,
  defaultName,
  missingFields,
  splitRefs,
  type ConnectionDraft,
} from '../catalog/connections.js';
import { collect, parseSecrets, parseSets } from './flags.js';
import { nameFromFlag } from '../catalog/names.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { promptField, readStdin } from '../ui/prompts.js';
import type { DepsFactory } from './types.js';

export interface AddOptions {
  preset: string;
  name?: string;
  set: Record<string, string>;
  /** Secret values given on the command line; `undefined` = prompt for it. */
  secrets: Record<string, string | undefined>;
  secretStdin?: string;
  disabled: boolean;
  test: boolean;
  strict: boolean;
  matchPreset: boolean;
  command?: string[];
}

interface AddFlags {
  name?: string;
  set?: string[];
  secret?: string[];
  secretStdin?: string;
  disabled?: boolean;
  test?: boolean;
  strict?: boolean;
  matchPreset?: boolean;
  json?: boolean;
}

export function parseAdd(preset: string, command: string[], flags: AddFlags): AddOptions {
  const set = parseSets(flags.set);
  const secrets = parseSecrets(flags.secret);
  if (flags.secretStdin && flags.secretStdin in secrets) throw new UsageError(`${flags.secretStdin} is given twice (--secret and --secret-stdin)`);
  return {
    preset,
    name: flags.name,
    set,
    secrets,
    secretStdin: flags.secretStdin,
    disabled: Boolean(flags.disabled),
    test: Boolean(flags.test),
    strict: Boolean(flags.strict),
    matchPreset: flags.matchPreset !== false,
    command: command.length ? command : undefined,
  };
}

export async function run(opts: AddOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const registry = await deps.presets();
  const preset = registry.require(opts.preset);
  if (preset.id === 'custom' && !opts.command) {
    throw new UsageError('custom needs the server command after --', 'conn add custom --name my-server -- npx -y my-mcp-server');
  }
  if (preset.id !== 'custom' && opts.command) throw new UsageError(`only custom takes a command after -- (preset ${preset.id} has its own)`);

  const fields = { ...opts.set };
  let matched: string | undefined;
  if (preset.id === 'remote' && opts.matchPreset && fields.url) {
    const { matchRemoteUrl } = await import('../presets/match.js');
    matched = matchRemoteUrl(registry, fields.url);
  }
  const given: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.secrets)) if (v !== undefined) given[k] = v;
  assertNoProblems(checkDraftValues(preset, fields, given), opts.strict, (t) => io.warn(t));

  // Collect every value before writing anything: an interrupt from here on leaves nothing behind.
  const secrets: Record<string, string> = { ...given };
  if (opts.secretStdin) {
    const value = await readStdin();
    if (value === '') throw new UsageError(`--secret-stdin ${opts.secretStdin}: standard input was empty`);
    secrets[opts.secretStdin] = value;
  }
  const toPrompt = Object.keys(opts.secrets).filter((k) => opts.secrets[k] === undefined);
  // custom's `command` field is what follows `--`, stored as an argument array on the connection.
  const satisfied = opts.command ? { ...fields, command: opts.command.join(' ') } : fields;
  const missing = missingFields(preset, satisfied, secrets).filter((k) => !toPrompt.includes(k));
  if ((toPrompt.length || missing.length) && !io.canPrompt) {
    const all = [...toPrompt, ...missing];
    throw new UsageError(
      `missing ${all.length === 1 ? 'field' : 'fields'} ${all.join(', ')} for ${preset.id} (no terminal to prompt on)`,
      `pass ${all.map((k) => (preset.fields.find((f) => f.key === k)?.secret || toPrompt.includes(k) ? `--secret-stdin ${k}` : `--set ${k}=…`)).join(' ')}`,
    );
  }
  for (const key of [...missing, ...toPrompt]) {
    const field = preset.fields.find((f) => f.key === key) ?? { key, label: key, secret: true, required: true };
    const value = await promptField(field);
    if (field.secret) secrets[key] = value;
    else fields[key] = value;
  }
  assertNoProblems(checkDraftValues(preset, fields, secrets).filter((p) => !(p.field in given) && !(p.field in opts.set)), opts.strict, (t) => io.warn(t));

  const catalog = await deps.catalog.read();
  // A URL matched to a preset is still a remote connection, which may not take a built-in preset's id:
  // its default name comes from the URL's host (`https://mcp.linear.app/mcp` → linear-app).
  const name = opts.name ? nameFromFlag(opts.name) : defaultName(preset, fields, opts.command);
  checkNewName(name, preset, catalog, registry);
  if (matched) {
    io.err(`${fields.url} is the remote endpoint of preset ${matched}: using its settings (--no-match-preset to keep it generic)`);
  }
  const { values, refs } = splitRefs(secrets);
  const draft: ConnectionDraft = {
    name,
    preset,
    fields: Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '')),
    secrets: values,
    secretRefs: refs,
    command: opts.command,
    enabled: !opts.disabled,
    matchedPreset: matched,
  };
  const conn = await commitNewConnection(deps.catalog, () => deps.secrets(), registry, draft, deps.clock());
  const after = await deps.catalog.read();
  deps.io.result(connectionView(conn, after), (v) => `Added ${v.name} (${v.preset}${v.enabled ? '' : ', disabled'})`);
  if (opts.test) {
    const test = await import('./test.js');
    await test.run({ names: [name], all: false, timeoutMs: 30_000, tools: false }, deps);
  }
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('add <preset> [command...]')
    .description('Add a connection from a preset (prompts for missing fields on a terminal)')
    .option('--name <name>', 'connection name (slugified: "Team Notion" → team-notion); default: the preset id')
    .option('--set <field=value>', 'a field value (repeatable); custom: env.KEY=VALUE adds an env var', collect, [])
    .option('--secret <field[=value]>', 'a secret field; without a value it is prompted for (a value on the command line shows in ps and shell history)', collect, [])
    .option('--secret-stdin <field>', 'read this secret field from standard input')
    .option('--disabled', 'add it disabled')
    .option('--test', 'test the connection right after adding it')
    .option('--strict', 'refuse values that do not match the field pattern instead of warning')
    .option('--no-match-preset', 'remote: keep a URL that matches a preset generic')
    .option('--json', 'print the new connection as JSON')
    .addHelpText('after', `
Examples:
  $ conn add notion                                    # prompts for the token (hidden)
  $ printf %s "$TOKEN" | conn add github --secret-stdin GITHUB_PERSONAL_ACCESS_TOKEN
  $ conn add notion --name "Team Notion" --secret NOTION_TOKEN
  $ conn add remote --set url=https://mcp.linear.app/mcp --secret-stdin token < token.txt
  $ conn add custom --name my-server --set env.LOG=debug -- node ./server.js --stdio
  $ conn add http-api --name billing --set url=https://api.example.com --set auth=bearer --secret-stdin token

Secret fields may hold a reference instead of a value: env:VAR, file:/path, op://vault/item/field,
vault:path#key (resolved at use time, never stored).`)
    .action(async (preset: string, command: string[], flags: AddFlags) =>
      run(parseAdd(preset, command, flags), await deps({ json: flags.json })),
    );
}
