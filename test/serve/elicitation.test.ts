// A 2025 server's elicitation through conn serve: sent on to an agent that declared elicitation (its
// answer goes back to the server), declined for one that did not. server-everything asks with its
// trigger-elicitation-request tool, which it offers only to a client declaring elicitation.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONN_BIN, ROOT, makeWorld, type World } from '../helpers/world.js';
import { NODE, serve, text } from './helpers.js';

const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

let w: World;
const closers: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  w = makeWorld();
  const r = await w.conn(['add', 'custom', '--name', 'every', '--', NODE, EVERYTHING, 'stdio']);
  expect(r.code, r.stderr).toBe(0);
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => undefined)));
  w.cleanup();
});

describe('conn serve forwards a server’s elicitation', () => {
  it('to an agent that declared elicitation, and its answer back to the server', async () => {
    const transport = new StdioClientTransport({ command: NODE, args: [CONN_BIN, 'serve', 'every', '--permission', 'full'], env: w.env, cwd: w.tmp, stderr: 'pipe' });
    transport.stderr?.on('data', () => undefined);
    const client = new Client({ name: 'eliciting-agent', version: '1' }, { capabilities: { elicitation: {} } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
    });
    await client.connect(transport);
    closers.push(() => client.close());
    const result = text(await client.callTool({ name: 'trigger-elicitation-request', arguments: {} }));
    expect(asked).toEqual(['Please provide inputs for the following fields:']);
    expect(result).toContain('User provided the requested information');
    expect(result).toContain('Ada Lovelace');
  });

  it('declined for an agent without elicitation', async () => {
    const s = await serve(w, ['every', '--permission', 'full']);
    closers.push(() => s.close());
    expect(text(await s.client.callTool({ name: 'trigger-elicitation-request', arguments: {} }))).toContain('User declined');
  });

  it('over conn serve --http, on the agent’s GET stream, with the answer POSTed back', async () => {
    const proc = spawn(NODE, [CONN_BIN, 'serve', 'every', '--permission', 'full', '--http', '--json'], { env: w.env, cwd: w.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    closers.push(async () => void proc.kill('SIGTERM'));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      proc.once('exit', (code) => reject(new Error(`conn serve exited ${code}`)));
    });
    const { url, token } = JSON.parse(line) as { url: string; token: string };
    const client = new Client({ name: 'eliciting-agent', version: '1' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: 'Grace Hopper', check: true } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    closers.unshift(() => client.close());
    expect(text(await client.callTool({ name: 'trigger-elicitation-request', arguments: {} }))).toContain('Grace Hopper');
  });
});
