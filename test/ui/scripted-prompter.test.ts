// Prompt paths driven by a scripted prompter injected through deps (as the GitHub CLI injects its
// Prompter), no pseudo-terminal: the command's real `run` with a real catalog and a real (file)
// secret store in a temp CONN_HOME.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../src/catalog/model.js';
import * as doctor from '../../src/commands/doctor.js';
import * as remove from '../../src/commands/remove.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { createIo } from '../../src/ui/io.js';
import type { Prompter } from '../../src/ui/prompts.js';

/** Answers the confirmations in order and records each question; a question beyond the script fails. */
function scripted(answers: boolean[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    field: async (f) => {
      throw new Error(`unexpected field prompt: ${f.key}`);
    },
    confirm: async (message) => {
      asked.push(message);
      if (!answers.length) throw new Error(`unexpected question: ${message}`);
      return answers.shift()!;
    },
  };
}

let dir: string;
let home: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conn-prompter-'));
  home = join(dir, 'home');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = undefined;
});

function harness(prompter: Prompter): { deps: Deps; stdout: () => string; stderr: () => string } {
  const env = { CONN_HOME: home, CONN_SECRET_STORE: 'file', NO_COLOR: '1', PATH: process.env.PATH ?? '' };
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  err.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const io = createIo({ env, stdout: out as unknown as NodeJS.WriteStream, stderr: err as unknown as NodeJS.WriteStream });
  // A terminal that may be asked: what io.canPrompt says on a TTY outside CI.
  const terminal = Object.defineProperty({ ...io }, 'canPrompt', { value: true });
  return { deps: { ...createDeps({ env, quiet: true }), io: terminal, prompter }, stdout: () => stdout, stderr: () => stderr };
}

const conn = (name: string, secrets: string[] = []): Connection => ({
  name,
  preset: 'custom',
  kind: 'stdio',
  enabled: true,
  fields: {},
  secrets,
  command: ['node', 'x.js'],
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  health: { status: 'unknown' },
});

describe('a scripted prompter', () => {
  it('answers remove\'s confirmation: no keeps the connection, yes removes it', async () => {
    const first = harness(scripted([false]));
    await first.deps.catalog.update((c) => {
      c.connections.tools = conn('tools');
    });
    await remove.run({ name: 'tools', yes: false }, first.deps);
    expect(first.stderr()).toMatch(/Nothing removed/);
    expect(Object.keys((await first.deps.catalog.read()).connections)).toEqual(['tools']);

    const prompter = scripted([true]);
    const second = harness(prompter);
    await remove.run({ name: 'tools', yes: false }, second.deps);
    expect(prompter.asked).toEqual(['Remove tools and its secrets?']);
    expect((await second.deps.catalog.read()).connections).toEqual({});
  });

  it('answers doctor\'s offer to remove secrets of no connection', async () => {
    const prompter = scripted([true]);
    const h = harness(prompter);
    await h.deps.catalog.update((c) => {
      c.connections.kept = conn('kept', ['API_KEY']);
    });
    const store = await h.deps.secrets();
    await store.set('kept/API_KEY', 'kept-value');
    await store.set('renamed-away/API_KEY', 'orphan-value');
    await doctor.run({}, h.deps);
    expect(h.stderr()).toMatch(/1 item\(s\) in the plaintext file .* belong to no connection: renamed-away\/API_KEY/);
    expect(prompter.asked).toEqual(['Remove it?']);
    expect(h.stdout()).toMatch(/orphan secrets: removed 1: renamed-away\/API_KEY/);
    expect(Object.keys(JSON.parse(readFileSync(join(home, 'secrets.json'), 'utf8')))).toEqual(['kept/API_KEY']);
  });
});
