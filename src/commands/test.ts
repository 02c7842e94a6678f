import { byText } from '../catalog/names.js';
import type { Command } from 'commander';
import { requireConnection } from '../catalog/connections.js';
import type { Connection, Health, Tool, ToolClass } from '../catalog/model.js';
import { classifyTool } from '../access/tool-class.js';
import type { Deps } from '../deps.js';
import { OperationError, UsageError } from '../errors.js';
import type { LaunchSpec } from '../launch/types.js';
import { diffTools, hasDrift, type ToolDrift } from '../probe/drift.js';
import type { ProbeResult } from '../probe/probe.js';
import type { Preset } from '../presets/schema.js';
import type { CredentialSet } from '../credentials/credentials.js';
import { healthText } from '../ui/format.js';
import { table } from '../ui/layout.js';
import { stripControl } from '../strip-control.js';
import type { DepsFactory } from './types.js';

export interface TestOptions {
  names: string[];
  all: boolean;
  timeoutMs: number;
  tools: boolean;
}

export const DEFAULT_TIMEOUT_S = 30;

export interface TestReport {
  name: string;
  status: 'healthy' | 'error';
  transport: string | null;
  server: { name: string; version: string } | null;
  protocolVersion: string | null;
  /** `modern` (2026-07-28+, server/discover) or `legacy` (initialize); null when unreached. */
  era: 'modern' | 'legacy' | null;
  /** How long the server said its tool list stays fresh, and for whom (2026-07-28+ only). */
  ttlMs?: number;
  cacheScope?: string;
  toolCount: number;
  latencyMs: number;
  error: string | null;
  stderr: string[];
  needsOAuth: boolean;
  drift: ToolDrift;
  tools?: { name: string; class: ToolClass; title?: string }[];
}

export function parseTest(names: string[], flags: { all?: boolean; timeout?: string; tools?: boolean }): TestOptions {
  const seconds = flags.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(flags.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(`--timeout must be a number of seconds between 0 and 3600, got ${flags.timeout}`);
  }
  if (flags.all && names.length) throw new UsageError('give connection names or --all, not both');
  return { names, all: Boolean(flags.all), timeoutMs: Math.round(seconds * 1000), tools: Boolean(flags.tools) };
}

function select(connections: Record<string, Connection>, opts: TestOptions, require: (n: string) => Connection): Connection[] {
  if (opts.names.length) return [...new Set(opts.names)].map(require);
  const all = Object.values(connections).sort((a, b) => byText(a.name, b.name));
  return opts.all ? all : all.filter((c) => c.enabled);
}

export async function run(opts: TestOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  const selected = select(catalog.connections, opts, (n) => requireConnection(catalog, n));
  if (selected.length === 0) {
    deps.io.result([], () => 'No enabled connections to test. Add one with: conn add <preset>');
    return;
  }
  // SEP-1024: a registry connection runs only once the user has seen what it runs and agreed.
  if (selected.some((c) => c.registry)) {
    const { ensureConsent } = await import('../registry/consent.js');
    await ensureConsent(selected, deps.catalog, deps.io.canPrompt ? (q) => deps.prompter.confirm(q) : undefined);
  }
  const registry = await deps.presets();

  // Every value the selected connections need, in one bulk read through the credentials port; a
  // connection whose values cannot be had fails alone, with the port's one-line reason.
  const { launchSpec } = await import('../launch/build.js');
  const credentials = await deps.credentials.resolve(selected, 'resolve');
  const results = new Map<string, ProbeResult>();
  const items: { name: string; spec: LaunchSpec }[] = [];
  for (const conn of selected) {
    try {
      const preset = registry.require(conn.preset);
      items.push({ name: conn.name, spec: launchSpec(conn, preset, 'full', credentials.values(conn.name)) });
    } catch (err) {
      results.set(conn.name, { status: 'error', tools: [], latencyMs: 0, error: err instanceof Error ? err.message : String(err) });
    }
  }

  if (items.length) {
    const { probeAll } = await import('../probe/pool.js');
    const running = new Set<string>();
    let finished = 0;
    const show = () => deps.io.progress(`testing ${finished}/${items.length} done… ${[...running].join(', ')}`);
    const probed = await probeAll(items, {
      timeoutMs: opts.timeoutMs,
      onStart: (name) => {
        running.add(name);
        show();
      },
      onDone: (name) => {
        running.delete(name);
        finished++;
        show();
      },
    });
    items.forEach((item, i) => results.set(item.name, probed[i]!));
  }

  // Step-up: a connection signed in with OAuth whose server answered 403 insufficient_scope signs in
  // again asking for that scope too (once), and is tested again with the new token.
  for (const conn of selected) {
    const scope = results.get(conn.name)?.requiredScope;
    if (scope === undefined) continue;
    const [{ canStepUp, stepUp }, { probe }, { challengedScope }] = await Promise.all([import('./connect.js'), import('../probe/probe.js'), import('../oauth/challenge.js')]);
    if (!canStepUp(conn)) continue;
    const wanted = challengedScope(scope);
    if (!wanted) continue;
    try {
      await stepUp(conn.name, wanted, deps);
      const fresh = requireConnection(await deps.catalog.read(), conn.name);
      const spec = launchSpec(fresh, registry.require(fresh.preset), 'full', (await deps.credentials.resolve([fresh], 'resolve')).values(conn.name));
      // The new token is in the spec's headers: redacted from what the server says, like the others.
      items.push({ name: conn.name, spec });
      const again = await probe(spec, { timeoutMs: opts.timeoutMs });
      results.set(conn.name, again.requiredScope === undefined ? again : { ...again, error: `still asks for OAuth scope ${stripControl(again.requiredScope) || '(unnamed)'} after signing in again with ${wanted}` });
    } catch (err) {
      results.set(conn.name, { ...results.get(conn.name)!, error: `signing in again for OAuth scope ${wanted} failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  await redactResults(results, selected, items, credentials);

  const now = deps.clock().toISOString();
  const reports = selected.map((conn) => report(conn, results.get(conn.name)!, opts, registry.get(conn.preset)?.tools));
  await deps.catalog.update((c) => {
    for (const conn of selected) {
      const current = c.connections[conn.name];
      if (current) current.health = toHealth(results.get(conn.name)!, current.health, now);
    }
  });

  const healthy = selected.filter((conn) => results.get(conn.name)?.rawTools);
  if (healthy.length) {
    const { writeToolCache } = await import('../call/tools.js');
    for (const conn of healthy) {
      try {
        writeToolCache(deps.home, conn.name, results.get(conn.name)!.rawTools!);
      } catch (err) {
        deps.io.warn(`cannot record the tools of ${conn.name}: ${(err as Error).message}`);
      }
    }
  }

  deps.io.result(reports, (rows) => human(rows, opts, deps));
  const failed = reports.filter((r) => r.status === 'error');
  if (failed.length) {
    throw new OperationError(
      `${failed.length} of ${reports.length} connection${reports.length === 1 ? '' : 's'} unhealthy: ${failed.map((f) => f.name).join(', ')}`,
    );
  }
}

/**
 * What a server said (its error, its stderr) is recorded in config.json and printed: every secret value
 * conn knows for the tested connections is cut out first, and control characters stripped.
 */
async function redactResults(
  results: Map<string, ProbeResult>,
  selected: Connection[],
  items: { name: string; spec: LaunchSpec }[],
  credentials: CredentialSet,
): Promise<void> {
  const failing = selected.filter((c) => results.get(c.name)?.error || results.get(c.name)?.stderr?.length);
  if (failing.length === 0) return;
  const [{ redactSecrets, secretsInSpec }, { stripControl }] = await Promise.all([import('../redact-secrets.js'), import('../strip-control.js')]);
  const secrets = items.flatMap((i) => secretsInSpec(i.spec));
  for (const conn of selected) {
    // A secret that could not be had cannot have been sent either.
    if (credentials.error(conn.name)) continue;
    const values = credentials.values(conn.name);
    secrets.push(...Object.values(values.secrets), ...(values.oauthToken ? [values.oauthToken] : []));
  }
  const clean = (text: string) => stripControl(redactSecrets(text, secrets));
  for (const conn of failing) {
    const r = results.get(conn.name)!;
    if (r.error) r.error = clean(r.error);
    if (r.stderr) r.stderr = r.stderr.map(clean);
  }
}

function report(conn: Connection, r: ProbeResult, opts: TestOptions, presetTable?: Record<string, ToolClass>): TestReport {
  const drift = r.status === 'healthy' ? diffTools(conn.health.tools, r.tools) : { added: [], removed: [], changed: [] };
  return {
    name: conn.name,
    status: r.status,
    transport: r.transport ?? null,
    server: r.server ?? null,
    protocolVersion: r.protocolVersion ?? null,
    era: r.era ?? null,
    ...(r.ttlMs !== undefined ? { ttlMs: r.ttlMs } : {}),
    ...(r.cacheScope ? { cacheScope: r.cacheScope } : {}),
    toolCount: r.tools.length,
    latencyMs: r.latencyMs,
    error: r.error ?? null,
    stderr: r.stderr ?? [],
    needsOAuth: Boolean(r.needsOAuth),
    drift,
    ...(opts.tools
      ? { tools: r.tools.map((t) => ({ name: t.name, class: classifyTool(t, presetTable), ...(t.title ? { title: t.title } : {}) })) }
      : {}),
  };
}

/** An unhealthy result keeps the last known tool list: render's filtering still needs it. */
export function toHealth(r: ProbeResult, previous: Health, checkedAt: string): Health {
  const tools: Tool[] | undefined = r.status === 'healthy' ? r.tools : previous.tools;
  return {
    status: r.status,
    checkedAt,
    ...(r.error ? { error: r.error } : {}),
    ...(r.stderr?.length ? { stderr: r.stderr } : {}),
    ...(r.transport ? { transport: r.transport } : {}),
    ...(r.server ? { server: r.server } : {}),
    ...(r.status === 'healthy' && r.capabilities ? { capabilities: r.capabilities } : previous.capabilities ? { capabilities: previous.capabilities } : {}),
    ...(r.status === 'healthy' && r.instructions ? { instructions: r.instructions } : {}),
    ...(r.protocolVersion ? { protocolVersion: r.protocolVersion } : {}),
    ...(r.era ? { era: r.era } : {}),
    ...(r.ttlMs !== undefined ? { ttlMs: r.ttlMs } : {}),
    ...(r.cacheScope ? { cacheScope: r.cacheScope } : {}),
    latencyMs: r.latencyMs,
    ...(tools ? { tools } : {}),
  };
}

function human(rows: TestReport[], opts: TestOptions, deps: Deps): string {
  const lines = [
    table([
      ['NAME', 'HEALTH', 'TRANSPORT', 'PROTOCOL', 'SERVER', 'TOOLS', 'LATENCY'],
      ...rows.map((r) => [
        r.name,
        healthText(r.status, deps.io),
        r.transport ?? '-',
        r.protocolVersion ?? '-',
        r.server ? stripControl(`${r.server.name}${r.server.version ? ` ${r.server.version}` : ''}`) : '-',
        r.status === 'healthy' ? String(r.toolCount) : '-',
        r.latencyMs ? `${r.latencyMs} ms` : '-',
      ]),
    ]),
  ];
  for (const r of rows) {
    if (r.error) {
      lines.push('', `${r.name}: ${stripControl(r.error)}${r.needsOAuth ? ' (the server asks for OAuth sign-in)' : ''}`);
      for (const l of r.stderr) lines.push(`  | ${stripControl(l)}`);
    }
    if (hasDrift(r.drift)) {
      const parts = [
        ...r.drift.added.map((n) => `+${stripControl(n)}`),
        ...r.drift.removed.map((n) => `-${stripControl(n)}`),
        ...r.drift.changed.map((n) => `~${stripControl(n)}`),
      ];
      lines.push('', `${r.name}: tools changed since the last check: ${parts.join(' ')}`);
    }
    if (opts.tools && r.tools?.length) {
      lines.push('', `${r.name} tools:`);
      lines.push(table(r.tools.map((t) => [`  ${stripControl(t.name)}`, t.class])));
    }
  }
  return lines.join('\n');
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('test [names...]')
    .description('Start or dial connections, list their tools, and record their health')
    .option('--all', 'every connection, disabled ones included (default: every enabled one)')
    .option('--timeout <seconds>', `give up on a server after this long (default ${DEFAULT_TIMEOUT_S})`)
    .option('--tools', 'print each tool with its read/write/destructive class')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn test
  $ conn test notion github --tools
  $ conn test --all --timeout 10 --json`)
    .action(async (names: string[], flags: { all?: boolean; timeout?: string; tools?: boolean; json?: boolean }) =>
      run(parseTest(names, flags), await deps({ json: flags.json })),
    );
}
