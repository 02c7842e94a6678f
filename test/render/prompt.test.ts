// `--secrets prompt`: which secrets become VS Code inputs, under which id, and which stay env references.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/catalog/model.js';
import { OperationError } from '../../src/errors.js';
import { referenceSpec } from '../helpers/spec.js';
import { presetFor } from '../../src/presets/effective.js';
import { loadPresets } from '../../src/presets/registry.js';
import { writerFor } from '../../src/render/agents/index.js';
import type { RenderedEntry } from '../../src/render/agents/types.js';
import { checkPromptIds, promptInputId, promptInputsFor } from '../../src/render/prompt.js';

const registry = loadPresets(join(tmpdir(), 'conn-no-such-home'));

function connection(name: string, preset: string, over: Partial<Connection> = {}): Connection {
  const kind = registry.get(preset)!.kind;
  return { name, preset, kind, enabled: true, fields: {}, secrets: [], createdAt: '', updatedAt: '', health: { status: 'unknown' }, ...over };
}

async function entry(conn: Connection): Promise<RenderedEntry> {
  const preset = presetFor(conn, registry);
  const spec = referenceSpec(conn, preset, 'full');
  if (spec.kind === 'http-api') throw new Error('not here');
  return { name: conn.name, spec, deniedTools: [], prompts: promptInputsFor(conn, preset, spec) };
}

describe('prompt inputs', () => {
  it('ids are conn_<connection>_<FIELD> in letters, digits and _ only, the same on every render', () => {
    expect(promptInputId('team-notion', 'NOTION_TOKEN')).toBe('conn_team_notion_NOTION_TOKEN');
    expect(promptInputId('api', 'token')).toBe('conn_api_token');
  });

  it('one input per secret field the entry references, described by connection, label and field', async () => {
    const notion = await entry(connection('team-notion', 'notion', { secrets: ['NOTION_TOKEN'] }));
    expect(notion.prompts).toEqual([
      { id: 'conn_team_notion_NOTION_TOKEN', envVar: 'CONN_TEAM_NOTION_NOTION_TOKEN', description: 'team-notion: Notion integration token (NOTION_TOKEN)' },
    ]);
    const custom = await entry(connection('my-server', 'custom', { command: ['node', 'server.js'], secrets: ['API_KEY'] }));
    expect(custom.prompts).toEqual([{ id: 'conn_my_server_API_KEY', envVar: 'CONN_MY_SERVER_API_KEY', description: 'my-server: API_KEY' }]);
    expect((JSON.parse(writerFor('vscode').merge(null, [custom], [])) as { servers: Record<string, { env: object }> }).servers['my-server']!.env).toEqual({
      API_KEY: '${input:conn_my_server_API_KEY}',
    });
  });

  it('an OAuth access token is not asked for: it stays an env reference, as in --secrets env', async () => {
    const conn = connection('docs', 'remote', { fields: { url: 'https://docs.example.com/mcp' }, oauth: { state: 'connected' } });
    const e = await entry(conn);
    expect(e.prompts).toEqual([]);
    const out = JSON.parse(writerFor('vscode').merge(null, [e], [])) as { inputs?: unknown; servers: Record<string, { headers: object }> };
    expect(out.inputs).toBeUndefined();
    expect(out.servers.docs!.headers).toEqual({ Authorization: 'Bearer ${env:CONN_DOCS_OAUTH_ACCESS_TOKEN}' });
  });

  it('refuses two connections whose fields would share an input id', async () => {
    const one = await entry(connection('a-b', 'custom', { command: ['x'], secrets: ['C'] }));
    const two = await entry(connection('a', 'custom', { command: ['x'], secrets: ['b_C'] }));
    expect(one.prompts![0]!.id).toBe(two.prompts![0]!.id);
    expect(() => checkPromptIds([one, two])).toThrow(OperationError);
    expect(() => checkPromptIds([one, two])).toThrow('connections a-b and a would share the VS Code input id conn_a_b_C');
    expect(() => checkPromptIds([one])).not.toThrow();
  });
});
