// `conn tools <name>`: a connection's tools like signatures (live, or what `conn test` last saw).
import type { Command } from 'commander';
import type { Tool as McpTool } from '@modelcontextprotocol/client';
import { classifyTool } from '../access/tool-class.js';
import { requireConnection } from '../catalog/connections.js';
import type { ToolClass } from '../catalog/model.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import type { DepsFactory } from './types.js';
import { DEFAULT_TIMEOUT_S } from './test.js';

export interface ToolsOptions {
  name: string;
  cached: boolean;
  timeoutMs: number;
}

export function parseTools(name: string, flags: { cached?: boolean; timeout?: string }): ToolsOptions {
  const seconds = flags.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(flags.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not ${flags.timeout}`);
  return { name, cached: Boolean(flags.cached), timeoutMs: seconds * 1000 };
}

export async function run(opts: ToolsOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  const conn = requireConnection(catalog, opts.name);
  const [{ readToolCache, signature, specFor }, { toTool }] = await Promise.all([import('../call/tools.js'), import('../probe/probe.js')]);
  let tools: McpTool[];
  let presetTable: Record<string, ToolClass> | undefined;
  if (opts.cached) {
    const cached = readToolCache(deps.home, conn.name);
    if (!cached) throw new OperationError(`no tools recorded for ${conn.name} yet`, `conn test ${conn.name}`);
    tools = cached;
    presetTable = (await deps.presets()).get(conn.preset)?.tools;
  } else {
    const [{ openSession }, { withStepUp }] = await Promise.all([import('../call/session.js'), import('./connect.js')]);
    // A 403 insufficient_scope: sign in again with that scope too, then list again (the current catalog,
    // so the new token is the one sent).
    ({ tools, presetTable } = await withStepUp(conn, deps, async () => {
      const current = requireConnection(await deps.catalog.read(), opts.name);
      const built = await specFor(current, deps, 'full');
      const session = await openSession(built.spec, { timeoutMs: opts.timeoutMs });
      try {
        return { tools: (await session.client.listTools({}, { timeout: opts.timeoutMs, cacheMode: 'bypass' })).tools, presetTable: built.presetTable };
      } finally {
        await session.close();
      }
    }));
  }
  const rows = tools.map((t) => ({ tool: t, class: classifyTool(toTool(t), presetTable) }));
  deps.io.result(
    rows.map((r) => ({ ...r.tool, class: r.class })),
    () => (rows.length ? rows.map((r) => signature(r.tool, r.class)).join('\n') : `${conn.name} has no tools`),
  );
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('tools <name>')
    .description("List a connection's tools like signatures: parameters (? = optional), class, description")
    .option('--cached', 'print what conn test recorded last, without starting anything')
    .option('--timeout <seconds>', `give up on the server after this long (default ${DEFAULT_TIMEOUT_S})`)
    .option('--json', 'the tools as the server sent them, each with conn\'s class')
    .addHelpText('after', `
Examples:
  $ conn tools github
  $ conn tools github --cached
  $ conn tools everything --json`)
    .action(async (name: string, flags: { cached?: boolean; timeout?: string; json?: boolean }) =>
      run(parseTools(name, flags), await deps({ json: flags.json })),
    );
}
