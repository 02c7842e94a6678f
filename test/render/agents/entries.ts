// Launch specs and rendered entries the writer tests share, in resolved (inline) and reference (env) form.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';
import { secretPlaceholder, type RemoteSpec, type StdioSpec } from '../../../src/launch/types.js';
import type { RenderedEntry } from '../../../src/render/agents/types.js';

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/agents');

const NOTION_VAR = 'CONN_NOTION_NOTION_TOKEN';
const LINEAR_VAR = 'CONN_LINEAR_TOKEN';

function notionSpec(token: string): StdioSpec {
  return {
    kind: 'stdio',
    name: 'notion',
    command: 'npx',
    args: ['-y', '@notionhq/notion-mcp-server'],
    env: { NOTION_TOKEN: token, LOG_LEVEL: 'warn' },
    secrets: [{ field: 'NOTION_TOKEN', envVar: NOTION_VAR }],
    permission: 'full',
  };
}

function linearSpec(authorization: string): RemoteSpec {
  return {
    kind: 'remote',
    name: 'linear',
    url: 'https://mcp.linear.app/mcp',
    headers: { Authorization: authorization, 'X-Team': 'eng' },
    transport: 'http',
    secrets: [{ field: 'token', envVar: LINEAR_VAR }],
    permission: 'full',
  };
}

/** stdio, secret resolved into the value (`--secrets inline`). */
export const notionInline: RenderedEntry = { name: 'notion', spec: notionSpec('ntn_inline_secret_1'), deniedTools: [] };
/** stdio, secret as a placeholder (`--secrets env`). */
export const notionRef: RenderedEntry = { name: 'notion', spec: notionSpec(secretPlaceholder(NOTION_VAR)), deniedTools: [] };
/** Remote (Streamable HTTP) with an auth header, resolved. */
export const linearInline: RenderedEntry = { name: 'linear', spec: linearSpec('Bearer lin_api_secret_2'), deniedTools: [] };
/** Remote with the bearer token as a placeholder. */
export const linearRef: RenderedEntry = { name: 'linear', spec: linearSpec(`Bearer ${secretPlaceholder(LINEAR_VAR)}`), deniedTools: [] };
/** Remote on legacy SSE with an API-key header that is exactly the secret (reference form). */
export const legacySse: RenderedEntry = {
  name: 'legacy',
  spec: {
    kind: 'remote',
    name: 'legacy',
    url: 'https://legacy.example.com/sse',
    headers: { 'X-Api-Key': secretPlaceholder('CONN_LEGACY_TOKEN') },
    transport: 'sse',
    secrets: [{ field: 'token', envVar: 'CONN_LEGACY_TOKEN' }],
    permission: 'full',
  },
  deniedTools: [],
};
/** A `read` connection: its write tools denied. */
export const githubRead: RenderedEntry = {
  name: 'github',
  spec: {
    kind: 'stdio',
    name: 'github',
    command: 'github-mcp-server',
    args: ['stdio', '--read-only'],
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_inline_secret_3' },
    secrets: [{ field: 'GITHUB_PERSONAL_ACCESS_TOKEN', envVar: 'CONN_GITHUB_GITHUB_PERSONAL_ACCESS_TOKEN' }],
    permission: 'read',
  },
  deniedTools: ['create_issue', 'delete_repository'],
};
/** A remote server reached by its URL only, denied nothing: the smallest entry. */
export const plainRemote: RenderedEntry = {
  name: 'docs-search',
  spec: { kind: 'remote', name: 'docs-search', url: 'https://docs.example.com/mcp', headers: {}, transport: 'auto', secrets: [], permission: 'full' },
  deniedTools: [],
};

export function fixture(agent: string, name: string): string {
  return readFileSync(join(FIXTURES, agent, name), 'utf8');
}

/**
 * Compares with the golden file test/fixtures/agents/<agent>/<name>; `UPDATE_GOLDEN=1` rewrites it
 * (review the diff before keeping it).
 */
export function expectGolden(agent: string, name: string, actual: string): void {
  const path = join(FIXTURES, agent, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** `--secrets prompt` (VS Code): the stdio entry's secret asked for by the agent as `${input:…}`. */
export const notionPrompt: RenderedEntry = {
  ...notionRef,
  prompts: [{ id: 'conn_notion_NOTION_TOKEN', envVar: NOTION_VAR, description: 'notion: Notion integration token (NOTION_TOKEN)' }],
};
/** `--secrets prompt`: the remote entry's bearer token asked for by the agent. */
export const linearPrompt: RenderedEntry = {
  ...linearRef,
  prompts: [{ id: 'conn_linear_token', envVar: LINEAR_VAR, description: 'linear: Auth header value (token)' }],
};
