// OAuth test world: the OAuth-protected fixture server, a conn process whose stderr can be awaited
// line by line, and a scripted "browser" that follows the authorization redirect to conn's listener.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONN_BIN, ROOT, type RunResult, type World } from '../helpers/world.js';
import { keychainItems } from '../helpers/keyring.js';

export const OAUTH_FIXTURE = join(ROOT, 'test/fixtures/oauth/server.mjs');

export interface FixtureStats {
  registrations: number;
  authorizations: number;
  codeExchanges: number;
  refreshGrants: number;
  refreshFailures: number;
  deviceAuthorizations: number;
  deviceGrants: number;
  clientCredentialsGrants?: number;
  /** tools/list answered 403 insufficient_scope (LIST_SCOPE). */
  insufficientScope?: number;
  mcpRequests: number;
  lastAuthorize: Record<string, string> | null;
  lastTokenResource: string | null;
}

export interface OAuthFixture {
  base: string;
  mcpUrl: string;
  stats(): Promise<FixtureStats>;
  setAccessTtl(seconds: number): Promise<void>;
  revokeRefreshTokens(): Promise<number>;
  /** Refresh grants wait at the server until `releaseRefresh` (while held, `refreshHeld` answers once one waits). */
  holdRefresh(hold: boolean): Promise<void>;
  refreshHeld(): Promise<void>;
  releaseRefresh(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the fixture (ACCESS_TTL, DEVICE, DEVICE_INTERVAL in env) and waits for its base URL line. */
export function startOAuthFixture(env: Record<string, string> = {}): Promise<OAuthFixture> {
  const child: ChildProcess = spawn(process.execPath, [OAUTH_FIXTURE], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`oauth fixture exited with ${code}: ${stderr}`)));
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const line = buffered.split('\n')[0]!;
      if (!buffered.includes('\n') || !line.startsWith('http://')) return;
      const base = line.trim();
      const json = async (path: string, init?: RequestInit) => (await fetch(`${base}${path}`, init)).json();
      resolve({
        base,
        mcpUrl: `${base}/mcp`,
        stats: () => json('/stats') as Promise<FixtureStats>,
        async setAccessTtl(seconds) {
          await json('/test/config', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ accessTtl: seconds }) });
        },
        async holdRefresh(hold) {
          await json('/test/config', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ holdRefresh: hold }) });
        },
        async refreshHeld() {
          await json('/test/refresh-held');
        },
        async releaseRefresh() {
          return ((await json('/test/release', { method: 'POST' })) as { released: number }).released;
        },
        async revokeRefreshTokens() {
          return ((await json('/test/revoke', { method: 'POST' })) as { revoked: number }).revoked;
        },
        async stop() {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
          await exited;
        },
      });
    });
  });
}

export interface RunningConn {
  /** Resolves with the first match of `pattern` in stderr (as it streams); rejects if conn exits first. */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray>;
  done: Promise<RunResult>;
}

/** `conn ARGS` in the world, running in the background. */
export function startConn(world: World, args: string[]): RunningConn {
  const child = spawn(process.execPath, [CONN_BIN, ...args], { cwd: world.tmp, env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve(m: RegExpMatchArray): void; reject(e: Error): void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = stderr.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    check();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w.reject(new Error(`conn exited (${code}) before stderr matched ${w.pattern}: ${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    done,
    waitForStderr(pattern) {
      const m = stderr.match(pattern);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => waiters.push({ pattern, resolve, reject }));
    },
  };
}

export const AUTH_URL = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/;

/**
 * The scripted browser: GET the authorization URL (the fixture approves and redirects), then follow
 * the redirect to conn's loopback listener, optionally tampering with it first.
 */
export async function browse(authorizationUrl: string, tamper?: (redirect: URL) => void): Promise<{ redirect: URL; status: number }> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  await res.body?.cancel();
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`authorization endpoint answered ${res.status}, not a redirect`);
  const redirect = new URL(location);
  tamper?.(redirect);
  const back = await fetch(redirect);
  await back.text();
  return { redirect, status: back.status };
}

/** `conn connect NAME --no-browser`, signing in through the scripted browser. */
export async function connectViaBrowser(world: World, name: string, extra: string[] = []): Promise<RunResult & { authorizationUrl: string }> {
  const running = startConn(world, ['connect', name, '--no-browser', '--timeout', '30', ...extra]);
  const [, url] = await running.waitForStderr(AUTH_URL);
  await browse(url!);
  return { ...(await running.done), authorizationUrl: url! };
}

export interface StoredTokens {
  access_token: string;
  refresh_token?: string;
  expires_at?: number;
  scope?: string;
}

/** The OAuth items conn stored for `name` in this world's private keychain service. */
export function storedOAuth(world: World, name: string): { tokens?: StoredTokens; client?: { client_id: string; redirect_uris: string[] } } {
  const items = keychainItems(world.service);
  const tokens = items[`${name}/oauth:tokens`];
  const client = items[`${name}/oauth:client`];
  return { tokens: tokens ? JSON.parse(tokens) : undefined, client: client ? JSON.parse(client) : undefined };
}

export function configText(world: World): string {
  return readFileSync(join(world.home, 'config.json'), 'utf8');
}

export async function addRemote(world: World, name: string, url: string): Promise<void> {
  const r = await world.conn(['add', 'remote', '--name', name, '--set', `url=${url}`, '--no-match-preset']);
  if (r.code !== 0) throw new Error(`conn add failed: ${r.stderr}`);
}

/** Resolves once the fixture rejects `token` (it has expired there): polls the server, not the clock. */
export async function untilRejected(mcpUrl: string, token: string, limitMs = 10_000): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    const res = await fetch(mcpUrl, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    await res.body?.cancel();
    if (res.status === 401) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
