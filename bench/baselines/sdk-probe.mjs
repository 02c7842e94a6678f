// Baseline for `conn test NAME`: the least a client can do to check a stdio MCP server with the
// official SDK — spawn it, initialize, tools/list, close. Usage: node sdk-probe.mjs COMMAND ARGS...
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node sdk-probe.mjs COMMAND [ARGS...]\n');
  process.exit(2);
}
const client = new Client({ name: 'sdk-probe', version: '0.0.0' });
await client.connect(new StdioClientTransport({ command, args, stderr: 'pipe' }));
const { tools } = await client.listTools();
await client.close();
process.stdout.write(`${tools.length} tools\n`);
