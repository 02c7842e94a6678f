// Consent before the first run (SEP-1024): a connection added from the MCP Registry runs only after
// the user has seen exactly what it starts (command or URL) and agreed. The agreement is the sha256
// of that description, so a changed command (conn update, conn edit) asks again.
import { createHash } from 'node:crypto';

import type { Connection } from '../catalog/model.js';
import type { CatalogStore } from '../catalog/store.js';
import { OperationError } from '../errors.js';

/** What the connection will run, as the user reviews it (never a secret value: secrets are by name). */
export function describeRun(conn: Connection): string {
  if (conn.kind === 'remote') {
    const header = conn.secrets.includes('token') ? ` with header ${conn.fields.header ?? 'Authorization'} from the keychain` : '';
    return `connect to ${conn.fields.url ?? '(no url)'}${header}`;
  }
  const argv = (conn.command ?? []).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  const env = Object.entries(conn.fields)
    .filter(([k]) => k.startsWith('env.'))
    .map(([k, v]) => `${k.slice(4)}=${JSON.stringify(v)}`);
  const secret = conn.secrets.map((s) => `${s}=(keychain)`);
  const all = [...env, ...secret];
  return `run ${argv}${all.length ? ` with environment ${all.join(' ')}` : ''}`;
}

export function consentDigest(conn: Connection): string {
  return createHash('sha256').update(JSON.stringify([conn.kind, conn.command ?? null, conn.fields, conn.secrets])).digest('hex');
}

export function needsConsent(conn: Connection): boolean {
  return conn.registry !== undefined && conn.registry.consent !== consentDigest(conn);
}

export function consentRefusal(conn: Connection): OperationError {
  return new OperationError(
    `${conn.name} (from the MCP Registry: ${conn.registry?.name}) has not been approved to ${describeRun(conn).replace(/[\u0000-\u001f\u007f]/g, ' ')}`,
    `approve it on a terminal with: conn test ${conn.name} (or add it with conn add ${conn.registry?.name} --yes)`,
  );
}

/**
 * Every connection in `conns` that needs consent is asked about (when `ask` is given: a terminal) and
 * the answer recorded; without `ask` the first one is refused. Connections not from the registry pass.
 */
/** `ask` answers undefined (or is absent) where nobody can be asked: no terminal. */
export async function ensureConsent(conns: Connection[], catalog: CatalogStore, ask?: (question: string) => Promise<boolean | undefined>): Promise<void> {
  for (const conn of conns) {
    if (!needsConsent(conn)) continue;
    const question = `${conn.name} comes from the MCP Registry (${conn.registry!.name} ${conn.registry!.version}). It will ${describeRun(conn).replace(/[\u0000-\u001f\u007f]/g, ' ')}. Run it?`;
    const answer = ask ? await ask(question) : undefined;
    if (answer === undefined) throw consentRefusal(conn);
    if (!answer) throw new OperationError(`${conn.name}: not approved, not run`);
    await recordConsent(catalog, conn.name);
    conn.registry = { ...conn.registry!, consent: consentDigest(conn) };
  }
}

export async function recordConsent(catalog: CatalogStore, name: string): Promise<void> {
  await catalog.update((c) => {
    const current = c.connections[name];
    if (current?.registry) current.registry.consent = consentDigest(current);
  });
}
