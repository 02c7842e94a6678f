// A custom server is named for its package, not its entry file; relative paths in a custom command
// and in path fields are resolved when added (they would otherwise follow the agent's directory).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

let w: World;
afterEach(() => w?.cleanup());

const connections = () => JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8')).connections;

describe('custom names', () => {
  it('names node …/server-filesystem/dist/index.js after its package', async () => {
    requireKeychain();
    w = makeWorld();
    const entry = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
    const r = await w.conn(['add', 'custom', '--', 'node', entry, w.tmp]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Added server-filesystem (custom)');
    expect(Object.keys(connections())).toEqual(['server-filesystem']);
  });
});

describe('relative paths', () => {
  it('resolves a custom command\'s relative script against the directory it was added in, and says so', async () => {
    requireKeychain();
    w = makeWorld();
    const project = join(w.tmp, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'server.js'), '');
    const r = await w.conn(['add', 'custom', '--name', 'local', '--', 'node', './server.js', '--flag', 'my-mcp-package'], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`argument 1: ./server.js → ${join(project, 'server.js')} (relative paths are resolved when added)`);
    expect(connections().local.command).toEqual(['node', join(project, 'server.js'), '--flag', 'my-mcp-package']);
  });

  it('resolves a relative directory for filesystem at add and at edit', async () => {
    requireKeychain();
    w = makeWorld();
    const r = await w.conn(['add', 'filesystem', '--set', 'directory=./rel'], { cwd: w.tmp });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`directory: ./rel → ${join(w.tmp, 'rel')}`);
    expect(connections().filesystem.fields.directory).toBe(join(w.tmp, 'rel'));
    const e = await w.conn(['edit', 'filesystem', '--set', 'directory=other'], { cwd: w.tmp });
    expect(e.code, e.stderr).toBe(0);
    expect(connections().filesystem.fields.directory).toBe(join(w.tmp, 'other'));
  });
});
