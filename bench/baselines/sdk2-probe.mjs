// Baseline for `conn test NAME` on SDK v2: the least a client of either protocol era does to check a
// stdio MCP server — the SDK's own StdioClientTransport with versionNegotiation 'auto' (server/discover,
// else initialize; the SDK probes in a second, short-lived copy of the server), tools/list, close.
// Usage: node sdk2-probe.mjs COMMAND ARGS...
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node sdk2-probe.mjs COMMAND [ARGS...]\n');
  process.exit(2);
}
const client = new Client({ name: 'sdk2-probe', version: '0.0.0' }, { versionNegotiation: { mode: 'auto' } });
await client.connect(new StdioClientTransport({ command, args, stderr: 'pipe' }));
const { tools } = await client.listTools();
await client.close();
process.stdout.write(`${tools.length} tools\n`);
