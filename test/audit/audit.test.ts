import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, auditPath, parseSince, readAudit, type AuditEntry } from '../../src/audit/log.js';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

const entry = (i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  time: new Date(Date.UTC(2026, 10, 1) + i * 3_600_000).toISOString(),
  command: 'render',
  repo: '/src/api',
  agent: 'claude-code',
  connection: `c${i}`,
  permission: 'read',
  secrets: 'inline',
  ...extra,
});

describe('appendAudit', () => {
  it('appends one JSON line per call with only the known keys, mode 0600', () => {
    appendAudit(w.home, entry(1));
    appendAudit(w.home, { ...entry(2), token: 'canary-not-logged' } as AuditEntry);
    const lines = readFileSync(auditPath(w.home), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([entry(1), entry(2)]);
    expect(readFileSync(auditPath(w.home), 'utf8')).not.toContain('canary-not-logged');
    expect(statSync(auditPath(w.home)).mode & 0o777).toBe(0o600);
  });

  it('appends a batch as its lines in order, rotating first when the batch would pass the cap', () => {
    const one = Buffer.byteLength(`${JSON.stringify(entry(10))}\n`);
    appendAudit(w.home, [entry(1), entry(2)], { maxBytes: one * 3 });
    expect(readAudit(w.home)).toEqual([entry(1), entry(2)]);
    // Two more would make four lines: the two already there move to audit.log.1, whole.
    appendAudit(w.home, [entry(3), entry(4)], { maxBytes: one * 3 });
    expect(readFileSync(`${auditPath(w.home)}.1`, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([entry(1), entry(2)]);
    expect(readFileSync(auditPath(w.home), 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([entry(3), entry(4)]);
    appendAudit(w.home, []);
    expect(readAudit(w.home)).toHaveLength(4);
  });

  it('rotates at the size cap to audit.log.1 and .2, keeping at most three files, and reads them back in order', () => {
    const one = Buffer.byteLength(`${JSON.stringify(entry(10))}\n`);
    for (let i = 0; i < 20; i++) appendAudit(w.home, entry(i), { maxBytes: one * 4 });
    const path = auditPath(w.home);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const f of [path, `${path}.1`, `${path}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(one * 4);
    const read = readAudit(w.home).map((e) => e.connection);
    expect(read).toEqual(['c8', 'c9', 'c10', 'c11', 'c12', 'c13', 'c14', 'c15', 'c16', 'c17', 'c18', 'c19']);
  });

  it('keeps a single file when keep is 1', () => {
    const one = Buffer.byteLength(`${JSON.stringify(entry(0))}\n`);
    for (let i = 0; i < 5; i++) appendAudit(w.home, entry(i), { maxBytes: one * 2, keep: 1 });
    expect(existsSync(`${auditPath(w.home)}.1`)).toBe(false);
    expect(readAudit(w.home).map((e) => e.connection)).toEqual(['c4']);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-11-10T12:00:00Z');
  it.each([
    ['7d', '2026-11-03T12:00:00.000Z'],
    ['24h', '2026-11-09T12:00:00.000Z'],
    ['30m', '2026-11-10T11:30:00.000Z'],
    ['2w', '2026-10-27T12:00:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T09:00:00Z', '2026-11-01T09:00:00.000Z'],
  ])('%s', (text, iso) => expect(parseSince(text, now)?.toISOString()).toBe(iso));
  it.each(['yesterday', '7', '-1d', ''])('rejects %j', (text) => expect(parseSince(text, now)).toBeUndefined());
});

describe('conn audit', () => {
  it('reads rotated files too and filters by connection, repo and since', async () => {
    const one = Buffer.byteLength(`${JSON.stringify(entry(0, { connection: 'notion' }))}\n`);
    for (let i = 0; i < 6; i++) appendAudit(w.home, entry(i, { connection: i % 2 ? 'notion' : 'sentry', repo: i < 3 ? '/src/api' : '/src/web' }), { maxBytes: one * 2 });
    expect(existsSync(`${auditPath(w.home)}.2`)).toBe(true);

    const all = JSON.parse((await w.conn(['audit', '--json'])).stdout);
    expect(all).toHaveLength(6);
    const notion = JSON.parse((await w.conn(['audit', '--connection', 'notion', '--json'])).stdout);
    expect(notion.map((e: AuditEntry) => e.time)).toEqual([entry(1).time, entry(3).time, entry(5).time]);
    const web = JSON.parse((await w.conn(['audit', '--repo', 'web', '--json'])).stdout);
    expect(web.map((e: AuditEntry) => e.connection)).toEqual(['notion', 'sentry', 'notion']);
    const since = JSON.parse((await w.conn(['audit', '--since', entry(4).time, '--json'])).stdout);
    expect(since).toHaveLength(2);

    const human = await w.conn(['audit', '--connection', 'sentry']);
    expect(human.stdout.split('\n')[0]).toMatch(/^TIME\s+COMMAND\s+CONNECTION\s+AGENT\s+PERMISSION\s+SECRETS\s+REPO$/);
    expect(human.stdout.trim().split('\n')).toHaveLength(4);

    const bad = await w.conn(['audit', '--since', 'last tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --since/);
  });

  it('records a real render, filtered by the repo directory', async () => {
    const repo = w.gitRepo('api');
    expect((await w.conn(['add', 'memory'])).code).toBe(0);
    const render = await w.conn(['render'], { cwd: repo });
    expect(render.code, render.stderr).toBe(0);
    const r = await w.conn(['audit', '--repo', '.', '--json'], { cwd: repo });
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ command: 'render', repo, agent: 'claude-code', connection: 'memory', permission: 'full', secrets: 'inline' }),
    ]);
    const elsewhere = await w.conn(['audit', '--repo', w.gitRepo('other'), '--json']);
    expect(JSON.parse(elsewhere.stdout)).toEqual([]);
    expect(readFileSync(join(w.home, 'audit.log'), 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
