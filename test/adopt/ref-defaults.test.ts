// An imported `${VAR:-default}` (env:VAR:-default) per agent: Claude Code and Gemini write the default
// back; the others name VAR alone, render says so, and `conn exec` / `conn env` set an unset VAR to
// the default (a set VAR wins).
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const FIXTURE = join(ROOT, 'test/fixtures/import/corpus/default-ref.mcp.json');
const DEFAULT = 'postgres://localhost/dev';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const json = (path: string) => parseJsonc(readFileSync(path, 'utf8')) as Record<string, any>;

async function ok(args: string[], cwd: string, env?: Record<string, string>) {
  const r = await w.conn(args, { cwd, ...(env ? { env } : {}) });
  expect(r.code, `conn ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

describe('${VAR:-default} written back per agent', () => {
  it('Gemini keeps the default; Cursor names the variable alone, warns, and conn exec / conn env supply the default', async () => {
    const repo = w.gitRepo('refs');
    copyFileSync(FIXTURE, join(repo, '.mcp.json'));
    const plan = await ok(['import', '.mcp.json', '--yes', '--rewrite'], repo);
    expect(plan.stdout).toMatch(/DATABASE_URL's default is written back only for claude-code, gemini; for other agents conn env \/ conn exec set an unset DATABASE_URL to it/);

    const gemini = await ok(['render', '--agent', 'gemini', '--secrets', 'env'], repo);
    expect(gemini.stdout + gemini.stderr).not.toMatch(/no \$\{VAR:-default\} syntax/);
    expect(json(join(repo, '.gemini/settings.json')).mcpServers.db.env).toEqual({ DATABASE_URL: `\${DATABASE_URL:-${DEFAULT}}`, LOG_LEVEL: 'info' });

    const cursor = await ok(['render', '--agent', 'cursor', '--secrets', 'env'], repo);
    expect(cursor.stdout + cursor.stderr).toMatch(/db: cursor has no \$\{VAR:-default\} syntax, so its file names DATABASE_URL without the default: start the agent with conn exec --agent cursor/);
    expect(json(join(repo, '.cursor/mcp.json')).mcpServers.db.env).toEqual({ DATABASE_URL: '${env:DATABASE_URL}', LOG_LEVEL: 'info' });

    const print = ['exec', '--agent', 'cursor', '--', process.execPath, '-e', 'process.stdout.write(String(process.env.DATABASE_URL))'];
    expect((await ok(print, repo)).stdout).toBe(DEFAULT);
    expect((await ok(print, repo, { DATABASE_URL: 'postgres://db/prod' })).stdout).toBe('postgres://db/prod');
    expect((await ok(['env', '--agent', 'cursor', '--format', 'dotenv'], repo)).stdout).toContain(`DATABASE_URL=${DEFAULT}`);
  });
});
