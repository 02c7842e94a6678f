// EntrySettings.disabled (an entry imported switched off) in each writer that has a per-entry switch,
// and the `${VAR:-default}` decision: only Claude Code's syntax carries a default.
import { parse as parseYaml } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENTS } from '../../../src/catalog/constants.js';
import { writerFor } from '../../../src/render/agents/index.js';
import { canDisable, DEFAULT_SYNTAX, SETTING_KEYS } from '../../../src/render/agents/settings.js';
import { secretPlaceholder } from '../../../src/launch/types.js';
import type { RenderedEntry } from '../../../src/render/agents/types.js';
import { notionInline } from './entries.js';

const off: RenderedEntry = { ...notionInline, settings: { disabled: true } };

function entryOf(agent: (typeof AGENTS)[number], entry: RenderedEntry): Record<string, unknown> {
  const w = writerFor(agent);
  const text = w.merge(null, [entry], []);
  if (agent === 'codex') return (parseToml(text) as any).mcp_servers.notion;
  if (agent === 'goose') return (parseYaml(text) as any).extensions.notion;
  const file = JSON.parse(text) as Record<string, any>;
  return agent === 'opencode' ? file.mcp.notion : agent === 'crush' ? file.mcp.notion : file.mcpServers.notion;
}

describe('an entry switched off in the agent file', () => {
  beforeAll(async () => {
    await writerFor('goose').load?.();
  });

  it.each([
    ['kiro', { disabled: true }],
    ['roo', { disabled: true }],
    ['crush', { disabled: true }],
    ['opencode', { enabled: false }],
    ['codex', { enabled: false }],
    ['goose', { enabled: false }],
  ] as const)('%s writes it switched off, and on again without the setting', (agent, expected) => {
    expect(entryOf(agent, off)).toMatchObject(expected);
    const on = entryOf(agent, notionInline);
    const [key] = Object.keys(expected);
    if (agent === 'goose') expect(on.enabled).toBe(true);
    else expect(on).not.toHaveProperty(key!);
  });

  it('only those agents count as having a switch (the others leave the entry out)', () => {
    expect(AGENTS.filter(canDisable).sort()).toEqual(Object.keys(SETTING_KEYS.disabled).sort());
    expect(canDisable('claude-code')).toBe(false);
    expect(canDisable('vscode')).toBe(false);
  });
});

describe('an imported ${VAR:-default} in each writer', () => {
  const db: RenderedEntry = {
    name: 'db',
    spec: {
      kind: 'stdio',
      name: 'db',
      command: 'db-mcp',
      args: [],
      env: { DATABASE_URL: secretPlaceholder('DATABASE_URL') },
      secrets: [{ field: 'DATABASE_URL', envVar: 'DATABASE_URL' }],
      permission: 'full',
    },
    deniedTools: [],
    defaults: { DATABASE_URL: 'postgres://localhost/dev' },
  };
  const referencing = AGENTS.filter((a) => writerFor(a).expandsEnv !== false && writerFor(a).scope !== 'user');

  it.each(referencing)('%s writes the default only when its syntax has one', (agent) => {
    const text = writerFor(agent).merge(null, [db], []);
    expect(text).toContain('DATABASE_URL');
    if (DEFAULT_SYNTAX.includes(agent)) expect(text).toContain('${DATABASE_URL:-postgres://localhost/dev}');
    else expect(text).not.toContain('postgres://localhost/dev');
  });

  it('Claude Code and Gemini are the agents with a default syntax', () => {
    expect([...DEFAULT_SYNTAX].sort()).toEqual(['claude-code', 'gemini']);
  });
});
