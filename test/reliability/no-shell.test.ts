// No shell anywhere: a custom connection's arguments full of shell syntax reach the server literally,
// and nothing they "say" happens.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { ARGV_ECHO, NODE, processesOfWorld, stillAlive } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const HOSTILE = [
  '; rm -rf "$HOME/x"',
  '$(touch pwned-subst)',
  '`touch pwned-backtick`',
  '| touch pwned-pipe',
  '&& touch pwned-and',
  '> pwned-redirect',
  "'single' \"double\" \\back",
  '$HOME ${PATH} *',
  'line1\nline2',
  '--flag=--like; touch pwned-flag',
];

describe('no shell anywhere', () => {
  it('passes shell metacharacters to a custom server as literal arguments, running none of them', async () => {
    const victim = join(w.env.HOME!, 'x');
    mkdirSync(victim, { recursive: true });
    writeFileSync(join(victim, 'keep'), 'keep');
    const records = join(w.tmp, 'records');
    mkdirSync(records);
    const add = await w.conn(['add', 'custom', '--name', 'shelly', '--set', `env.RECORD_DIR=${records}`, '--', NODE, ARGV_ECHO, ...HOSTILE]);
    expect(add.code, add.stderr).toBe(0);

    const test = await w.conn(['test', 'shelly', '--json', '--tools']);
    expect(test.code, test.stderr).toBe(0);
    const [report] = JSON.parse(test.stdout);
    expect(report.status).toBe('healthy');
    const encoded = String(report.server.version).split('+')[1]!;
    expect(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))).toEqual(HOSTILE);

    // The server's own record: argv exactly node, script, then the hostile strings.
    const files = readdirSync(records);
    expect(files).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(records, files[0]!), 'utf8'));
    expect(record.argv.slice(2)).toEqual(HOSTILE);

    const repo = w.gitRepo('repo');
    const render = await w.conn(['render', '--repo', repo]);
    expect(render.code, render.stderr).toBe(0);
    const entry = JSON.parse(readFileSync(join(repo, '.mcp.json'), 'utf8')).mcpServers.shelly;
    expect(entry.command).toBe(NODE);
    expect(entry.args).toEqual([ARGV_ECHO, ...HOSTILE]);

    for (const dir of [w.tmp, w.home, repo, w.env.HOME!, process.cwd()]) {
      const pwned = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('pwned')) : [];
      expect(pwned, dir).toEqual([]);
    }
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('keep');
    // The server and anything conn started for this world are gone.
    expect(await stillAlive([record.pid])).toEqual([]);
    expect(await stillAlive(processesOfWorld(w.home))).toEqual([]);
  });
});
