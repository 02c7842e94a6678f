// `conn import` and `conn scan` read every file conn render writes, including the agents added
// beside the first seven: render into a repo, then import (dry run) and scan the result.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../helpers/world.js';
import { addApi, addNotion, API_TOKEN, NOTION_TOKEN, ok } from '../render/cli/helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

/** Agent, the file its render writes notion into, and (Continue: a block per server) api's. */
const FILES: [string, string, string?][] = [
  ['qwen-code', '.qwen/settings.json'],
  ['amp', '.amp/settings.json'],
  ['kilo', 'kilo.json'],
  ['zed', '.zed/settings.json'],
  ['crush', '.crush.json'],
  ['augment', '.augment/settings.json'],
  ['junie', '.junie/mcp/mcp.json'],
  ['continue', '.continue/mcpServers/conn-notion.yaml', '.continue/mcpServers/conn-api.yaml'],
];

describe('conn import and conn scan: the files of the newer agents', () => {
  it.each(FILES)('%s: import reads %s back (stdio and remote), scan flags its inline secrets', async (agent, file, apiFile = file) => {
    const repo = w.gitRepo('api');
    await addNotion(w);
    await addApi(w);
    await ok(w, ['render', '--repo', repo, '--agent', agent]);

    // Imported by someone else (another conn home), so the names are free.
    const r = await ok(w, ['import', '--dry-run', '--json'], { cwd: repo, env: { CONN_HOME: join(w.tmp, 'other-home') } });
    const plan = JSON.parse(r.stdout) as { items: { name: string; preset: string; agent: string; file: string }[] };
    const byName = Object.fromEntries(plan.items.map((i) => [i.name, i]));
    expect(byName.notion).toMatchObject({ preset: 'notion', file, agent });
    expect(byName.api).toMatchObject({ preset: 'remote', file: apiFile, agent });
    expect(r.stdout).not.toContain(NOTION_TOKEN);
    expect(r.stdout).not.toContain(API_TOKEN);

    const scan = await w.conn(['scan', '--include-ignored', '--json'], { cwd: repo });
    expect(scan.code, scan.stderr).toBe(1);
    const found = JSON.parse(scan.stdout) as { findings: { file: string; server: string }[] };
    expect(found.findings.filter((f) => f.file === file || f.file === apiFile).map((f) => `${f.server} ${f.file}`).sort()).toEqual([`api ${apiFile}`, `notion ${file}`]);
  });

  it.each([
    ['windsurf', '.codeium/windsurf/mcp_config.json'],
    ['goose', '.config/goose/config.yaml'],
    ['cline', `${process.platform === 'darwin' ? 'Library/Application Support' : '.config'}/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`],
  ])('%s: import reads the user file conn render --scope user wrote', async (agent, file) => {
    const repo = w.gitRepo('api');
    mkdirSync(w.env.HOME!, { recursive: true });
    await addNotion(w);
    await addApi(w);
    await ok(w, ['render', '--agent', agent, '--scope', 'user']);
    const r = await ok(w, ['import', '--dry-run', '--json', '--from', agent], { cwd: repo, env: { CONN_HOME: join(w.tmp, 'other-home') } });
    const plan = JSON.parse(r.stdout) as { items: { name: string; preset: string; agent: string; file: string; scope: string }[] };
    expect(plan.items.map((i) => [i.name, i.preset, i.agent, i.scope]).sort()).toEqual([
      ['api', 'remote', agent, 'user'],
      ['notion', 'notion', agent, 'user'],
    ]);
    expect(plan.items[0]!.file).toContain(file.split('/').pop());
  });
});
