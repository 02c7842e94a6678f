// The golden cases every agent writer goes through; each <agent>.test.ts runs them and adds its own.
import { beforeAll, it, expect } from 'vitest';
import type { Agent } from '../../../src/catalog/model.js';
import { writerFor } from '../../../src/render/agents/index.js';
import { UnsupportedEntryError } from '../../../src/render/agents/errors.js';
import { expectGolden, fixture, githubRead, legacySse, linearInline, linearRef, notionInline, notionRef, plainRemote } from './entries.js';

export interface GoldenOptions {
  ext: string;
  existing: string;
  /** Cases the agent's format cannot express: they must throw UnsupportedEntryError instead. */
  unsupported?: ('stdio-env' | 'remote-env' | 'remote-inline' | 'sse')[];
}

export function goldenCases(agent: Agent, opts: GoldenOptions): void {
  const w = writerFor(agent);
  beforeAll(async () => {
    await w.load?.();
  });
  const cases: [string, string, () => string][] = [
    ['writes a stdio entry with its secret resolved (inline)', 'stdio-inline', () => w.merge(null, [notionInline], [])],
    ['writes a stdio entry with a reference to the exported variable (env)', 'stdio-env', () => w.merge(null, [notionRef], [])],
    ['writes remote entries with and without an auth header (inline)', 'remote-inline', () => w.merge(null, [linearInline, plainRemote], [])],
    ['writes a remote entry whose bearer token is a reference (env)', 'remote-env', () => w.merge(null, [linearRef], [])],
    ['writes a legacy SSE server', 'sse', () => w.merge(null, [legacySse], [])],
    ['writes the tool deny list where the agent reads it', 'deny', () => w.merge(null, [githubRead], [])],
    ['merges entries into an existing file, keeping everything else', 'merged', () => w.merge(fixture(agent, opts.existing), [notionInline, githubRead], [])],
  ];
  for (const [title, name, run] of cases) {
    if (opts.unsupported?.includes(name as 'stdio-env' | 'remote-env' | 'remote-inline' | 'sse')) {
      it(`refuses: ${title}`, () => expect(run).toThrow(UnsupportedEntryError));
    } else {
      it(title, () => expectGolden(agent, `${name}.${opts.ext}`, run()));
    }
  }
}
