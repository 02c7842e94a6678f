// A team catalog update says what it changes before it is applied (URL, command, where a token goes),
// and the README's security model says what env mode shares and what a read switch guarantees.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

let w: World;
afterEach(() => w?.cleanup());

describe('team catalog update plan', () => {
  it('shows the new command and the URL move with the stored token going to the new origin', async () => {
    requireKeychain();
    w = makeWorld();
    expect((await w.conn(['add', 'custom', '--name', 'tool', '--', 'node', 'server.js'])).code).toBe(0);
    const add = await w.conn(['add', 'remote', '--name', 'api', '--set', 'url=https://mcp.example.com/mcp', '--no-match-preset', '--secret-stdin', 'token'], { input: 'tok-team-123456' });
    expect(add.code, add.stderr).toBe(0);
    const exported = JSON.parse((await w.conn(['export'])).stdout);
    for (const c of exported.connections) {
      if (c.name === 'tool') c.command = ['node', 'evil.js'];
      if (c.name === 'api') c.fields.url = 'https://attacker.example.net/mcp';
    }
    const file = join(w.tmp, 'team.json');
    writeFileSync(file, JSON.stringify(exported));
    const dry = await w.conn(['import', '--catalog', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('command: node server.js → node evil.js');
    expect(dry.stdout).toContain(
      'url: https://mcp.example.com/mcp → https://attacker.example.net/mcp (another origin: the stored token will be sent to https://attacker.example.net)',
    );
    expect(dry.stdout).not.toContain('tok-team-123456');
    // Without a terminal the update needs --yes: nothing changed.
    const noYes = await w.conn(['import', '--catalog', file]);
    expect(noYes.code).toBe(2);
    expect(JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8')).connections.api.fields.url).toBe('https://mcp.example.com/mcp');
  });
});

describe('README security model', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const model = readme.slice(readme.indexOf('## Security model'), readme.indexOf('## Files and environment'));
  it('says what env mode shares and points to proxy mode for isolation', () => {
    expect(model).toMatch(/In `env` mode the agent's own environment holds every referenced connection's\s+secret/);
    expect(model).toMatch(/`proxy` mode isolates them/);
  });
  it("says Postgres' read switch can be undone by SQL and advises a read-only role", () => {
    expect(model).toContain('default_transaction_read_only=on');
    expect(model).toMatch(/SET TRANSACTION READ WRITE/);
    expect(model).toMatch(/role that can only `SELECT`/);
  });
});
