// The tool budget's estimate (bytes / 4) held against real tokenizers on real tool lists: the three
// reference servers, recorded by `conn test` exactly as `conn explain` counts them. The figures are
// printed for README "Tool budget"; the test fails if the estimate drifts far from either tokenizer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countTokens as claudeTokens } from '@anthropic-ai/tokenizer';
import { encode as o200k } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateTokens, toolDefinitionBytes } from '../../src/access/tool-budget.js';
import type { Tool } from '../../src/catalog/model.js';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const SERVERS = ['server-everything', 'server-memory', 'server-filesystem'];
let w: World;
const tools: Record<string, Tool[]> = {};

beforeAll(async () => {
  requireKeychain();
  w = makeWorld();
  for (const pkg of SERVERS) {
    const args = ['add', 'custom', '--name', pkg.replace('server-', 'ref-'), '--', process.execPath, join(ROOT, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js')];
    if (pkg === 'server-filesystem') args.push(w.tmp);
    const r = await w.conn(args);
    expect(r.code, r.stderr).toBe(0);
  }
  const tested = await w.conn(['test']);
  expect(tested.code, tested.stderr).toBe(0);
  const catalog = JSON.parse(readFileSync(join(w.home, 'config.json'), 'utf8'));
  for (const pkg of SERVERS) tools[pkg] = catalog.connections[pkg.replace('server-', 'ref-')].health.tools;
});
afterAll(() => w?.cleanup());

describe('the token estimate', () => {
  it('stays within 35% of o200k and of the Claude tokenizer for the reference servers’ tool definitions', () => {
    const rows: string[] = [];
    for (const pkg of SERVERS) {
      const list = tools[pkg]!;
      expect(list.length, pkg).toBeGreaterThan(3);
      // What conn counts is what the agent receives: name, description and input schema.
      expect(list.every((t) => typeof t.description === 'string' && t.inputSchema), pkg).toBe(true);
      const text = list.map((t) => JSON.stringify({ name: t.name, description: t.description ?? '', inputSchema: t.inputSchema ?? {} }));
      const estimate = estimateTokens(list.reduce((n, t) => n + toolDefinitionBytes(t), 0));
      const openai = text.reduce((n, s) => n + o200k(s).length, 0);
      const claude = text.reduce((n, s) => n + claudeTokens(s), 0);
      const off = (real: number) => (estimate - real) / real;
      rows.push(`${pkg}: ${list.length} tools, estimate ${estimate}, o200k ${openai} (${(off(openai) * 100).toFixed(0)}%), claude ${claude} (${(off(claude) * 100).toFixed(0)}%)`);
      expect(Math.abs(off(openai)), pkg).toBeLessThan(0.35);
      expect(Math.abs(off(claude)), pkg).toBeLessThan(0.35);
    }
    console.log(`token estimate vs tokenizers:\n  ${rows.join('\n  ')}`);
  });
});
