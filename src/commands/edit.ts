import type { Command } from 'commander';
import { assertNoProblems, checkDraftValues, requireConnection, splitRefs } from '../catalog/connections.js';
import { collect, parseSecrets, parseSets } from './flags.js';
import { checkKey, checkName, nameFromFlag } from '../catalog/names.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { CLIENT_FIELD, TOKENS_FIELD } from '../oauth/storage.js';
import { copyItems, secretAccount, storedSecretFields } from '../secrets/store.js';
import { readStdin } from '../ui/prompts.js';
import { originChange } from '../catalog/origin-change.js';
import type { DepsFactory } from './types.js';

export interface EditOptions {
  name: string;
  set: Record<string, string>;
  unset: string[];
  secrets: Record<string, string | undefined>;
  secretStdin?: string;
  rename?: string;
  /** The entry key agents see; '' removes it (agents see the name again). */
  key?: string;
  strict: boolean;
  /** Confirms sending a stored token to the new origin of a moved URL. */
  yes: boolean;
  /** `--cwd DIR` (as typed; resolved by run) or `--no-cwd` (false): the server's working directory. */
  cwd?: string | false;
}

interface EditFlags {
  set?: string[];
  unset?: string[];
  secret?: string[];
  secretStdin?: string;
  rename?: string;
  key?: string;
  strict?: boolean;
  yes?: boolean;
  cwd?: string | boolean;
  json?: boolean;
}

export function parseEdit(name: string, flags: EditFlags): EditOptions {
  const set = parseSets(flags.set);
  const secrets = parseSecrets(flags.secret);
  return {
    name,
    set,
    unset: flags.unset ?? [],
    secrets,
    secretStdin: flags.secretStdin,
    rename: flags.rename === undefined ? undefined : nameFromFlag(flags.rename),
    ...(flags.key === undefined ? {} : { key: checkKey(flags.key, true) }),
    strict: Boolean(flags.strict),
    yes: Boolean(flags.yes),
    ...(typeof flags.cwd === 'string' ? { cwd: flags.cwd } : flags.cwd === false ? { cwd: false as const } : {}),
  };
}

export async function run(opts: EditOptions, deps: Deps): Promise<void> {
  const { io } = deps;
  const registry = await deps.presets();
  const current = requireConnection(await deps.catalog.read(), opts.name);
  const preset = registry.require(current.preset);
  const noFlags = !Object.keys(opts.set).length && !opts.unset.length && !Object.keys(opts.secrets).length && !opts.secretStdin && !opts.rename && opts.key === undefined && opts.cwd === undefined;
  const fields = { ...opts.set };
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.secrets)) if (v !== undefined) secrets[k] = v;
  if (opts.secretStdin) {
    const value = await readStdin();
    if (value === '') throw new UsageError(`--secret-stdin ${opts.secretStdin}: standard input was empty`);
    secrets[opts.secretStdin] = value;
  }
  const toPrompt = Object.keys(opts.secrets).filter((k) => opts.secrets[k] === undefined);
  if (noFlags) {
    if (!io.canPrompt) throw new UsageError('nothing to change', 'pass --set, --unset, --secret, --secret-stdin, --rename or --cwd');
    // Interactive: every field, current values as defaults; an empty secret keeps the stored one.
    for (const field of preset.fields) {
      const value = field.secret
        ? await deps.prompter.field({ ...field, required: false }, { note: `empty: keep ${current.secrets.includes(field.key) ? 'current' : 'unset'}` })
        : await deps.prompter.field({ ...field, default: current.fields[field.key] ?? field.default });
      if (field.secret) {
        if (value !== '') secrets[field.key] = value;
      } else if (value !== (current.fields[field.key] ?? field.default ?? '')) fields[field.key] = value;
    }
  } else if (toPrompt.length) {
    if (!io.canPrompt) throw new UsageError(`--secret ${toPrompt.join(', ')} needs a value (no terminal to prompt on)`, 'use --secret-stdin FIELD');
    for (const key of toPrompt) {
      const field = preset.fields.find((f) => f.key === key) ?? { key, label: key, secret: true, required: true };
      secrets[key] = await deps.prompter.field(field);
    }
  }
  for (const key of opts.unset) {
    const field = preset.fields.find((f) => f.key === key);
    if (field?.required && !field.secret) throw new UsageError(`${key} is required by ${preset.id} and cannot be unset`);
    if (!(key in current.fields) && !current.secrets.includes(key)) throw new UsageError(`${opts.name} has no value for ${key}`);
  }
  assertNoProblems(checkDraftValues(preset, fields, secrets), opts.strict, (t) => io.warn(t));
  const { resolvePathFields, resolveWorkDir, startsLocalServer } = await import('../catalog/local-paths.js');
  let workDir: string | false | undefined;
  if (opts.cwd !== undefined) {
    if (opts.cwd !== false && !startsLocalServer(preset, current.command)) throw new UsageError(`--cwd is for connections that start a local server; ${opts.name} is ${preset.kind}`);
    workDir = opts.cwd === false ? false : resolveWorkDir(opts.cwd, process.cwd());
  }
  for (const r of resolvePathFields(preset, fields, process.cwd())) io.err(`${r.what}: ${r.from} → ${r.to} (relative paths are resolved when set)`);
  const { values, refs } = splitRefs(secrets);
  const newName = opts.rename ?? opts.name;
  if (opts.rename) checkName(opts.rename);

  // Credentials stay with the origin they were given for: a moved URL drops the OAuth sign-in, and a
  // stored token goes to the new origin only when the user says so.
  const nextFields = { ...current.fields, ...fields };
  for (const key of opts.unset) delete nextFields[key];
  const move = originChange(current, preset, nextFields);
  const resent = move?.headerSecrets.filter((f) => !(f in secrets) && !opts.unset.includes(f)) ?? [];
  if (move && resent.length && !opts.yes) {
    const what = `${opts.name} moves from ${move.from} to ${move.to}: its ${resent.join(', ')} would be sent there`;
    if (!io.canPrompt) throw new UsageError(`${what}; nothing changed`, `confirm with --yes, or give a new one with --secret-stdin ${resent[0]}`);
    const { confirm } = await import('../ui/prompts.js');
    io.err(what);
    if (!(await confirm(`Send it to ${move.to}?`, false))) {
      io.err(`nothing changed (give a new one with: conn edit ${opts.name} --set url=${move.toUrl} --secret ${resent[0]})`);
      return;
    }
  }

  const touchesStore = Boolean(move?.dropsOAuth) || Object.keys(values).length > 0 || (opts.rename && (current.secrets.length > 0 || current.oauth)) || opts.unset.some((k) => current.secrets.includes(k));
  if (touchesStore) await (await deps.secrets()).ready();
  const result = await deps.catalog.update(async (c) => {
    const conn = requireConnection(c, opts.name);
    if (opts.rename && opts.rename !== opts.name && c.connections[opts.rename]) throw new UsageError(`connection ${opts.rename} already exists`);
    if (opts.rename && ['custom', 'remote', 'http-api'].includes(conn.preset) && registry.builtinIds.has(opts.rename)) {
      throw new UsageError(`a ${conn.preset} connection cannot be named ${opts.rename}: that is a built-in preset id`);
    }
    const needsStore = Object.keys(values).length > 0 || (opts.rename && (conn.secrets.length > 0 || conn.oauth)) || opts.unset.some((k) => conn.secrets.includes(k));
    const store = needsStore ? await deps.secrets() : undefined;
    const storedFields = storedSecretFields(conn);
    // Rename: copy every stored secret (OAuth tokens and client included) to the new account before
    // anything is deleted.
    if (opts.rename && opts.rename !== opts.name && store) {
      const oauthItems = conn.oauth ? [TOKENS_FIELD, CLIENT_FIELD] : [];
      const moved = [...storedFields, ...oauthItems];
      // Fields given a new value are written just below.
      const copies = moved.filter((f) => values[f] === undefined).map((f): [string, string] => [secretAccount(opts.name, f), secretAccount(newName, f)]);
      await copyItems(store, copies);
    }
    for (const [f, v] of Object.entries(values)) await store!.set(secretAccount(newName, f), v);
    for (const key of opts.unset) {
      delete conn.fields[key];
      if (conn.secrets.includes(key)) {
        if (!conn.secretRefs?.[key]) await store!.delete(secretAccount(newName, key));
        conn.secrets = conn.secrets.filter((f) => f !== key);
        if (conn.secretRefs) delete conn.secretRefs[key];
      }
    }
    Object.assign(conn.fields, fields);
    if (move?.dropsOAuth) delete conn.oauth;
    for (const f of Object.keys(values)) if (conn.secretRefs) delete conn.secretRefs[f];
    if (Object.keys(refs).length) conn.secretRefs = { ...conn.secretRefs, ...refs };
    conn.secrets = [...new Set([...conn.secrets, ...Object.keys(values), ...Object.keys(refs)])].sort();
    if (workDir) conn.settings = { ...conn.settings, cwd: workDir };
    else if (workDir === false && conn.settings?.cwd !== undefined) {
      const { cwd: _dropped, ...rest } = conn.settings;
      if (Object.keys(rest).length) conn.settings = rest;
      else delete conn.settings;
    }
    if (opts.key !== undefined) {
      if (opts.key === '' || opts.key === newName) delete conn.key;
      else conn.key = opts.key;
    }
    conn.updatedAt = deps.clock().toISOString();
    if (opts.rename && opts.rename !== opts.name) {
      delete c.connections[opts.name];
      conn.name = opts.rename;
      c.connections[opts.rename] = conn;
      for (const a of c.assignments) if (a.connection === opts.name) a.connection = opts.rename;
    }
    return { name: conn.name, changed: [...Object.keys(fields), ...Object.keys(secrets), ...opts.unset, ...(opts.key !== undefined ? ['key'] : []), ...(opts.cwd !== undefined ? ['cwd'] : [])], renamedFrom: opts.rename ? opts.name : undefined };
  });
  // Old keychain items go only after the catalog points at the new ones.
  if (opts.rename && opts.rename !== opts.name) {
    const store = await deps.secrets().catch(() => undefined);
    const items = [...current.secrets, ...(current.oauth ? [TOKENS_FIELD, CLIENT_FIELD] : [])];
    if (store && items.length) for (const f of items) await store.delete(secretAccount(opts.name, f)).catch(() => false);
  }
  if (move?.dropsOAuth) {
    const store = await deps.secrets();
    for (const f of [TOKENS_FIELD, CLIENT_FIELD]) await store.delete(secretAccount(newName, f)).catch(() => false);
    io.err(`${newName}: signed out (its OAuth tokens and client were for ${move.from}); sign in to ${move.to} with: conn connect ${newName}`);
  }
  deps.io.result(result, (r) =>
    [r.renamedFrom ? `Renamed ${r.renamedFrom} → ${r.name}` : '', r.changed.length ? `Updated ${r.name}: ${r.changed.join(', ')}` : ''].filter(Boolean).join('\n') ||
    `${r.name}: nothing changed`,
  );
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('edit <name>')
    .description('Change fields, secrets or the name of a connection (interactive on a terminal when no flags are given)')
    .option('--set <field=value>', 'set a field (repeatable)', collect, [])
    .option('--unset <field>', 'remove an optional field or secret (repeatable)', collect, [])
    .option('--secret <field[=value]>', 'set a secret; without a value it is prompted for', collect, [])
    .option('--secret-stdin <field>', 'read this secret from standard input')
    .option('--rename <new>', 'rename the connection (keychain items and assignments move with it)')
    .option('--key <key>', 'the entry key agents see (tool names, permission rules), when not the name; "" for the name')
    .option('--cwd <dir>', 'start its server in DIR (stored absolute) instead of conn\'s own empty directory')
    .option('--no-cwd', 'start its server in conn\'s own empty directory again (the default)')
    .option('--strict', 'refuse values that do not match the field pattern')
    .option('-y, --yes', "when --set url= moves to another origin, send the stored token there without asking")
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn edit notion                       # interactive
  $ conn edit notion --secret NOTION_TOKEN # prompts (hidden)
  $ conn edit github --set GITHUB_TOOLSETS=repos,issues
  $ conn edit notion --rename team-notion
  $ conn edit my-remote --set url=https://mcp.example.org/mcp --yes   # another origin: OAuth sign-in dropped, token sent there
  $ conn edit memory --cwd ~/src/api      # its server starts there (and sees that folder's node_modules, .npmrc)
  $ conn edit memory --no-cwd             # back to conn's own empty directory
  $ conn edit github-2 --key github         # agents see it as "github" (mcp__github__*)`)
    .action(async (name: string, flags: EditFlags) => run(parseEdit(name, flags), await deps({ json: flags.json })));
}
