// Baseline for the bridged `conn serve` case: the same N sequential tools/call requests as
// tool-calls.mjs, made directly by an SDK v2 client pinned to 2026-07-28 (the server's own era).
// Usage: node tool-calls-modern.mjs N TOOL ARGS_JSON -- COMMAND ARGS...
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const [n, tool, json] = argv.slice(0, sep);
const [command, ...args] = argv.slice(sep + 1);
if (sep < 0 || !command || !tool) {
  process.stderr.write('usage: node tool-calls-modern.mjs N TOOL ARGS_JSON -- COMMAND [ARGS...]\n');
  process.exit(2);
}
const client = new Client({ name: 'tool-calls', version: '0.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
await client.connect(new StdioClientTransport({ command, args, env: process.env, stderr: 'pipe' }));
const toolArgs = JSON.parse(json || '{}');
let errors = 0;
for (let i = 0; i < Number(n); i++) {
  const r = await client.callTool({ name: tool, arguments: toolArgs });
  if (r.isError) errors++;
}
await client.close();
if (errors) {
  process.stderr.write(`${errors} of ${n} calls returned isError\n`);
  process.exit(1);
}
process.stdout.write(`${n} calls\n`);
