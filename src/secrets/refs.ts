import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { OperationError } from '../errors.js';

/**
 * Secret references: a secret field may hold `env:VAR`, `file:/path`, `op://vault/item/field` or
 * `vault:path#key` instead of a value; resolved at use time, never stored resolved.
 */
export const SECRET_REF_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*(?::-[^\n]*)?|file:\/.+|op:\/\/.+|vault:[^#\s]+#.+)$/;

export function isSecretRef(value: string): boolean {
  return SECRET_REF_PATTERN.test(value);
}

/**
 * Why a reference cannot be passed to its CLI safely: a vault path (or key) starting with `-` would
 * reach `vault` as an option (`vault:-address=https://evil#k`). op:// references cannot start so.
 * (conn passes each as one argument, with no shell; refusing is what keeps them arguments.)
 */
export function refProblem(ref: string): string | undefined {
  if (!ref.startsWith('vault:')) return undefined;
  const [path = '', key = ''] = ref.slice(6).split('#');
  if (path.startsWith('-') || key.startsWith('-')) return `a vault: path or key may not start with "-" (it would reach vault as an option)`;
  return undefined;
}

export async function resolveSecretRef(ref: string, ctx: { env: NodeJS.ProcessEnv; what: string }): Promise<string> {
  if (ref.startsWith('env:')) {
    // `env:VAR:-default` (an imported `${VAR:-default}`): the default when VAR is unset or empty.
    const [name, fallback] = splitOnce(ref.slice(4), ':-');
    const value = ctx.env[name] || fallback;
    if (value === undefined || value === '') throw new OperationError(`${ctx.what}: environment variable ${name} (from ${ref}) is not set`);
    return value;
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new OperationError(`${ctx.what}: cannot read ${ref}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const unsafe = refProblem(ref);
  if (unsafe) throw new OperationError(`${ctx.what}: ${unsafe}`, 'fix the reference with conn edit');
  if (ref.startsWith('op://')) return runCli('op', ['read', '--no-newline', ref], ref, ctx);
  if (ref.startsWith('vault:')) {
    const [path, key] = ref.slice(6).split('#') as [string, string];
    return runCli('vault', ['kv', 'get', `-field=${key}`, path], ref, ctx);
  }
  throw new OperationError(`${ctx.what}: not a secret reference: ${ref.split(':')[0]}:…`);
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + sep.length)];
}

function runCli(cli: string, args: string[], ref: string, ctx: { env: NodeJS.ProcessEnv; what: string }): string {
  const r = spawnSync(cli, args, { env: ctx.env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new OperationError(`${ctx.what}: ${ref} needs the ${cli} CLI, which is not installed or not on PATH`);
  }
  if (r.status !== 0) {
    throw new OperationError(`${ctx.what}: ${cli} could not read ${ref}: ${(r.stderr || `exit ${r.status}`).trim().split('\n')[0]}`);
  }
  return r.stdout.replace(/\r?\n$/, '');
}
