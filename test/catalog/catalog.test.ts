import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keychainItems } from '../helpers/keyring.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const TOKEN = 'ntn_canary_7f3a9c2e5b1d';

describe('conn add with the real keychain', () => {
  it('stores the secret in the keychain and never in the catalog or any output', async () => {
    const add = await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN', '--json'], { input: `${TOKEN}\n` });
    expect(add.code, add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'notion', preset: 'notion', secrets: { NOTION_TOKEN: '(keychain)' } });
    expect(keychainItems(w.service)).toEqual({ 'notion/NOTION_TOKEN': TOKEN });

    const outputs = [add.stdout, add.stderr];
    for (const args of [['list'], ['list', '--json'], ['show', 'notion'], ['show', 'notion', '--json'], ['doctor'], ['show', 'nope']]) {
      const r = await w.conn(args);
      outputs.push(r.stdout, r.stderr);
    }
    const config = readFileSync(join(w.home, 'config.json'), 'utf8');
    expect(config).toContain('"NOTION_TOKEN"');
    for (const text of [config, ...outputs]) expect(text).not.toContain(TOKEN);
  });

  it('shows a secret deleted behind its back as (missing) and doctor fails', async () => {
    await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: TOKEN });
    const { Entry } = await import('@napi-rs/keyring');
    new Entry(w.service, 'notion/NOTION_TOKEN', { linux: { store: 'secret-service' } }).deletePassword();
    const show = await w.conn(['show', 'notion', '--json']);
    expect(JSON.parse(show.stdout).secrets).toEqual({ NOTION_TOKEN: '(missing)' });
    const doctor = await w.conn(['doctor']);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/notion: missing secret\(s\): NOTION_TOKEN/);
  });

  it('renames a connection and moves its keychain items; remove deletes them', async () => {
    await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: TOKEN });
    const rename = await w.conn(['edit', 'notion', '--rename', 'Team Notion']);
    expect(rename.code, rename.stderr).toBe(0);
    expect(keychainItems(w.service)).toEqual({ 'team-notion/NOTION_TOKEN': TOKEN });
    const list = JSON.parse((await w.conn(['list', '--json'])).stdout);
    expect(list.map((c: { name: string }) => c.name)).toEqual(['team-notion']);

    const edit = await w.conn(['edit', 'team-notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'ntn_second' });
    expect(edit.code, edit.stderr).toBe(0);
    expect(keychainItems(w.service)).toEqual({ 'team-notion/NOTION_TOKEN': 'ntn_second' });

    const noYes = await w.conn(['remove', 'team-notion']);
    expect(noYes.code).toBe(2);
    const remove = await w.conn(['remove', 'team-notion', '--yes']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(keychainItems(w.service)).toEqual({});
    expect(JSON.parse((await w.conn(['list', '--json'])).stdout)).toEqual([]);
  });

  it('enables and disables', async () => {
    await w.conn(['add', 'memory']);
    expect((await w.conn(['disable', 'memory'])).code).toBe(0);
    expect(JSON.parse((await w.conn(['show', 'memory', '--json'])).stdout).enabled).toBe(false);
    expect((await w.conn(['enable', 'memory'])).code).toBe(0);
    expect(JSON.parse((await w.conn(['show', 'memory', '--json'])).stdout).enabled).toBe(true);
  });

  it('keeps all 20 connections added by 20 processes at once', async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        w.conn(['add', 'notion', '--name', `notion-${i}`, '--secret-stdin', 'NOTION_TOKEN'], { input: `ntn_${i}` }),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const names = JSON.parse((await w.conn(['list', '--json'])).stdout).map((c: { name: string }) => c.name);
    expect(names).toHaveLength(20);
    const items = keychainItems(w.service);
    for (let i = 0; i < 20; i++) expect(items[`notion-${i}/NOTION_TOKEN`]).toBe(`ntn_${i}`);
  });
});

describe('failures leave nothing behind', () => {
  it('fails within 5 s with both ways out when the keychain is unreachable, and writes nothing', async () => {
    const started = Date.now();
    const r = await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], {
      input: TOKEN,
      env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(w.tmp, 'no-bus')}` },
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/keychain/);
    expect(r.stderr).toMatch(/CONN_SECRET_STORE=file/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain(TOKEN);
    expect(existsSync(join(w.home, 'config.json'))).toBe(false);
  });

  it('leaves a corrupt catalog byte for byte and names it', async () => {
    mkdirSync(w.home, { recursive: true });
    const path = join(w.home, 'config.json');
    const corrupt = '{"version": 1, "connections": {"a": ';
    writeFileSync(path, corrupt);
    for (const args of [['add', 'memory'], ['list'], ['remove', 'a', '--yes']]) {
      const r = await w.conn(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(path);
      expect(r.stderr).toMatch(/cannot parse/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(path, 'utf8')).toBe(corrupt);
  });

  it('uses the opt-in file store with mode 0600 and a warning', async () => {
    const r = await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: TOKEN, env: { CONN_SECRET_STORE: 'file' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/plaintext/);
    const file = join(w.home, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'notion/NOTION_TOKEN': TOKEN });
    expect(keychainItems(w.service)).toEqual({});
  });
});

describe('bad input: exit 2, one line, nothing changed', () => {
  const cases: { name: string; args: string[]; input?: string; match: RegExp }[] = [
    { name: 'unknown preset', args: ['add', 'nosuch'], match: /unknown preset: nosuch/ },
    { name: 'invalid name', args: ['add', 'memory', '--name', '!!!'], match: /invalid connection name/ },
    { name: 'duplicate name', args: ['add', 'memory', '--name', 'existing'], match: /already exists/ },
    { name: 'custom named like a preset', args: ['add', 'custom', '--name', 'github', '--', 'node', 'x.js'], match: /built-in preset id/ },
    { name: 'remote named like a preset', args: ['add', 'remote', '--name', 'notion', '--set', 'url=https://example.com/mcp'], match: /built-in preset id/ },
    { name: 'remote URL not http(s)', args: ['add', 'remote', '--set', 'url=file:///etc/passwd'], match: /http or https/ },
    { name: 'javascript: URL', args: ['add', 'remote', '--set', 'url=javascript:alert(1)'], match: /http or https/ },
    { name: 'URL with credentials', args: ['add', 'remote', '--set', 'url=https://u:p@example.com/mcp'], match: /credentials/ },
    { name: '--set of an unknown field', args: ['add', 'memory', '--set', 'nope=1'], match: /has no field nope/ },
    { name: 'pattern mismatch with --strict', args: ['add', 'notion', '--strict', '--secret-stdin', 'NOTION_TOKEN'], input: 'not-a-notion-token', match: /does not look right/ },
    { name: 'missing required field without a TTY', args: ['add', 'notion'], match: /missing field NOTION_TOKEN/ },
    { name: '--secret-stdin with empty input', args: ['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], input: '', match: /standard input was empty/ },
    { name: 'custom without a command', args: ['add', 'custom', '--name', 'mine'], match: /needs the server command/ },
    { name: '--set without =', args: ['add', 'memory', '--set', 'oops'], match: /FIELD=VALUE/ },
    { name: 'unknown option', args: ['add', 'memory', '--bogus'], match: /unknown option/ },
    { name: 'unknown connection', args: ['show', 'ghost'], match: /unknown connection: ghost/ },
    { name: 'rename to an invalid name', args: ['edit', 'existing', '--rename', '!!!'], match: /invalid connection name/ },
  ];
  it.each(cases)('$name', async ({ args, input, match }) => {
    await w.conn(['add', 'memory', '--name', 'existing']);
    const before = readFileSync(join(w.home, 'config.json'), 'utf8');
    const r = await w.conn(args, { input });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(match);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(readFileSync(join(w.home, 'config.json'), 'utf8')).toBe(before);
    expect(keychainItems(w.service)).toEqual({});
  });

  it('names every missing field at once', async () => {
    const r = await w.conn(['add', 'http-api']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing field url/);
  });

  it('warns (without --strict) on a value that does not match the pattern, and keeps it', async () => {
    const r = await w.conn(['add', 'notion', '--secret-stdin', 'NOTION_TOKEN'], { input: 'typo-not-a-token' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: NOTION_TOKEN does not look right/);
  });
});

describe('presets', () => {
  it('skips a broken user preset with a warning and keeps working', async () => {
    mkdirSync(join(w.home, 'presets'), { recursive: true });
    writeFileSync(join(w.home, 'presets', 'broken.json'), '{"id": "broken",');
    writeFileSync(join(w.home, 'presets', 'bad-field.json'), JSON.stringify({ id: 'bad-field', name: 'x', category: 'x', description: 'x', kind: 'stdio', launch: { command: 'x', args: ['{{missing}}'] } }));
    writeFileSync(
      join(w.home, 'presets', 'acme.json'),
      JSON.stringify({ id: 'acme', name: 'Acme', category: 'internal', description: 'Our own server', kind: 'stdio', launch: { command: 'node', args: ['acme.js'] } }),
    );
    const r = await w.conn(['presets', '--json']);
    expect(r.code).toBe(0);
    const ids = JSON.parse(r.stdout).map((p: { id: string }) => p.id);
    expect(ids).toContain('acme');
    expect(ids).toContain('notion');
    expect(ids).not.toContain('broken');
    expect(r.stderr).toMatch(/broken\.json: not valid JSON.*skipped/);
    expect(r.stderr).toMatch(/bad-field\.json: .*unknown field \{\{missing\}\}.*skipped/);
    const show = await w.conn(['presets', 'show', 'notion', '--json']);
    expect(JSON.parse(show.stdout).fields[0].secret).toBe(true);
  });
});

