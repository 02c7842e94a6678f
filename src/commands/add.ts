import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
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
import { checkKey, nameFromFlag } from '../catalog/names.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { readStdin } from '../ui/prompts.js';
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
  /** The entry key agents see, when not the name. */
  key?: string;
  /** `--cwd DIR`: the directory its server starts in, as typed (resolved by run). */
  cwd?: string;
  /** Registry servers (src/registry/): which version, package or remote; --yes = consent to run it. */
  registry?: { version?: string; package?: string; remote?: string; yes: boolean };
}

interface AddFlags {
  version?: string;
  package?: string;
  remote?: string;
  yes?: boolean;
  name?: string;
  set?: string[];
  secret?: string[];
  secretStdin?: string;
  disabled?: boolean;
  test?: boolean;
  strict?: boolean;
  matchPreset?: boolean;
  key?: string;
  cwd?: string;
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
    ...(flags.key === undefined ? {} : { key: checkKey(flags.key) }),
    ...(flags.cwd === undefined ? {} : { cwd: flags.cwd }),
    registry: { version: flags.version, package: flags.package, remote: flags.remote, yes: Boolean(flags.yes) },
  };
}

export async function run(opts: AddOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const registry = await deps.presets();
  // A name with a `/` or a server.json path is an MCP Registry server; a built-in preset id wins.
  if (!registry.get(opts.preset) && (opts.preset.includes('/') || opts.preset.endsWith('.json'))) return addRegistryServer(opts, deps);
  if (opts.registry?.version || opts.registry?.package || opts.registry?.remote) throw new UsageError('--version, --package and --remote are for MCP Registry servers (a name with a /, or a server.json)');
  const preset = registry.require(opts.preset);
  if (preset.id === 'custom' && !opts.command) {
    throw new UsageError('custom needs the server command after --', 'conn add custom --name my-server -- npx -y my-mcp-server');
  }
  if (preset.id !== 'custom' && opts.command) throw new UsageError(`only custom takes a command after -- (preset ${preset.id} has its own)`);
  let workDir: string | undefined;
  if (opts.cwd !== undefined) {
    const { resolveWorkDir, startsLocalServer } = await import('../catalog/local-paths.js');
    if (!startsLocalServer(preset, opts.command)) throw new UsageError(`--cwd is for connections that start a local server; ${preset.id} is ${preset.kind}`);
    workDir = resolveWorkDir(opts.cwd, process.cwd());
  }

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
    const value = await deps.prompter.field(field);
    if (field.secret) secrets[key] = value;
    else fields[key] = value;
  }
  assertNoProblems(checkDraftValues(preset, fields, secrets).filter((p) => !(p.field in given) && !(p.field in opts.set)), opts.strict, (t) => io.warn(t));
  // Relative paths would later resolve against wherever the agent runs: fixed now, and said.
  const { resolveCommandPaths, resolvePathFields } = await import('../catalog/local-paths.js');
  const resolved = [...resolvePathFields(preset, fields, process.cwd()), ...(opts.command ? resolveCommandPaths(opts.command, process.cwd()) : [])];
  for (const r of resolved) io.err(`${r.what}: ${r.from} → ${r.to} (relative paths are resolved when added)`);

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
    key: opts.key,
    ...(workDir ? { settings: { cwd: workDir } } : {}),
  };
  const conn = await commitNewConnection(deps.catalog, () => deps.secrets(), registry, draft, deps.clock());
  const after = await deps.catalog.read();
  deps.io.result(connectionView(conn, after), (v) => `Added ${v.name} (${v.preset}${v.enabled ? '' : ', disabled'})`);
  if (opts.test) {
    const test = await import('./test.js');
    await test.run({ names: [name], all: false, timeoutMs: 30_000, tools: false }, deps);
  }
}

async function addRegistryServer(opts: AddOptions, deps: Deps): Promise<void> {
  if (opts.command) throw new UsageError('a registry server has its own command: nothing goes after --');
  if (opts.cwd !== undefined) throw new UsageError('--cwd is not taken when adding a registry server', 'add it, then: conn edit NAME --cwd DIR');
  if (opts.registry?.package && opts.registry.remote) throw new UsageError('--package and --remote exclude each other');
  const { addFromRegistry } = await import('../registry/add.js');
  const { describeRun } = await import('../registry/consent.js');
  const { conn } = await addFromRegistry(
    { source: opts.preset, ...opts.registry, name: opts.name, set: opts.set, secrets: opts.secrets, secretStdin: opts.secretStdin, yes: Boolean(opts.registry?.yes), disabled: opts.disabled },
    deps,
    { field: (f) => deps.prompter.field({ ...f, key: f.key, label: f.label }), stdin: readStdin },
  );
  const after = await deps.catalog.read();
  deps.io.result(connectionView(conn, after), (v) => `Added ${v.name} (${conn.registry!.name} ${conn.registry!.version}, ${v.preset})`);
  deps.io.err(`It will ${describeRun(conn)}`);
  if (!opts.registry?.yes) deps.io.err(`conn asks before the first run (conn test ${conn.name} on a terminal), or add it with --yes`);
  if (opts.test) {
    const test = await import('./test.js');
    await test.run({ names: [conn.name], all: false, timeoutMs: 30_000, tools: false }, deps);
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
    .option('--key <key>', 'the entry key agents see (tool names, permission rules) when it is not the name, e.g. github')
    .option('--cwd <dir>', 'start its server in DIR (stored absolute) instead of conn\'s own empty directory: the server then sees DIR\'s node_modules and .npmrc')
    .option('--no-match-preset', 'remote: keep a URL that matches a preset generic')
    .option('--json', 'print the new connection as JSON')
    .option('--version <v>', 'registry server: this version instead of the latest')
    .option('--package <n>', 'registry server: use package N (1-based, or its registry type / identifier)')
    .option('--remote <n>', 'registry server: use remote N (1-based, or its type / URL)')
    .option('--yes', 'registry server: agree now to run it (otherwise conn asks before the first run)')
    .addHelpText('after', `
Examples:
  $ conn add notion                                    # prompts for the token (hidden)
  $ printf %s "$TOKEN" | conn add github --secret-stdin GITHUB_PERSONAL_ACCESS_TOKEN
  $ conn add notion --name "Team Notion" --secret NOTION_TOKEN
  $ conn add remote --set url=https://mcp.linear.app/mcp --secret-stdin token < token.txt
  $ conn add remote --name ci-api --set url=https://mcp.example.com/mcp --set grant=client_credentials --set client_id=conn-ci --secret-stdin client_secret < secret.txt
  $ conn add custom --name my-server --set env.LOG=debug -- node ./server.js --stdio
  $ conn add custom --name tool --cwd . -- node server.js   # starts in this directory, on purpose
  $ conn add custom --name xcode --key XcodeBuildMCP -- npx -y xcodebuildmcp@latest
  $ conn add http-api --name billing --set url=https://api.example.com --set auth=bearer --secret-stdin token
  $ conn add io.github.brave/brave-search-mcp-server --secret BRAVE_API_KEY   # from the MCP Registry
  $ conn add ./server.json --package 2 --yes

Secret fields may hold a reference instead of a value: env:VAR, file:/path, op://vault/item/field,
vault:path#key (resolved at use time, never stored).`)
    .action(async (preset: string, command: string[], flags: AddFlags) =>
      run(parseAdd(preset, command, flags), await deps({ json: flags.json })),
    );
}

