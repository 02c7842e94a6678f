// Baseline and driver for "agent start": what an agent does before its first turn — start every MCP
// server in its config at once and wait for each one's tools/list. Prints how many servers answered
// and their tools; exits 1 if any failed.
// Usage: node agent-start.mjs SERVERS_JSON   (a file: [{ "command": "...", "args": [...], "env": {...} }, ...])
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const servers = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = await Promise.allSettled(
  servers.map(async ({ command, args, env, cwd }) => {
    const client = new Client({ name: 'agent-start', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command, args, env: { ...process.env, ...env }, cwd, stderr: 'ignore' }));
    const { tools } = await client.listTools();
    await client.close();
    return tools.length;
  }),
);
const failed = results.filter((r) => r.status === 'rejected');
if (failed.length) {
  process.stderr.write(`${failed.length} of ${servers.length} failed: ${String(failed[0].reason)}\n`);
  process.exit(1);
}
process.stdout.write(`${servers.length} servers, ${results.reduce((n, r) => n + r.value, 0)} tools\n`);
