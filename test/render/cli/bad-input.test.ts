// Bad usage is exit 2 and changes nothing: no agent file, no render state, the catalog byte for byte.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addCustom, assign } from './helpers.js';

let w: World;
let repo: string;
let catalogBefore: string;

beforeEach(async () => {
  requireKeychain();
  w = makeWorld();
  repo = w.gitRepo('api', 'git@github.com:acme/api.git');
  await addCustom(w, 'mem');
  await assign(w, 'mem', ['--repo', 'github.com/acme/*']);
  catalogBefore = readFileSync(join(w.home, 'config.json'), 'utf8');
});
afterEach(() => w.cleanup());

function expectNothingWritten(): void {
  expect(readdirSync(repo)).toEqual(['.git']);
  expect(existsSync(join(w.home, 'renders'))).toBe(false);
  expect(readFileSync(join(w.home, 'config.json'), 'utf8')).toBe(catalogBefore);
}

describe('bad input: exit 2, nothing written', () => {
  it.each([
    ['an unknown agent', ['render', '--agent', 'windsurf-next'], 'unknown agent: windsurf-next'],
    ['an unknown agent among known ones', ['render', '--agent', 'claude-code,windsurf-next'], 'unknown agent: windsurf-next'],
    ['an unknown --secrets mode', ['render', '--secrets', 'plain'], 'unknown --secrets mode: plain'],
    ['a --repo that does not exist', ['render', '--repo', 'no/such/dir'], 'repo not found: no/such/dir'],
    ['an unknown connection in assign', ['assign', 'nope', '--repo', '.'], 'unknown connection: nope'],
    ['an invalid permission', ['assign', 'mem', '--permission', 'admin'], 'admin'],
    ['an unknown agent in assign', ['assign', 'mem', '--agent', 'windsurf-next'], 'unknown agent: windsurf-next'],
    ['an assign --repo that does not exist', ['assign', 'mem', '--repo', './missing'], 'repo not found: ./missing'],
    ['unassign of a missing id', ['unassign', 'ffffff'], 'ffffff'],
    ['an unknown agent in env', ['env', '--agent', 'windsurf-next'], 'unknown agent: windsurf-next'],
    ['an unknown shell in hook', ['hook', 'tcsh'], 'unknown shell: tcsh'],
  ])('rejects %s', async (_what, args, message) => {
    const r = await w.conn(args, { cwd: repo });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
    expectNothingWritten();
  });

  it('rejects a --repo that is a file', async () => {
    writeFileSync(join(w.tmp, 'a-file'), 'x');
    const r = await w.conn(['render', '--repo', join(w.tmp, 'a-file')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('not a directory');
    expectNothingWritten();
  });
});
