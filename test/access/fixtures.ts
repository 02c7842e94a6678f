// Real worlds for access tests: temp dirs, real git repos with real `origin` remotes, catalogs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCatalog, type Agent, type Assignment, type Catalog, type Connection, type Permission } from '../../src/catalog/model.js';

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

export interface TempWorld {
  dir: string;
  /** `git init` a repo at dir/name (created), optionally `git remote add origin URL`. Real path. */
  repo(name: string, origin?: string): string;
  mkdir(name: string): string;
  cleanup(): void;
}

export function tempWorld(): TempWorld {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'conn-access-')));
  return {
    dir,
    repo(name, origin) {
      const path = join(dir, name);
      mkdirSync(path, { recursive: true });
      git(path, 'init', '-q', '-b', 'main');
      if (origin) git(path, 'remote', 'add', 'origin', origin);
      return realpathSync(path);
    },
    mkdir(name) {
      const path = join(dir, name);
      mkdirSync(path, { recursive: true });
      return realpathSync(path);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function connection(name: string, enabled = true): Connection {
  return {
    name,
    preset: 'custom',
    kind: 'stdio',
    enabled,
    fields: {},
    secrets: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    health: { status: 'unknown' },
  };
}

let seq = 0;
export function assignment(
  connectionName: string,
  opts: { id?: string; repos?: string[]; agents?: Agent[]; permission?: Permission } = {},
): Assignment {
  seq += 1;
  return {
    id: opts.id ?? `a${String(seq).padStart(5, '0')}`,
    connection: connectionName,
    repos: opts.repos ?? [],
    agents: opts.agents ?? [],
    permission: opts.permission ?? 'readwrite',
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
  };
}

export function catalogWith(connections: Connection[], assignments: Assignment[] = []): Catalog {
  const catalog = emptyCatalog();
  for (const c of connections) catalog.connections[c.name] = c;
  catalog.assignments.push(...assignments);
  return catalog;
}
