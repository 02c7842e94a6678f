import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { OperationError } from '../errors.js';
import type { SecretStore } from './store.js';

/**
 * Opt-in plaintext store (CONN_SECRET_STORE=file) for machines with no keychain: one JSON file,
 * mode 0600, in CONN_HOME. Writes are locked and atomic like the catalog's.
 */
export function openFileStore(home: string): SecretStore {
  const path = join(home, 'secrets.json');
  const read = (): Record<string, string> => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new OperationError(`cannot read the secrets file ${path}: ${(err as Error).message}`);
    }
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch (err) {
      throw new OperationError(`cannot parse the secrets file ${path}: ${(err as Error).message}`, 'fix or move it; conn never overwrites it');
    }
  };
  const mutate = async (fn: (data: Record<string, string>) => void) => {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const { default: lockfile } = await import('proper-lockfile');
    const release = await lockfile.lock(path, {
      lockfilePath: `${path}.lock`,
      retries: { retries: 200, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true },
      stale: 4_000,
      realpath: false,
    });
    try {
      const data = read();
      fn(data);
      writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`, 0o600);
    } finally {
      await release().catch(() => undefined);
    }
  };
  return {
    kind: 'file',
    describe: `plaintext file ${path}`,
    async get(account) {
      return read()[account] ?? null;
    },
    async getMany(accounts) {
      const data = read();
      return new Map(accounts.map((a) => [a, data[a] ?? null]));
    },
    async set(account, value) {
      await mutate((d) => void (d[account] = value));
    },
    async delete(account) {
      let existed = false;
      await mutate((d) => {
        existed = account in d;
        delete d[account];
      });
      return existed;
    },
    async list() {
      return Object.keys(read());
    },
    async ready() {
      read();
    },
  };
}
