// `conn render --secrets proxy` end to end: the entries it writes are launched exactly as written.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { MEMORY, NODE, SERVER_FIXTURES, serve, toolNames, type Session } from './helpers.js';

let w: World;
const sessions: Session[] = [];
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close().catch(() => undefined)));
  w.cleanup();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('conn render --secrets proxy', () => {
  it('writes entries without secrets that start conn serve with the assigned permission', async () => {
    const secret = `proxy-secret-${Math.random().toString(36).slice(2)}`;
    const repo = w.gitRepo('api', 'https://github.com/acme/api.git');
    const add = async (args: string[], input?: string) => {
      const r = await w.conn(args, input === undefined ? {} : { input });
      expect(r.code, r.stderr).toBe(0);
    };
    await add(['add', 'custom', '--name', 'echo', '--secret-stdin', 'SECRET_TOKEN', '--', NODE, join(SERVER_FIXTURES, 'env-echo.mjs')], secret);
    await add(['add', 'custom', '--name', 'mem', '--set', `env.MEMORY_FILE_PATH=${join(w.tmp, 'mem.jsonl')}`, '--', NODE, MEMORY]);
    await add(['assign', 'mem', '--repo', 'github.com/acme/api', '--agent', 'claude-code', '--permission', 'read']);
    await add(['render', '--repo', repo, '--agent', 'claude-code', '--secrets', 'proxy']);

    for (const file of filesUnder(repo)) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
    const config = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')) as {
      mcpServers: Record<string, { type: string; command: string; args: string[]; env?: Record<string, string> }>;
    };
    expect(Object.keys(config.mcpServers).sort()).toEqual(['echo', 'mem']);

    // Launched as written: command and args from the file, the user's environment, cwd the repo.
    const launch = async (name: string) => {
      const entry = config.mcpServers[name]!;
      expect(entry.type).toBe('stdio');
      expect(entry.args).toContain('serve');
      const s = await serve(w, [], { command: entry.command, argv: entry.args, cwd: repo });
      sessions.push(s);
      return s;
    };
    const echo = await launch('echo');
    expect(echo.client.getServerVersion()?.version).toBe(`1.0.0+${createHash('sha256').update(secret).digest('hex')}`);
    expect(await toolNames(echo.client)).toEqual(['env']); // global: full
    const mem = await launch('mem');
    expect(await toolNames(mem.client)).toEqual(['open_nodes', 'read_graph', 'search_nodes']);
    await expect(mem.client.callTool({ name: 'delete_entities', arguments: { entityNames: [] } })).rejects.toThrow(
      'tool delete_entities is not allowed at permission read',
    );
  });
});
