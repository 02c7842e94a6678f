// `conn add <registry-name> | ./server.json`: fetch (or read) the server.json, validate it against
// its official schema, choose what to run, collect its inputs, and commit a custom/remote connection
// that remembers its registry origin. Nothing is stored unless every step succeeds.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { rmSync } from 'node:fs';

import { checkNewName, commitNewConnection, splitRefs, type ConnectionDraft } from '../catalog/connections.js';
import type { Connection } from '../catalog/model.js';
import { nameFromFlag } from '../catalog/names.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import { bundleDir, downloadBundle, readJsonFile, unpackBundle } from './bundle.js';
import { registryClient } from './client.js';
import { consentDigest } from './consent.js';
import { choose, inputsOf, planFor, refusePlaceholders, type Choice, type InputField } from './convert.js';
import { validateServerJson } from './validate.js';

export interface RegistryAddOptions {
  source: string;
  version?: string;
  package?: string;
  remote?: string;
  name?: string;
  set: Record<string, string>;
  secrets: Record<string, string | undefined>;
  secretStdin?: string;
  yes: boolean;
  disabled: boolean;
}

export interface Prompter {
  field(field: InputField): Promise<string>;
  stdin(): Promise<string>;
}

export function isServerJsonPath(arg: string): boolean {
  return arg.endsWith('.json') || arg.startsWith('./') || arg.startsWith('../') || arg.startsWith('/');
}

export interface LoadedServer {
  doc: Record<string, unknown>;
  source: string;
}

/** The server.json for a registry name (latest or a version) or a local file, validated. */
export async function loadServer(source: string, version: string | undefined, deps: Pick<Deps, 'home' | 'env' | 'io'>, fresh = false): Promise<LoadedServer> {
  if (isServerJsonPath(source)) {
    if (version) throw new UsageError('--version is for registry names; a server.json file is the version it says');
    const path = resolve(source);
    const doc = readJsonFile(path);
    await validateServerJson(doc, path);
    return { doc: doc as Record<string, unknown>, source: path };
  }
  if (!/^[A-Za-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(source)) throw new UsageError(`${JSON.stringify(source.slice(0, 80))} is not a registry server name (namespace/name)`);
  const client = registryClient(deps.home, deps.env);
  const answer = await client.get(source, version, fresh);
  if (answer.staleNote) deps.io.warn(answer.staleNote);
  await validateServerJson(answer.data.server, `${source} from ${client.base}`);
  const doc = answer.data.server;
  if (doc.name !== source) throw new UsageError(`the registry answered ${JSON.stringify(String(doc.name)).slice(0, 80)} for ${source}`);
  return { doc, source: answer.url };
}

/** Whether `cmd` is an executable file in one of PATH's folders. */
export function onPathOf(env: NodeJS.ProcessEnv): (cmd: string) => boolean {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return (cmd) =>
    dirs.some((d) => {
      try {
        const p = join(d, cmd);
        accessSync(p, constants.X_OK);
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
}

export async function addFromRegistry(opts: RegistryAddOptions, deps: Deps, prompter: Prompter): Promise<{ conn: Connection; choice: Choice }> {
  const { io } = deps;
  const { doc, source } = await loadServer(opts.source, opts.version, deps);
  const serverName = String(doc.name);
  const choice = choose(doc, { package: opts.package, remote: opts.remote }, onPathOf(deps.env));
  refusePlaceholders(doc, choice.target);
  io.err(`Using ${choice.target.label}: ${choice.why}`);

  const inputs = inputsOf(choice.target);
  const known = new Map(inputs.map((f) => [f.key, f]));
  const knownList = () => (inputs.length ? inputs.map((f) => f.key).join(', ') : 'none');
  for (const key of [...Object.keys(opts.set), ...Object.keys(opts.secrets), ...(opts.secretStdin ? [opts.secretStdin] : [])]) {
    if (!known.has(key)) throw new UsageError(`${serverName} has no field ${key} (its fields: ${knownList()})`);
  }
  for (const key of Object.keys(opts.set)) {
    if (known.get(key)!.secret) throw new UsageError(`${key} is a secret: pass it with --secret ${key} or --secret-stdin ${key}, not --set`);
  }

  const values: Record<string, string> = { ...opts.set };
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.secrets)) if (v !== undefined) secrets[k] = v;
  if (opts.secretStdin) {
    const value = await prompter.stdin();
    if (value === '') throw new UsageError(`--secret-stdin ${opts.secretStdin}: standard input was empty`);
    secrets[opts.secretStdin] = value;
  }
  const toPrompt = Object.keys(opts.secrets).filter((k) => opts.secrets[k] === undefined);
  const missing = inputs
    .filter((f) => f.required && f.default === undefined && values[f.key] === undefined && secrets[f.key] === undefined && !toPrompt.includes(f.key))
    .map((f) => f.key);
  if ((toPrompt.length || missing.length) && !io.canPrompt) {
    const all = [...toPrompt, ...missing];
    throw new UsageError(
      `missing ${all.length === 1 ? 'field' : 'fields'} ${all.join(', ')} for ${serverName} (no terminal to prompt on)`,
      `pass ${all.map((k) => (known.get(k)?.secret || toPrompt.includes(k) ? `--secret-stdin ${k}` : `--set ${k}=…`)).join(' ')}`,
    );
  }
  for (const key of [...missing, ...toPrompt]) {
    const field = known.get(key)!;
    const value = await prompter.field({ ...field, secret: field.secret || toPrompt.includes(key) });
    if (field.secret || toPrompt.includes(key)) secrets[key] = value;
    else values[key] = value;
  }

  const catalog = await deps.catalog.read();
  const presets = await deps.presets();
  const name = opts.name ? nameFromFlag(opts.name) : nameFromFlag(serverName.split('/').pop()!);
  const target = choice.target;
  const isRemote = target.kind === 'remote';
  const preset = presets.require(isRemote ? 'remote' : 'custom');
  checkNewName(name, preset, catalog, presets);

  const made = await materialize(doc, choice, inputs, values, new Set(Object.keys(secrets)), deps.home);
  try {
    const { command, fields } = made;
    const draftSecrets: Record<string, string> = {};
    for (const [secretName, key] of Object.entries(made.secretInputs)) {
      const value = secrets[key];
      if (value === undefined) {
        if (secretName === 'token') continue; // an optional remote auth header left empty
        throw new UsageError(`${serverName}: the secret ${key} needs a value`, `pass --secret-stdin ${key}`);
      }
      draftSecrets[secretName] = value;
    }
    const { values: stored, refs } = splitRefs(draftSecrets);
    const version = String(doc.version ?? '');
    const registry: NonNullable<Connection['registry']> = { name: serverName, version, source, choice: target.label, ...(Object.keys(values).length ? { inputs: values } : {}) };
    const shape = {
      kind: preset.kind,
      command,
      fields,
      secrets: [...Object.keys(stored), ...Object.keys(refs)].sort(),
    } as Connection;
    if (opts.yes) registry.consent = consentDigest(shape);
    const draft: ConnectionDraft = { name, preset, fields, secrets: stored, secretRefs: refs, command, enabled: !opts.disabled, registry };
    const conn = await commitNewConnection(deps.catalog, () => deps.secrets(), presets, draft, deps.clock());
    return { conn, choice };
  } catch (err) {
    if (made.bundle) rmSync(made.bundle, { recursive: true, force: true });
    throw err;
  }
}

export interface Materialized {
  command?: string[];
  fields: Record<string, string>;
  /** Secret field name on the connection → the input key whose value it holds. */
  secretInputs: Record<string, string>;
  /** The folder a bundle was unpacked into (removed again if the add fails). */
  bundle?: string;
}

/** The connection's command or URL, fields and secret fields for a chosen target and its inputs. */
export async function materialize(doc: Record<string, unknown>, choice: Choice, inputs: InputField[], values: Record<string, string>, secretKeys: Set<string>, home: string): Promise<Materialized> {
  const serverName = String(doc.name);
  const target = choice.target;
  let bundle: string | undefined;
  let bundleCommand: string[] | undefined;
  if (target.kind === 'package' && target.entry.registryType === 'mcpb') {
    const version = String(target.entry.version ?? doc.version);
    const bytes = await downloadBundle(String(target.entry.identifier ?? ''), target.entry.fileSha256 as string | undefined, serverName);
    bundle = bundleDir(home, serverName, version);
    bundleCommand = unpackBundle(bytes, bundle, serverName);
  }
  try {
    const plan = planFor(doc, target, inputs, values, secretKeys, bundleCommand);
    const fields: Record<string, string> = {};
    const secretInputs: Record<string, string> = {};
    if (plan.kind === 'stdio') {
      for (const [k, v] of Object.entries(plan.env)) fields[`env.${k}`] = v;
      Object.assign(secretInputs, plan.secretEnv);
      return { command: plan.command, fields, secretInputs, bundle };
    }
    fields.url = plan.url;
    if (plan.header) {
      if (inputs.find((f) => f.key === plan.header!.key)?.secret !== true && !secretKeys.has(plan.header.key)) {
        throw new UsageError(`${serverName}: header ${plan.header.name} is not secret; a conn remote connection carries only a secret auth header`);
      }
      fields.header = plan.header.name;
      secretInputs.token = plan.header.key;
    }
    return { fields, secretInputs, bundle };
  } catch (err) {
    if (bundle) rmSync(bundle, { recursive: true, force: true });
    throw err;
  }
}
