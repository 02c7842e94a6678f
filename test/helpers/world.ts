// Each test builds its own world: a temp CONN_HOME, a private keychain service name on the private
// test keyring, temp git repos; and runs the real built CLI (`node bin/conn.js`) in it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CONN_BIN = join(ROOT, 'bin/conn.js');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface World {
  home: string;
  service: string;
  tmp: string;
  env: Record<string, string>;
  /** Run `conn ARGS` in this world (stdin closed unless `input` is given). */
  conn(args: string[], opts?: { input?: string; cwd?: string; env?: Record<string, string> }): Promise<RunResult>;
  /** A fresh git repo under tmp, optionally with an origin remote. Returns its real path. */
  gitRepo(name: string, origin?: string): string;
  cleanup(): void;
}

/** Fails the test (rather than skipping) when the private keyring did not start. */
export function requireKeychain(): void {
  const why = inject('keychainUnavailable');
  if (why) throw new Error(`private keyring unavailable: ${why}`);
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

export function makeWorld(extraEnv: Record<string, string> = {}): World {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'conn-test-')));
  const home = join(tmp, 'home');
  const service = `conn-test-${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(tmp, 'userhome'),
    CONN_HOME: home,
    CONN_KEYCHAIN_SERVICE: service,
    NO_COLOR: '1',
    LANG: 'C.UTF-8',
    ...(inject('dbusAddress') ? { DBUS_SESSION_BUS_ADDRESS: inject('dbusAddress') } : {}),
    ...extraEnv,
  };
  return {
    home,
    service,
    tmp,
    env,
    conn(args, opts = {}) {
      return runProcess(process.execPath, [CONN_BIN, ...args], {
        cwd: opts.cwd ?? tmp,
        env: { ...env, ...opts.env },
        input: opts.input,
      });
    },
    gitRepo(name, origin) {
      const dir = join(tmp, name);
      spawnSync('mkdir', ['-p', dir]);
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'config', 'user.email', 'test@example.com');
      git(dir, 'config', 'user.name', 'Test');
      if (origin) git(dir, 'remote', 'add', 'origin', origin);
      return realpathSync(dir);
    },
    cleanup() {
      // Remove this world's keychain items too, so the private keyring does not accumulate them.
      spawnSync(process.execPath, ['-e', `
        const k = require(${JSON.stringify(join(ROOT, 'node_modules/@napi-rs/keyring'))});
        for (const c of k.findCredentials(${JSON.stringify(service)})) new k.Entry(${JSON.stringify(service)}, c.account, { linux: { store: 'secret-service' } }).deletePassword();
      `], { env, stdio: 'ignore', timeout: 10_000 });
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export function runProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
