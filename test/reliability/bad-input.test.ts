// A catalogue of hostile and malformed inputs through the real CLI. Each one: exit 2 (bad input) or 1
// (where the SPEC says the operation failed), one error line on stderr, no stack trace, no
// "unexpected error:" (an unhandled error inside conn), and not one byte changed on disk.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { keychainItems } from '../helpers/keyring.js';
import { ARGV_ECHO, CRASH_MARK, NODE, STACK_LINE, changes, expectCleanFailure, reportFigures, snapshot } from './helpers.js';

let w: World;
let repo: string;
let crashes = 0;
let ran = 0;

beforeAll(async () => {
  requireKeychain();
  w = makeWorld();
  repo = w.gitRepo('repo');
  for (const args of [['add', 'memory', '--name', 'existing'], ['add', 'custom', '--name', 'sec', '--secret-stdin', 'API_KEY', '--', NODE, ARGV_ECHO]]) {
    const r = await w.conn(args, { input: 'bad-input-secret' });
    expect(r.code, r.stderr).toBe(0);
  }
  writeFileSync(join(w.tmp, 'outside.json'), '{"mcpServers": {}}\n');
  writeFileSync(join(w.tmp, 'a-file'), 'not a directory\n');
});

afterAll(() => {
  reportFigures('bad-input', { badInputs: ran, crashes });
  w?.cleanup();
});

const BIG = 'x'.repeat(10_000);
const preset = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, name: id, category: 'test', description: 'test preset', kind: 'stdio', launch: { command: 'node', args: ['s.js'] }, ...extra });

interface Case {
  name: string;
  args: (ctx: { repo: string; tmp: string }) => string[];
  input?: string;
  env?: Record<string, string>;
  /** Files to create before the run (relative to the world's tmp dir); removed afterwards. */
  files?: Record<string, string>;
  symlinks?: Record<string, string>;
  codes?: number[];
  match?: RegExp;
}

const cases: Case[] = [
  // Names and identifiers
  { name: 'show a name with ../', args: () => ['show', '../../etc/passwd'], match: /unknown connection/ },
  { name: 'remove a name with ../', args: () => ['remove', '../existing', '--yes'], match: /unknown connection/ },
  { name: 'edit a name with shell metacharacters', args: () => ['edit', 'existing; rm -rf ~', '--set', 'MEMORY_FILE_PATH=x'], match: /unknown connection/ },
  { name: '--name with only shell metacharacters', args: () => ['add', 'memory', '--name', '$(`|;&&`)'], match: /invalid connection name/ },
  { name: '--name entirely Cyrillic', args: () => ['add', 'memory', '--name', 'техт'], match: /invalid connection name/ },
  { name: 'show a Cyrillic look-alike of an existing name', args: () => ['show', 'ехisting'], match: /unknown connection/ },
  { name: 'enable a Cyrillic look-alike', args: () => ['enable', 'existinг'], match: /unknown connection/ },
  { name: '--name of 10 kB of punctuation', args: () => ['add', 'memory', '--name', '!'.repeat(10_000)], match: /invalid connection name/ },
  { name: 'show a 10 kB name', args: () => ['show', BIG], match: /unknown connection/ },
  { name: '--rename to ..', args: () => ['edit', 'existing', '--rename', '..'], match: /invalid connection name/ },
  { name: 'preset id with shell metacharacters', args: () => ['add', 'memory;rm -rf ~'], match: /unknown preset/ },
  { name: 'presets show ../ path', args: () => ['presets', 'show', '../../etc/passwd'], match: /unknown preset/ },
  { name: 'custom named like a built-in preset', args: () => ['add', 'custom', '--name', 'github', '--', 'node', 'x.js'], match: /built-in preset id/ },
  // NUL bytes and newlines
  { name: 'NUL byte in a preset secret via --secret-stdin', args: () => ['add', 'notion', '--name', 'nul1', '--secret-stdin', 'NOTION_TOKEN'], input: 'ntn_a\u0000b', match: /NUL/ },
  { name: 'NUL byte in a custom secret via --secret-stdin', args: () => ['add', 'custom', '--name', 'nul2', '--secret-stdin', 'API_KEY', '--', 'node', 'x.js'], input: 'a\u0000b', match: /NUL/ },
  { name: 'NUL byte in an edited secret via --secret-stdin', args: () => ['edit', 'sec', '--secret-stdin', 'API_KEY'], input: 'x\u0000y', match: /NUL/ },
  { name: 'env var value with a newline', args: () => ['add', 'custom', '--name', 'nl1', '--set', 'env.A=x\ny', '--', 'node', 'x.js'], match: /newline/ },
  { name: 'env var name with a newline', args: () => ['add', 'custom', '--name', 'nl2', '--set', 'env.A\nB=1', '--', 'node', 'x.js'], match: /environment variable name/ },
  { name: 'env var name with a space', args: () => ['add', 'custom', '--name', 'nl3', '--set', 'env.A B=1', '--', 'node', 'x.js'], match: /environment variable name/ },
  { name: 'secret env var name with a dash', args: () => ['add', 'custom', '--name', 'nl4', '--secret-stdin', 'BAD-NAME', '--', 'node', 'x.js'], input: 'v', match: /environment variable name/ },
  { name: 'edit: env var value with a newline', args: () => ['edit', 'sec', '--set', 'env.A=x\ny'], match: /newline/ },
  { name: 'field value with a newline', args: () => ['add', 'memory', '--name', 'nl5', '--set', 'MEMORY_FILE_PATH=a\nb'], match: /newline/ },
  { name: 'empty secret on stdin', args: () => ['edit', 'sec', '--secret-stdin', 'API_KEY'], input: '', match: /empty/ },
  // URLs
  { name: 'URL with credentials', args: () => ['add', 'remote', '--set', 'url=https://user:pass@example.com/mcp'], match: /credentials/ },
  { name: 'file: URL', args: () => ['add', 'remote', '--set', 'url=file:///etc/passwd'], match: /http or https/ },
  { name: 'javascript: URL', args: () => ['add', 'remote', '--set', 'url=javascript:alert(1)'], match: /http or https/ },
  { name: 'malformed URL', args: () => ['add', 'remote', '--set', 'url=http://'], match: /invalid URL/ },
  { name: 'URL with a newline', args: () => ['add', 'remote', '--set', 'url=https://example.com/\nmcp'], codes: [2] },
  { name: 'http-api with an ftp: URL', args: () => ['add', 'http-api', '--set', 'url=ftp://example.com', '--set', 'auth=none'], match: /http or https/ },
  { name: 'http-api with an unknown auth', args: () => ['add', 'http-api', '--set', 'url=https://example.com', '--set', 'auth=magic'], match: /must be one of/ },
  { name: 'edit a remote-less connection to a javascript: URL', args: () => ['edit', 'existing', '--set', 'url=javascript:1'], match: /no field url/ },
  // User presets
  { name: 'malformed user preset file', files: { 'home/presets/broken.json': '{"id": "broken",' }, args: () => ['add', 'broken'], match: /unknown preset: broken/ },
  { name: 'user preset larger than 256 KiB', files: { 'home/presets/huge.json': preset('huge', { description: 'd'.repeat(300 * 1024) }) }, args: () => ['add', 'huge'], match: /unknown preset: huge/ },
  { name: 'user preset whose template references a missing field', files: { 'home/presets/refmiss.json': preset('refmiss', { launch: { command: 'node', args: ['{{nope}}'] } }) }, args: () => ['add', 'refmiss'], match: /unknown preset: refmiss/ },
  { name: 'user preset with a NUL byte in its id', files: { 'home/presets/nul.json': preset('nul\u0000id') }, args: () => ['presets', 'show', 'nul'], match: /unknown preset/ },
  { name: 'user preset that is a JSON array', files: { 'home/presets/arr.json': '[1,2,3]' }, args: () => ['add', 'arr'], match: /unknown preset: arr/ },
  // Agent files in the repo
  { name: 'malformed .mcp.json', files: { 'repo/.mcp.json': '{"mcpServers": {' }, args: ({ repo }) => ['render', '--repo', repo], codes: [1] },
  { name: '.mcp.json that is a JSON array', files: { 'repo/.mcp.json': '[]' }, args: ({ repo }) => ['render', '--repo', repo], codes: [1] },
  { name: 'malformed .gemini/settings.json', files: { 'repo/.gemini/settings.json': '{"theme": "dark",,}' }, args: ({ repo }) => ['render', '--repo', repo, '--agent', 'gemini'], codes: [1] },
  { name: 'malformed .codex/config.toml', files: { 'repo/.codex/config.toml': '[mcp_servers.x\ncommand = "a"' }, args: ({ repo }) => ['render', '--repo', repo, '--agent', 'codex'], codes: [1] },
  { name: 'malformed .cursor/mcp.json', files: { 'repo/.cursor/mcp.json': '{"mcpServers": 5' }, args: ({ repo }) => ['render', '--repo', repo, '--agent', 'cursor'], codes: [1] },
  { name: 'malformed .vscode/mcp.json', files: { 'repo/.vscode/mcp.json': '{"servers": []]' }, args: ({ repo }) => ['render', '--repo', repo, '--agent', 'vscode'], codes: [1] },
  { name: 'malformed opencode.json', files: { 'repo/opencode.json': '{"mcp": {}} trailing' }, args: ({ repo }) => ['render', '--repo', repo, '--agent', 'opencode'], codes: [1] },
  { name: '.mcp.json that is a symlink out of the repo', symlinks: { 'repo/.mcp.json': '../outside.json' }, args: ({ repo }) => ['render', '--repo', repo], codes: [1], match: /symlink/ },
  { name: '.cursor directory that is a symlink out of the repo', symlinks: { 'repo/.cursor': '..' }, args: ({ repo }) => ['render', '--repo', repo, '--agent', 'cursor'], codes: [1], match: /symlink/ },
  { name: '.codex that is a file, not a directory', files: { 'repo/.codex': 'x' }, args: ({ repo }) => ['render', '--repo', repo, '--agent', 'codex'], codes: [1], match: /not a directory/ },
  { name: 'repo path that is a file', args: ({ tmp }) => ['render', '--repo', join(tmp, 'a-file')], match: /not a directory/ },
  { name: 'repo path that does not exist', args: ({ tmp }) => ['render', '--repo', join(tmp, 'nope')], match: /repo not found/ },
  { name: 'explain in a repo path that is a file', args: ({ tmp }) => ['explain', '--repo', join(tmp, 'a-file')], match: /not a directory/ },
  // Flags and values
  { name: 'unknown flag on add', args: () => ['add', 'memory', '--bogus'], match: /unknown option/ },
  { name: 'unknown flag on render', args: ({ repo }) => ['render', '--repo', repo, '--frobnicate'], match: /unknown option/ },
  { name: 'unknown command', args: () => ['frobnicate'], match: /unknown command/ },
  { name: 'unknown agent', args: ({ repo }) => ['render', '--repo', repo, '--agent', 'clippy'], match: /unknown agent/ },
  { name: 'unknown secrets mode', args: ({ repo }) => ['render', '--repo', repo, '--secrets', 'plaintext'], match: /unknown --secrets mode/ },
  { name: 'negative test timeout', args: () => ['test', 'existing', '--timeout', '-1'], match: /--timeout/ },
  { name: 'non-numeric test timeout', args: () => ['test', 'existing', '--timeout', 'soon'], match: /--timeout/ },
  { name: 'unknown permission', args: () => ['assign', 'existing', '--permission', 'admin'] },
  { name: 'assign an unknown agent', args: () => ['assign', 'existing', '--agent', 'clippy'] },
  { name: 'assign an unknown connection', args: () => ['assign', 'ghost'], match: /unknown connection/ },
  { name: 'unassign an unknown id', args: () => ['unassign', 'deadbeef'] },
  { name: 'unset an unknown field', args: () => ['edit', 'existing', '--unset', 'NOPE'] },
  { name: '--set without =', args: () => ['add', 'memory', '--name', 'noeq', '--set', 'oops'], match: /FIELD=VALUE/ },
  { name: 'unknown env format', args: ({ repo }) => ['env', '--repo', repo, '--format', 'xml'], match: /unknown --format/ },
  { name: 'unknown hook shell', args: () => ['hook', 'powershell'], match: /unknown shell/ },
  { name: 'CONN_SECRET_STORE set to nonsense', args: () => ['add', 'notion', '--name', 'store1', '--secret-stdin', 'NOTION_TOKEN'], input: 'ntn_x', env: { CONN_SECRET_STORE: 'bogus' }, match: /CONN_SECRET_STORE/ },
  { name: '10 kB token that fails the pattern with --strict', args: () => ['add', 'notion', '--name', 'big1', '--strict', '--secret-stdin', 'NOTION_TOKEN'], input: BIG, match: /does not look right/ },
];

describe('bad input catalogue: one line, exit 2 (or 1), nothing changed, no crash', () => {
  it('has at least 40 distinct cases', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name', async (c) => {
    const created: string[] = [];
    try {
      for (const [rel, content] of Object.entries(c.files ?? {})) {
        const path = join(w.tmp, rel);
        mkdirSync(join(path, '..'), { recursive: true });
        writeFileSync(path, content);
        created.push(path);
      }
      for (const [rel, target] of Object.entries(c.symlinks ?? {})) {
        symlinkSync(target, join(w.tmp, rel));
        created.push(join(w.tmp, rel));
      }
      const before = snapshot(w.tmp);
      const keychainBefore = keychainItems(w.service);
      const r = await w.conn(c.args({ repo, tmp: w.tmp }), { input: c.input, env: c.env });
      ran++;
      if (CRASH_MARK.test(r.stderr) || STACK_LINE.test(r.stderr) || r.signal !== null) crashes++;
      expectCleanFailure(r, c.codes ?? [2], c.name);
      if (c.match) expect(r.stderr).toMatch(c.match);
      expect(changes(before, snapshot(w.tmp))).toEqual([]);
      expect(keychainItems(w.service)).toEqual(keychainBefore);
    } finally {
      for (const p of created.reverse()) rmSync(p, { recursive: true, force: true });
      for (const dir of ['.gemini', '.codex', '.cursor', '.vscode']) {
        if (c.files && Object.keys(c.files).some((k) => k.startsWith(`repo/${dir}/`))) rmSync(join(repo, dir), { recursive: true, force: true });
      }
    }
  });
});
