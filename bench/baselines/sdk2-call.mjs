// Baseline for `conn call NAME TOOL`: one tool call by a minimal SDK v2 client (auto negotiation) on
// a stdio server, printing the text content. Usage: node sdk2-call.mjs TOOL JSON_ARGS COMMAND ARGS...
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const [tool, json, command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node sdk2-call.mjs TOOL JSON_ARGS COMMAND [ARGS...]\n');
  process.exit(2);
}
const client = new Client({ name: 'sdk2-call', version: '0.0.0' }, { versionNegotiation: { mode: 'auto' } });
await client.connect(new StdioClientTransport({ command, args, stderr: 'pipe' }));
const result = await client.callTool({ name: tool, arguments: JSON.parse(json) });
await client.close();
process.stdout.write(`${result.content.map((c) => c.text ?? '').join('\n')}\n`);
