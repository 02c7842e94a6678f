import type { Command } from 'commander';
import { stripControl } from '../strip-control.js';
import { connectionView, requireConnection } from '../catalog/connections.js';
import type { Deps } from '../deps.js';
import { OperationError } from '../errors.js';
import { secretAccount, storedSecretFields } from '../secrets/store.js';
import { healthText } from '../ui/format.js';
import { table } from '../ui/layout.js';
import type { DepsFactory } from './types.js';

export interface ShowOptions {
  name: string;
}

export async function run(opts: ShowOptions, deps: Deps): Promise<void> {
  const catalog = await deps.catalog.read();
  const conn = requireConnection(catalog, opts.name);
  let present: Set<string> | undefined;
  let label: '(keychain)' | '(file)' = '(keychain)';
  const stored = storedSecretFields(conn);
  if (stored.length) {
    try {
      const store = await deps.secrets();
      if (store.kind === 'file') label = '(file)';
      // Which items exist, from the list of accounts: no secret value is read to show a connection.
      present = new Set(await store.list());
    } catch (err) {
      if (!(err instanceof OperationError)) throw err;
      deps.io.warn(`cannot check secrets: ${err.message}`);
    }
  }
  const view = connectionView(conn, catalog, present, label);
  const tools = conn.health.tools?.map((t) => t.name);
  const oauthClient = conn.kind === 'remote' ? oauthClientOf(conn.fields, conn.secrets) : null;
  deps.io.result({ ...view, transport: conn.health.transport ?? null, server: conn.health.server ?? null, tools: tools ?? null, oauthClient }, (v) => {
    // One aligned column of values, field and secret names included (they can be longer than the labels).
    const rows: string[][] = [
      ['preset:', `${v.preset}${v.matchedPreset ? ` (matches ${v.matchedPreset})` : ''}`],
      ['kind:', v.kind],
      ...(v.key ? [['key:', `${v.key} (the entry agents see)`]] : []),
      ...(v.declaredTransport ? [['transport:', `${v.declaredTransport} (declared)`]] : []),
      ['enabled:', v.enabled ? 'yes' : 'no'],
      ['health:', `${healthText(v.health, deps.io, v.oauth?.state)}${v.checkedAt ? ` (checked ${v.checkedAt})` : ''}`],
    ];
    if (v.error) rows.push(['error:', stripControl(v.error)]);
    if (v.server) rows.push(['server:', `${stripControl(`${v.server.name}${v.server.version ? ` ${v.server.version}` : ''}`)} over ${v.transport}`]);
    if (v.registry) rows.push(['registry:', `${v.registry.name} ${v.registry.version} (${v.registry.choice ?? ''} from ${v.registry.source}${v.registry.approved ? '' : ', not yet approved to run'})`]);
    if (v.command) rows.push(['command:', v.command.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')]);
    for (const [k, value] of Object.entries(v.fields)) rows.push([`${k}:`, value]);
    for (const [k, state] of Object.entries(v.secrets)) rows.push([`${k}:`, state]);
    for (const [k, value] of Object.entries(v.settings ?? {})) if (k !== 'inputs') rows.push([`${k}:`, `${typeof value === 'string' ? stripControl(value) : JSON.stringify(value)} (${k === 'cwd' ? 'its server starts here, on purpose' : 'entry setting'})`]);
    if (v.oauthClient && (v.oauth || v.oauthClient.identity !== 'dynamic')) rows.push(['oauth client:', oauthClientText(v.oauthClient)]);
    if (v.tools) rows.push(['tools:', `${v.tools.length} (${v.tools.slice(0, 8).map((t) => stripControl(t)).join(', ')}${v.tools.length > 8 ? ', …' : ''})`]);
    rows.push(['assignments:', v.assignments === 0 ? 'none (global: every repo and agent, full)' : String(v.assignments)]);
    const lines = [`${v.name}`, table(rows.map(([k, val]) => [`  ${k}`, val!]), 1)];
    return lines.join('\n');
  });
}

/** Which OAuth client identity `conn connect` uses (README: precedence), for `conn show` and its --json. */
export interface OAuthClientView {
  grant: 'authorization_code' | 'client_credentials';
  /** pre-registered (client_id) > metadata-document (client_metadata_url, where supported) > dynamic registration. */
  identity: 'pre-registered' | 'metadata-document' | 'dynamic';
  clientId: string | null;
  /** client_credentials only: how the client authenticates. */
  credential: 'client_secret' | 'private_key' | null;
}

function oauthClientOf(fields: Record<string, string>, secrets: string[]): OAuthClientView {
  const grant = fields.grant === 'client_credentials' ? 'client_credentials' : 'authorization_code';
  const identity = fields.client_id ? 'pre-registered' : fields.client_metadata_url ? 'metadata-document' : 'dynamic';
  const credential = grant !== 'client_credentials' ? null : secrets.includes('private_key') ? 'private_key' : secrets.includes('client_secret') ? 'client_secret' : null;
  return { grant, identity, clientId: fields.client_id ?? fields.client_metadata_url ?? null, credential };
}

function oauthClientText(c: OAuthClientView): string {
  const who =
    c.identity === 'pre-registered'
      ? `pre-registered client ${stripControl(c.clientId ?? '')}`
      : c.identity === 'metadata-document'
        ? `client metadata document ${stripControl(c.clientId ?? '')} (dynamic registration where the server lacks support)`
        : 'dynamic client registration';
  return c.grant === 'client_credentials' ? `${who}, client_credentials grant with ${c.credential ?? 'no credential: set client_secret or private_key'}` : who;
}

export function register(program: Command, deps: DepsFactory): void {
  program
    .command('show <name>')
    .description('Show one connection; secret values are never shown, only (keychain) or (missing)')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ conn show notion
  $ conn show notion --json`)
    .action(async (name: string, flags: { json?: boolean }) => run({ name }, await deps({ json: flags.json })));
}
