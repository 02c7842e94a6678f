// server.json → a conn connection. Every package becomes a `custom` command connection (an argv
// array; non-secret environment as env.NAME fields, secrets as secret fields the launch puts in the
// environment), every remote a `remote` connection. What cannot be expressed safely is refused.
import { UsageError, OperationError } from '../errors.js';

type Json = Record<string, unknown>;

export const RUNTIMES: Record<string, string> = { npm: 'npx', pypi: 'uvx', oci: 'docker' };
const SUPPORTED = ['npm', 'pypi', 'oci', 'mcpb'];

/** One value the user may give (`--set key=…` / `--secret key`). */
export interface InputField {
  key: string;
  label: string;
  secret: boolean;
  required: boolean;
  default?: string;
  choices?: string[];
  format?: string;
}

export interface Target {
  kind: 'package' | 'remote';
  index: number;
  entry: Json;
  /** e.g. `npm @scope/pkg@1.2.3`, `remote streamable-http https://…`. */
  label: string;
}

export interface Choice {
  target: Target;
  /** Why this one: said on stderr. */
  why: string;
}

/** Release-time placeholders some server.json files keep in version or identifier. */
const PLACEHOLDER = /\$\{[^}]*\}|\$[A-Z_]+|\{\{[^}]*\}\}/;
/** Characters that only mean something to a shell: a value holding them was written for one. */
const SHELL = /[|;&`<>]|\$\(|\$\{|^~/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function arr(v: unknown): Json[] {
  return Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : [];
}
function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

export function describeTarget(kind: 'package' | 'remote', entry: Json): string {
  if (kind === 'remote') return `remote ${clean(str(entry.type) ?? '?')} ${clean(str(entry.url) ?? '?')}`;
  const type = str(entry.registryType) ?? '?';
  const id = clean(str(entry.identifier) ?? '?');
  const version = str(entry.version);
  return `${type} ${id}${version && type !== 'oci' && type !== 'mcpb' ? `@${clean(version)}` : ''}`;
}

/** Why a package cannot run here, or undefined when it can. */
export function packageProblem(pkg: Json, onPath: (cmd: string) => boolean): string | undefined {
  const type = str(pkg.registryType);
  if (!type) return 'it has no registryType (a draft-era server.json)';
  if (!SUPPORTED.includes(type)) return `registry type ${JSON.stringify(clean(type))} is not supported (conn runs ${SUPPORTED.join(', ')})`;
  const transport = str((pkg.transport as Json | undefined)?.type) ?? 'stdio';
  if (transport !== 'stdio') return `it serves ${clean(transport)} on a local port; conn starts stdio packages`;
  const runtime = RUNTIMES[type];
  if (runtime && !onPath(runtime)) return `${runtime} is not on PATH`;
  return undefined;
}

/** The package or remote to use: the one asked for, else the first this machine can run. */
export function choose(doc: Json, opts: { package?: string; remote?: string }, onPath: (cmd: string) => boolean): Choice {
  const packages = arr(doc.packages);
  const remotes = arr(doc.remotes);
  const name = clean(str(doc.name) ?? 'server');
  if (opts.package !== undefined) {
    const i = pick(opts.package, packages, 'package', name);
    const entry = packages[i]!;
    const problem = packageProblem(entry, onPath);
    if (problem) throw new OperationError(`${name} package ${i + 1} (${describeTarget('package', entry)}) cannot run: ${problem}`);
    return { target: { kind: 'package', index: i, entry, label: describeTarget('package', entry) }, why: 'chosen with --package' };
  }
  if (opts.remote !== undefined) {
    const i = pick(opts.remote, remotes, 'remote', name);
    const entry = remotes[i]!;
    return { target: { kind: 'remote', index: i, entry, label: describeTarget('remote', entry) }, why: 'chosen with --remote' };
  }
  const problems: string[] = [];
  for (const [i, entry] of packages.entries()) {
    const problem = packageProblem(entry, onPath);
    if (!problem) {
      const runtime = RUNTIMES[str(entry.registryType)!];
      const why = runtime ? `${runtime} is on PATH` : 'a bundle runs from its own files';
      const skipped = problems.length ? `; skipped ${problems.join('; ')}` : '';
      return { target: { kind: 'package', index: i, entry, label: describeTarget('package', entry) }, why: `the first package this machine can run (${why})${skipped}` };
    }
    problems.push(`package ${i + 1} (${describeTarget('package', entry)}): ${problem}`);
  }
  for (const [i, entry] of remotes.entries()) {
    const type = str(entry.type);
    if (type === 'streamable-http' || type === 'sse') {
      const skipped = problems.length ? ` (${problems.join('; ')})` : '';
      return { target: { kind: 'remote', index: i, entry, label: describeTarget('remote', entry) }, why: `${packages.length ? 'no package can run here' : 'it is remote only'}${skipped}` };
    }
    problems.push(`remote ${i + 1}: transport ${JSON.stringify(clean(type ?? '?'))} is not supported`);
  }
  const missingRuntime = problems.some((p) => p.endsWith('is not on PATH'));
  const text = `${name}: nothing this machine can run: ${problems.join('; ') || 'no packages or remotes'}`;
  // A missing runtime is this machine's problem (exit 1); an unsupported document is bad input (exit 2).
  throw missingRuntime ? new OperationError(text, 'install the runtime, or choose another with --package N / --remote N') : new UsageError(text);
}

function pick(flag: string, list: Json[], what: string, name: string): number {
  const n = Number(flag);
  if (Number.isInteger(n) && n >= 1 && n <= list.length) return n - 1;
  const byId = list.findIndex((e) => str(e.identifier) === flag || str(e.registryType) === flag || str(e.type) === flag || str(e.url) === flag);
  if (byId >= 0) return byId;
  throw new UsageError(`${name} has no ${what} ${JSON.stringify(flag)} (it has ${list.length}: ${list.map((e, i) => `${i + 1} ${describeTarget(what as 'package', e)}`).join(', ') || 'none'})`);
}

/** The fields a target asks for: argument values and {variables}, environment variables, headers. */
export function inputsOf(target: Target): InputField[] {
  const fields = new Map<string, InputField>();
  const add = (key: string, input: Json, label: string) => {
    if (fields.has(key)) return;
    fields.set(key, {
      key,
      label: clean(`${label}${str(input.description) ? ` — ${str(input.description)}` : ''}`).slice(0, 200),
      secret: input.isSecret === true,
      required: input.isRequired === true,
      ...(str(input.default) !== undefined ? { default: str(input.default) } : {}),
      ...(Array.isArray(input.choices) ? { choices: (input.choices as unknown[]).map(String) } : {}),
      ...(str(input.format) ? { format: str(input.format) } : {}),
    });
  };
  const variables = (input: Json, required: boolean) => {
    for (const [key, v] of Object.entries((input.variables as Json | undefined) ?? {})) {
      const variable = v as Json;
      add(key, { ...variable, isRequired: variable.isRequired === true || (required && variable.default === undefined) }, key);
    }
  };
  if (target.kind === 'remote') {
    variables(target.entry, true);
    for (const h of arr(target.entry.headers)) {
      const name = str(h.name);
      if (name) add(name, h, `header ${name}`);
      variables(h, h.isRequired === true);
    }
    return [...fields.values()];
  }
  for (const list of ['runtimeArguments', 'packageArguments'] as const) {
    arr(target.entry[list]).forEach((a, i) => {
      if (str(a.value) !== undefined) variables(a, a.isRequired === true);
      else add(argKey(a, i, list), a, argKey(a, i, list));
    });
  }
  for (const e of arr(target.entry.environmentVariables)) {
    const name = str(e.name);
    if (name) add(name, e, name);
    variables(e, e.isRequired === true);
  }
  return [...fields.values()];
}

function argKey(a: Json, i: number, list: string): string {
  if (a.type === 'named') return (str(a.name) ?? `arg${i + 1}`).replace(/^-+/, '');
  return str(a.valueHint) ?? `${list === 'runtimeArguments' ? 'runtime-arg' : 'arg'}${i + 1}`;
}

export interface StdioPlan {
  kind: 'stdio';
  command: string[];
  /** Non-secret environment: stored as env.NAME fields. */
  env: Record<string, string>;
  /** Secret environment variable name → the input key holding its value. */
  secretEnv: Record<string, string>;
}
export interface RemotePlan {
  kind: 'remote';
  url: string;
  transport: 'streamable-http' | 'sse';
  /** The one auth header conn's remote connections carry, and the input key of its value. */
  header?: { name: string; key: string };
}
export type Plan = StdioPlan | RemotePlan;

/**
 * The launch plan for a target once every input has a value (`values`: non-secret, `secrets`: names
 * of inputs given as secrets). Bundles (mcpb) give the command separately, after unpacking.
 */
export function planFor(doc: Json, target: Target, inputs: InputField[], values: Record<string, string>, secretKeys: Set<string>, bundleCommand?: string[]): Plan {
  const name = clean(str(doc.name) ?? 'server');
  const byKey = new Map(inputs.map((f) => [f.key, f]));
  const isSecret = (key: string) => secretKeys.has(key) || byKey.get(key)?.secret === true;
  const valueOf = (key: string): string | undefined => values[key] ?? byKey.get(key)?.default;
  const fill = (template: string, what: string): { text: string; secret?: string } => {
    let secret: string | undefined;
    const text = template.replace(/\{([A-Za-z_][A-Za-z0-9_-]*)\}/g, (_m, key: string) => {
      if (isSecret(key)) {
        secret = key;
        return `{${key}}`;
      }
      const v = valueOf(key);
      if (v === undefined) throw new UsageError(`${name}: ${what} needs a value for ${key}`, `pass --set ${key}=…`);
      return v;
    });
    return { text, secret };
  };

  if (target.kind === 'remote') {
    const filled = fill(str(target.entry.url) ?? '', 'the remote URL');
    if (filled.secret) throw new UsageError(`${name}: the remote URL carries the secret ${filled.secret}; conn keeps secrets out of URLs`);
    const headers = arr(target.entry.headers);
    const wanted = headers.filter((h) => isSecret(str(h.name)!) || h.isRequired === true || values[str(h.name)!] !== undefined);
    if (wanted.length > 1) {
      throw new UsageError(`${name}: remote ${target.index + 1} needs ${wanted.length} headers (${wanted.map((h) => str(h.name)).join(', ')}); a conn remote connection carries one auth header`);
    }
    const h = wanted[0];
    const type = str(target.entry.type) === 'sse' ? 'sse' : 'streamable-http';
    return { kind: 'remote', url: filled.text, transport: type, ...(h ? { header: { name: str(h.name)!, key: str(h.name)! } } : {}) };
  }

  const pkg = target.entry;
  const type = str(pkg.registryType)!;
  const identifier = str(pkg.identifier) ?? '';
  const version = str(pkg.version) ?? '';
  refusePlaceholders(doc, target);
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  const dockerEnv: string[] = [];
  const argv = (list: 'runtimeArguments' | 'packageArguments'): string[] => {
    const out: string[] = [];
    arr(pkg[list]).forEach((a, i) => {
      const key = argKey(a, i, list);
      const fixed = str(a.value);
      const given = fixed === undefined ? values[key] : undefined;
      if (fixed === undefined && isSecret(key)) {
        if (a.isRequired === true || secretKeys.has(key)) {
          throw new UsageError(`${name}: argument ${key} would put a secret on the command line (visible in ps); conn passes secrets only through the environment`);
        }
        return;
      }
      const raw = fixed ?? given ?? (a.isRequired === true ? str(a.default) : undefined);
      if (raw === undefined) {
        if (a.isRequired === true) throw new UsageError(`${name}: argument ${key} needs a value`, `pass --set ${key}=…`);
        return;
      }
      // An optional argument whose secret variable was not given is left out whole.
      const secretVars = [...raw.matchAll(/\{([A-Za-z_][A-Za-z0-9_-]*)\}/g)].map((m) => m[1]!).filter((k) => isSecret(k));
      if (secretVars.some((k) => !secretKeys.has(k)) && a.isRequired !== true) return;
      // Values the user (or a variable) supplies are checked for smuggled options; the publisher's literals are shown at consent.
      const fromInput = fixed === undefined || /\{[A-Za-z_]/.test(fixed);
      const filled = fill(raw, `argument ${key}`);
      const repeated = a.isRepeated === true && fixed === undefined ? filled.text.split(',') : [filled.text];
      for (const value of repeated) {
        if (SHELL.test(value)) throw new UsageError(`${name}: argument ${key} ${JSON.stringify(clean(value).slice(0, 60))} would need a shell; conn runs argument arrays only`);
        if (a.type === 'named') {
          const flag = str(a.name) ?? '';
          if (!/^-{1,2}[A-Za-z0-9][\w.-]*$/.test(flag)) throw new UsageError(`${name}: argument name ${JSON.stringify(clean(flag).slice(0, 60))} is not an option name`);
          if (filled.secret) {
            // docker -e NAME={secret}: docker reads NAME from its own environment, so the value stays out of argv.
            const m = /^([A-Za-z_][A-Za-z0-9_]*)=\{[^}]+\}$/.exec(value);
            if (type === 'oci' && flag === '-e' && m) {
              out.push('-e', m[1]!);
              secretEnv[m[1]!] = filled.secret;
              continue;
            }
            throw new UsageError(`${name}: argument ${flag} would put the secret ${filled.secret} on the command line (visible in ps); conn passes secrets only through the environment`);
          }
          // A value-less option (`--read-write`): the user gives it as `--set read-write=`.
          if (fixed === undefined && value === '') {
            out.push(flag);
            continue;
          }
          if (a.format === 'boolean') {
            if (value === 'true') out.push(flag);
            else if (value !== 'false') throw new UsageError(`${name}: argument ${key} is a boolean (true or false), not ${JSON.stringify(clean(value))}`);
            continue;
          }
          checkValue(name, key, value, a);
          if (fromInput && value.startsWith('-') && !(a.format === 'number' && /^-?\d+(\.\d+)?$/.test(value))) {
            throw new UsageError(`${name}: the value of ${flag} starts with "-" (${JSON.stringify(clean(value).slice(0, 40))}): it would be read as an option`);
          }
          out.push(flag, value);
        } else {
          if (filled.secret) throw new UsageError(`${name}: argument ${key} would put the secret ${filled.secret} on the command line (visible in ps)`);
          checkValue(name, key, value, a);
          if (fromInput && value.startsWith('-')) {
            throw new UsageError(`${name}: positional argument ${key} is ${JSON.stringify(clean(value).slice(0, 40))}: a value starting with "-" where a positional is expected would smuggle in an option`);
          }
          out.push(value);
        }
      }
    });
    return out;
  };
  const runtimeArgs = argv('runtimeArguments');
  const packageArgs = argv('packageArguments');
  for (const e of arr(pkg.environmentVariables)) {
    const key = str(e.name);
    if (!key || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`${name}: environment variable name ${JSON.stringify(clean(key ?? '')).slice(0, 60)} is not valid`);
    if (isSecret(key)) {
      if (secretKeys.has(key) || e.isRequired === true) {
        secretEnv[key] = key;
        dockerEnv.push(key);
      }
      continue;
    }
    const raw = values[key] ?? (e.isRequired === true ? str(e.value) ?? str(e.default) : str(e.value));
    if (raw === undefined) continue;
    const filled = fill(raw, `environment variable ${key}`);
    if (filled.secret) throw new UsageError(`${name}: environment variable ${key} mixes the secret ${filled.secret} into a template; conn stores secrets whole`);
    checkValue(name, key, filled.text, e);
    env[key] = filled.text;
    dockerEnv.push(key);
  }

  let command: string[];
  if (type === 'npm') command = ['npx', ...runtimeArgs, '-y', `${identifier}@${version}`, ...packageArgs];
  else if (type === 'pypi') command = ['uvx', ...runtimeArgs, `${identifier}==${version}`, ...packageArgs];
  else if (type === 'oci') {
    const image = /[:@][^/]*$/.test(identifier) || !version ? identifier : `${identifier}:${version}`;
    // The container sees only what `-e NAME` passes through from docker's environment.
    const passed = new Set(runtimeArgs.flatMap((a, i) => (runtimeArgs[i - 1] === '-e' ? [a] : [])));
    const envFlags = dockerEnv.filter((k) => !passed.has(k)).flatMap((k) => ['-e', k]);
    command = ['docker', 'run', '-i', '--rm', ...runtimeArgs, ...envFlags, image, ...packageArgs];
  } else {
    if (!bundleCommand) throw new OperationError(`${name}: the bundle has not been unpacked`);
    command = [...bundleCommand, ...packageArgs];
  }
  for (const part of [identifier]) if (part.startsWith('-')) throw new UsageError(`${name}: package identifier ${JSON.stringify(clean(part))} starts with "-"`);
  return { kind: 'stdio', command, env, secretEnv };
}

function checkValue(name: string, key: string, value: string, input: Json): void {
  const choices = Array.isArray(input.choices) ? (input.choices as unknown[]).map(String) : undefined;
  if (choices && !choices.includes(value)) throw new UsageError(`${name}: ${key} must be one of ${choices.join(', ')}, not ${JSON.stringify(clean(value).slice(0, 40))}`);
  if (input.format === 'number' && !/^-?\d+(\.\d+)?$/.test(value)) throw new UsageError(`${name}: ${key} must be a number, not ${JSON.stringify(clean(value).slice(0, 40))}`);
}

/** A server.json published with `${VERSION}`-style placeholders left in cannot name what to run. */
export function refusePlaceholders(doc: Json, target: Target): void {
  const name = clean(str(doc.name) ?? 'server');
  const checks: [string, string][] = [['version', str(doc.version) ?? '']];
  if (target.kind === 'package') checks.push(['package identifier', str(target.entry.identifier) ?? ''], ['package version', str(target.entry.version) ?? '']);
  for (const [what, v] of checks) {
    if (PLACEHOLDER.test(v)) throw new UsageError(`${name}: the ${what} ${JSON.stringify(clean(v))} is an unfilled release placeholder`);
  }
}
