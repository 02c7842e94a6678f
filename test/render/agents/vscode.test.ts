import { describe, expect, it } from 'vitest';
import { AGENTS } from '../../../src/catalog/constants.js';
import { writerFor } from '../../../src/render/agents/index.js';
import { PROMPT_AGENTS } from '../../../src/render/state.js';
import { MalformedFileError } from '../../../src/render/agents/errors.js';
import { goldenCases } from './golden-cases.js';
import { fixture, githubRead, linearPrompt, linearRef, notionPrompt, notionRef } from './entries.js';

describe('vscode writer (.vscode/mcp.json)', () => {
  const w = writerFor('vscode');
  goldenCases('vscode', { ext: 'json', existing: 'existing.jsonc' });

  it('writes servers with type and ${env:VAR} references', () => {
    const out = JSON.parse(w.merge(null, [notionRef], [])) as { servers: Record<string, Record<string, unknown>> };
    expect(out.servers.notion).toMatchObject({ type: 'stdio', env: { NOTION_TOKEN: '${env:CONN_NOTION_NOTION_TOKEN}' } });
  });

  it('keeps the inputs list and its ${input:} references', () => {
    const out = w.merge(fixture('vscode', 'existing.jsonc'), [notionRef], []);
    expect(out).toContain('"headers": { "Authorization": "Bearer ${input:gh-token}" }');
    expect(out).toContain('"inputs": [');
  });

  it('has no tool filter', () => {
    expect(w.merge(null, [githubRead], [])).not.toContain('create_issue');
    expect(w.denyRules(githubRead)).toEqual([]);
  });
});

// `--secrets prompt`: VS Code asks for each secret itself (an `inputs` item with `password: true`).
describe('vscode writer: prompt inputs (--secrets prompt)', () => {
  const w = writerFor('vscode');
  const USER_INPUT = '    { "type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true }';
  const CONN_IDS = ['conn_linear_token', 'conn_notion_NOTION_TOKEN'];

  it('golden: a stdio entry references ${input:ID} and its input comes first in a new file', () => {
    expect(w.merge(null, [notionPrompt], [])).toBe(`{
  "inputs": [
    {
      "type": "promptString",
      "id": "conn_notion_NOTION_TOKEN",
      "description": "notion: Notion integration token (NOTION_TOKEN)",
      "password": true
    }
  ],
  "servers": {
    "notion": {
      "type": "stdio",
      "command": "npx",
      "args": [
        "-y",
        "@notionhq/notion-mcp-server"
      ],
      "env": {
        "NOTION_TOKEN": "\${input:conn_notion_NOTION_TOKEN}",
        "LOG_LEVEL": "warn"
      }
    }
  }
}
`);
  });

  it('golden: a remote entry sends its token header as ${input:ID}', () => {
    expect(w.merge(null, [linearPrompt], [])).toBe(`{
  "inputs": [
    {
      "type": "promptString",
      "id": "conn_linear_token",
      "description": "linear: Auth header value (token)",
      "password": true
    }
  ],
  "servers": {
    "linear": {
      "type": "http",
      "url": "https://mcp.linear.app/mcp",
      "headers": {
        "Authorization": "Bearer \${input:conn_linear_token}",
        "X-Team": "eng"
      }
    }
  }
}
`);
  });

  it("appends its inputs after the user's, keeps every byte of theirs, and gives the file back exactly when they go", () => {
    const existing = fixture('vscode', 'existing.jsonc');
    const out = w.merge(existing, [notionPrompt, linearPrompt], []);
    expect(out).toContain(`  // Prompted once, stored by VS Code\n  "inputs": [\n${USER_INPUT},\n    {\n      "type": "promptString",\n      "id": "conn_linear_token",`);
    expect(w.inputIds!(out)).toEqual(['gh-token', ...CONN_IDS]);
    // Unchanged input: the same text back (no churn), whatever the order of the entries.
    expect(w.merge(out, [linearPrompt, notionPrompt], [], undefined, CONN_IDS)).toBe(out);
    // Both connections leave: their entries and inputs go, the user's file comes back byte for byte.
    expect(w.merge(out, [], ['notion', 'linear'], undefined, CONN_IDS)).toBe(existing);
  });

  it('removes the input of an entry that leaves and keeps the others', () => {
    const out = w.merge(fixture('vscode', 'existing.jsonc'), [notionPrompt, linearPrompt], []);
    const less = w.merge(out, [linearPrompt], ['notion'], undefined, CONN_IDS);
    expect(w.inputIds!(less)).toEqual(['gh-token', 'conn_linear_token']);
    expect(less).toContain(`${USER_INPUT},\n`);
    expect(less).not.toContain('conn_notion_NOTION_TOKEN');
  });

  it('restores an input of its own that was edited by hand, and drops a second copy of it', () => {
    const out = w.merge(null, [notionPrompt], []);
    const edited = out.replace('"password": true', '"password": false');
    expect(edited).not.toBe(out);
    expect(w.merge(edited, [notionPrompt], [], undefined, ['conn_notion_NOTION_TOKEN'])).toBe(out);
    const copy = '    { "type": "promptString", "id": "conn_notion_NOTION_TOKEN", "description": "copy" },\n';
    const doubled = out.replace('  "inputs": [\n', `  "inputs": [\n${copy}`);
    const fixed = JSON.parse(w.merge(doubled, [notionPrompt], [], undefined, ['conn_notion_NOTION_TOKEN'])) as { inputs: unknown[] };
    expect(fixed.inputs).toEqual([{ type: 'promptString', id: 'conn_notion_NOTION_TOKEN', description: 'notion: Notion integration token (NOTION_TOKEN)', password: true }]);
  });

  it('switching back to env references removes its inputs, and the inputs array it created with them', () => {
    const prompted = w.merge(null, [notionPrompt], []);
    expect(w.merge(prompted, [notionRef], [], undefined, ['conn_notion_NOTION_TOKEN'])).toBe(w.merge(null, [notionRef], []));
  });

  it('keeps an inputs array that still holds a comment of the user', () => {
    const text = '{\n  "inputs": [\n    // my notes\n    { "type": "promptString", "id": "conn_notion_NOTION_TOKEN", "description": "x", "password": true }\n  ],\n  "servers": {}\n}\n';
    const out = w.merge(text, [], [], undefined, ['conn_notion_NOTION_TOKEN']);
    expect(out).toContain('"inputs": [\n    // my notes\n');
    expect(w.inputIds!(out)).toEqual([]);
  });

  it('never touches an input it did not write (not remembered as its own)', () => {
    const existing = fixture('vscode', 'existing.jsonc');
    expect(w.merge(existing, [], [], undefined, ['conn_other_TOKEN'])).toBe(existing);
    expect(w.merge(existing, [notionRef], [])).toContain(`${USER_INPUT}\n  ],`);
  });

  it('refuses an inputs member that is not an array only when it has to edit it', () => {
    const text = '{ "inputs": {}, "servers": {} }\n';
    expect(() => w.merge(text, [notionPrompt], [])).toThrow(MalformedFileError);
    expect(() => w.merge(text, [notionPrompt], [])).toThrow(/"inputs" is not an array/);
    expect(w.merge(text, [notionRef], [])).toContain('"${env:CONN_NOTION_NOTION_TOKEN}"');
    expect(w.inputIds!(text)).toEqual([]);
  });

  it('is the only writer that can ask: the others have no inputIds and refuse prompt entries', () => {
    for (const agent of ['claude-code', 'cursor', 'gemini', 'opencode', 'kiro'] as const) {
      expect(writerFor(agent).inputIds).toBeUndefined();
      expect(() => writerFor(agent).merge(null, [notionPrompt], [])).toThrow(/cannot ask for a secret/);
    }
    expect(writerFor('codex').inputIds).toBeUndefined();
    // What the command checks before it renders (without loading the writers) says the same.
    expect(AGENTS.filter((a) => writerFor(a).inputIds)).toEqual([...PROMPT_AGENTS]);
  });
});
