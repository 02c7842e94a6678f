import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { OperationError } from '../errors.js';

export const DEFAULT_REGISTRY = 'https://registry.modelcontextprotocol.io';
/** Answers younger than this are used without asking the registry again. */
export const CACHE_MS = 5 * 60_000;

export interface ServerEntry {
  server: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

export interface Answer<T> {
  data: T;
  url: string;
  /** Set when the registry was unreachable and an older cached answer was used. */
  staleNote?: string;
}

export function registryBase(env: NodeJS.ProcessEnv): string {
  return (env.CONN_REGISTRY_URL || DEFAULT_REGISTRY).replace(/\/+$/, '');
}

export interface RegistryClient {
  base: string;
  search(query: string, limit: number): Promise<Answer<ServerEntry[]>>;
  /** `fresh`: ask the registry even when a recent answer is cached (conn update). */
  get(name: string, version?: string, fresh?: boolean): Promise<Answer<ServerEntry>>;
}

export function registryClient(home: string, env: NodeJS.ProcessEnv, now: () => Date = () => new Date()): RegistryClient {
  const base = registryBase(env);
  const cacheDir = join(home, 'registry-cache');

  async function getJson(url: string, what: string, fresh = false): Promise<Answer<unknown>> {
    const file = join(cacheDir, `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.json`);
    const cached = await readFile(file, 'utf8')
      .then((t) => JSON.parse(t) as { at: string; body: unknown })
      .catch(() => undefined);
    if (cached && !fresh && now().getTime() - Date.parse(cached.at) < CACHE_MS) return { data: cached.body, url };
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(15_000), headers: { accept: 'application/json' } });
    } catch (err) {
      const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      if (cached) return { data: cached.body, url, staleNote: `registry ${base} is unreachable (${why}): using the answer cached at ${cached.at}` };
      throw new OperationError(`registry ${base} is unreachable: ${why}`, 'check the network, or set CONN_REGISTRY_URL');
    }
    if (response.status === 404) throw new OperationError(`${what} is not in the registry ${base}`, 'find it with: conn search <words>');
    if (!response.ok) {
      if (cached) return { data: cached.body, url, staleNote: `registry ${base} answered ${response.status}: using the answer cached at ${cached.at}` };
      throw new OperationError(`registry ${base} answered ${response.status} ${response.statusText} for ${what}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new OperationError(`registry ${base} answered with something that is not JSON for ${what}`);
    }
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ at: now().toISOString(), url, body }), { mode: 0o600 });
    await rename(tmp, file);
    return { data: body, url };
  }

  return {
    base,
    async search(query, limit) {
      const url = `${base}/v0.1/servers?search=${encodeURIComponent(query)}&version=latest&limit=${limit}`;
      const answer = await getJson(url, `search ${JSON.stringify(query)}`);
      const servers = (answer.data as { servers?: unknown }).servers;
      if (!Array.isArray(servers)) throw new OperationError(`registry ${base} answered without a servers list`);
      return { ...answer, data: servers.filter((s): s is ServerEntry => typeof s === 'object' && s !== null && typeof (s as ServerEntry).server === 'object') };
    },
    async get(name, version = 'latest', fresh = false) {
      const url = `${base}/v0.1/servers/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
      const answer = await getJson(url, `${name}${version === 'latest' ? '' : ` version ${version}`}`, fresh);
      const entry = answer.data as ServerEntry;
      if (typeof entry?.server !== 'object' || entry.server === null) throw new OperationError(`registry ${base} answered without a server for ${name}`);
      return { ...answer, data: entry };
    },
  };
}
