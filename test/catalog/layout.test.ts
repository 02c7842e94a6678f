// Human output fits the terminal: tables wrap their last column at word boundaries under itself
// (string-width + wrap-ansi), key/value blocks are aligned, prompts show where to get a value and do
// not nest parentheses.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnPty } from '../helpers/pty.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
afterEach(() => w?.cleanup());

const plain = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

describe('layout', () => {
  it('conn presets on a 100-column terminal: no line longer than the terminal, descriptions wrapped by word under their column', async () => {
    requireKeychain();
    w = makeWorld();
    const json = JSON.parse((await w.conn(['presets', '--json'])).stdout) as { id: string; description: string }[];
    const s = spawnPty(['presets'], { cwd: w.tmp, env: w.env, cols: 100 });
    expect(await s.exit).toBe(0);
    const lines = plain(s.output()).split('\n').filter((l) => l.trim());
    for (const l of lines) expect(l.length, l).toBeLessThan(100);
    const column = lines[0]!.indexOf('DESCRIPTION');
    // Each description, its wrapped lines joined again, is intact: no word was cut.
    const text = lines.slice(1).map((l) => (l.slice(0, column).trim() ? `\n${l.slice(column)}` : ` ${l.slice(column)}`)).join('').trim().split('\n');
    expect(text).toEqual(json.map((p) => p.description));
    expect(lines.length).toBeGreaterThan(json.length + 1);
  });

  it("explain's WHY column wraps under itself on a narrow terminal", async () => {
    requireKeychain();
    w = makeWorld();
    const repo = w.gitRepo('sample', 'git@github.com:acme/sample.git');
    expect((await w.conn(['add', 'memory'])).code).toBe(0);
    expect((await w.conn(['assign', 'memory', '--repo', 'github.com/acme/sample', '--agent', 'claude-code', '--permission', 'read'])).code).toBe(0);
    const s = spawnPty(['explain', '--repo', repo, '--agent', 'claude-code'], { cwd: w.tmp, env: w.env, cols: 70 });
    expect(await s.exit).toBe(0);
    const lines = plain(s.output()).split('\n').filter((l) => l.trim());
    const header = lines.findIndex((l) => l.startsWith('CONNECTION'));
    const column = lines[header]!.indexOf('WHY');
    // The table ends where explain's tool total begins.
    const total = lines.findIndex((l) => l.startsWith('tools: '));
    const rows = lines.slice(header + 1, total);
    for (const l of lines) expect(l.length, l).toBeLessThan(70);
    expect(rows.length).toBeGreaterThan(1);
    for (const l of rows.slice(1)) expect(l.slice(0, column).trim(), l).toBe('');
    expect(rows.map((l) => l.slice(column)).join(' ')).toMatch(/repo github\.com\/acme\/sample, agent claude-code → read$/);
  });

  it('conn show aligns every value, long field names included', async () => {
    requireKeychain();
    w = makeWorld();
    expect((await w.conn(['add', 'custom', '--name', 'aligned', '--set', 'env.A_VERY_LONG_VARIABLE_NAME=1', '--', 'node', 'x.js'])).code).toBe(0);
    const out = (await w.conn(['show', 'aligned'])).stdout.split('\n').slice(1).filter((l) => l.trim());
    const starts = new Set(out.map((l) => /^ {2}\S+: +/.exec(l)![0].length));
    expect(starts.size).toBe(1);
  });

  it("import's missing secrets are aligned", async () => {
    requireKeychain();
    w = makeWorld();
    const team = {
      format: 'conn-team-catalog', version: 1,
      connections: [
        { name: 'n', preset: 'notion', secrets: { NOTION_TOKEN: { provide: true } } },
        { name: 'a-long-connection-name', preset: 'brave-search', secrets: { BRAVE_API_KEY: { provide: true } } },
      ],
    };
    const file = join(w.tmp, 'team.json');
    writeFileSync(file, JSON.stringify(team));
    const r = await w.conn(['import', '--catalog', file, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => l.includes('conn edit'));
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((l) => l.indexOf('conn edit'))).size).toBe(1);
  });

  it("a prompt shows the field's help, and its label nests no parentheses", async () => {
    requireKeychain();
    w = makeWorld();
    const s = spawnPty(['add', 'notion'], { cwd: w.tmp, env: w.env, cols: 200 });
    try {
      await s.waitFor('Notion integration token');
      const screen = plain(s.output());
      expect(screen).toContain('Create an internal integration at https://www.notion.so/profile/integrations');
      const label = screen.split('\n').find((l) => l.includes('Notion integration token'))!;
      expect(label).not.toMatch(/\([^)]*\(/);
      expect(label).toContain('Notion integration token — starts with ntn_ (legacy tokens start with secret_)');
      s.write('\x03');
      expect(await s.exit).toBe(130);
    } finally {
      s.kill();
    }
  });
});
