import { UsageError } from '../errors.js';
import type { PresetRegistry } from '../presets/registry.js';
import type { Preset } from '../presets/schema.js';
import { isSecretRef, refProblem } from '../secrets/refs.js';
import { secretAccount, type SecretStore } from '../secrets/store.js';
import type { CatalogStore } from './store.js';
import type { Catalog, Connection, EntrySettings } from './model.js';
import { checkFieldValue, ENV_KEY, type FieldProblem } from './fields.js';
import { checkName, slugify } from './names.js';
import { needsConsent } from '../registry/consent.js';

/** Presets whose connections are free-form: their name may not take a built-in preset's id. */
const FREEFORM = new Set(['custom', 'remote', 'http-api']);
/** Path parts that say nothing about the server: a package's entry file and build folders. */
const GENERIC_PATH_PARTS = new Set(['index', 'main', 'cli', 'dist', 'build', 'lib', 'src', 'bin', 'out', 'esm', 'cjs']);

export interface ConnectionDraft {
  name: string;
  preset: Preset;
  fields: Record<string, string>;
  /** Secret values to store (never written to the catalog). */
  secrets: Record<string, string>;
  /** Secret fields that hold a reference (env:VAR, file:/p, op://, vault:) instead of a value. */
  secretRefs: Record<string, string>;
  command?: string[];
  enabled: boolean;
  matchedPreset?: string;
  /** The key agents see when it is not the name (see Connection.key). */
  key?: string;
  transport?: 'http' | 'sse';
  settings?: EntrySettings;
  /** Added from the MCP Registry: its origin (and consent, when given with --yes). */
  registry?: Connection['registry'];
}

/** A default name when --name is not given: the preset id, or something derived for free-form kinds. */
export function defaultName(preset: Preset, fields: Record<string, string>, command?: string[]): string {
  if (preset.id === 'custom' && command?.length) {
    const pkg = command.find((a, i) => i > 0 && !a.startsWith('-')) ?? command[0]!;
    // `…/server-filesystem/dist/index.js` is named for its package, not `index`.
    const parts = pkg.split(/[\\/]/).filter((p) => p && p !== '.' && p !== '..');
    if (parts.length) parts[parts.length - 1] = parts[parts.length - 1]!.replace(/\.(m?js|cjs|py|ts)$/, '');
    while (parts.length > 1 && GENERIC_PATH_PARTS.has(parts[parts.length - 1]!)) parts.pop();
    const base = slugify(parts.pop() ?? '');
    return base && !FREEFORM.has(base) && !GENERIC_PATH_PARTS.has(base) ? base : 'custom-server';
  }
  if ((preset.id === 'remote' || preset.id === 'http-api') && fields.url) {
    try {
      const host = new URL(fields.url).hostname.replace(/^(mcp|api|www)\./, '');
      const slug = slugify(host);
      if (slug) return preset.id === 'http-api' ? `${slug}-api` : slug;
    } catch {
      /* invalid URL is reported by field validation */
    }
  }
  return preset.id;
}

export function checkNewName(name: string, preset: Preset, catalog: Catalog, registry: PresetRegistry): void {
  checkName(name);
  if (FREEFORM.has(preset.id) && registry.builtinIds.has(name)) {
    throw new UsageError(`a ${preset.id} connection cannot be named ${name}: that is a built-in preset id`, 'choose another --name');
  }
  if (Object.hasOwn(catalog.connections, name)) throw new UsageError(`connection ${name} already exists`, `conn edit ${name}, or choose another --name`);
}

/** Validates given fields and secrets against the preset; returns problems (warnings and errors). */
export function checkDraftValues(preset: Preset, fields: Record<string, string>, secrets: Record<string, string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const field = preset.fields.find((f) => f.key === key);
    if (field?.secret) problems.push({ field: key, message: `${key} is secret: pass it with --secret ${key} or --secret-stdin ${key}`, severity: 'error' });
    else {
      const p = checkFieldValue(preset, key, value);
      if (p) problems.push(p);
    }
  }
  for (const [key, value] of Object.entries(secrets)) {
    if (value.includes('\u0000')) {
      problems.push({ field: key, message: `${key} contains a NUL byte`, severity: 'error' });
      continue;
    }
    const unsafe = isSecretRef(value) ? refProblem(value) : undefined;
    if (unsafe) {
      problems.push({ field: key, message: `${key}: ${unsafe}`, severity: 'error' });
      continue;
    }
    if (preset.id === 'custom') {
      if (!ENV_KEY.test(key)) problems.push({ field: key, message: `${JSON.stringify(key)} is not a valid environment variable name`, severity: 'error' });
      continue;
    }
    const field = preset.fields.find((f) => f.key === key);
    if (!field) problems.push({ field: key, message: `preset ${preset.id} has no field ${key}`, severity: 'error' });
    else if (!field.secret) problems.push({ field: key, message: `${key} is not secret: pass it with --set ${key}=VALUE`, severity: 'error' });
    else if (!isSecretRef(value)) {
      const p = checkFieldValue(preset, key, value);
      if (p) problems.push(p);
    }
  }
  return problems;
}

/** Required fields (secret or not) that have no value and no default. */
export function missingFields(preset: Preset, fields: Record<string, string>, secrets: Record<string, string>): string[] {
  return preset.fields
    .filter((f) => f.required && f.default === undefined)
    .filter((f) => (f.secret ? !(f.key in secrets) : !(f.key in fields) || fields[f.key] === ''))
    .map((f) => f.key);
}

/** Splits secret values into stored values and references. */
export function splitRefs(secrets: Record<string, string>): { values: Record<string, string>; refs: Record<string, string> } {
  const values: Record<string, string> = {};
  const refs: Record<string, string> = {};
  for (const [k, v] of Object.entries(secrets)) (isSecretRef(v) ? refs : values)[k] = v;
  return { values, refs };
}

/**
 * Commits a new connection: under the catalog lock, the name is checked again, secrets are written
 * first, then the catalog; if the catalog write fails the secrets just written are removed again.
 * So there is never a connection without its secrets, nor an orphan secret.
 */
export async function commitNewConnection(
  catalog: CatalogStore,
  store: () => Promise<SecretStore>,
  registry: PresetRegistry,
  draft: ConnectionDraft,
  now: Date,
): Promise<Connection> {
  const written: string[] = [];
  const secrets = Object.keys(draft.secrets).length > 0 ? await store() : undefined;
  await secrets?.ready();
  try {
    return await catalog.update(async (c) => {
      checkNewName(draft.name, draft.preset, c, registry);
      for (const [field, value] of Object.entries(draft.secrets)) {
        const account = secretAccount(draft.name, field);
        await secrets!.set(account, value);
        written.push(account);
      }
      const stamp = now.toISOString();
      const conn: Connection = {
        name: draft.name,
        preset: draft.preset.id,
        kind: draft.preset.kind,
        enabled: draft.enabled,
        fields: draft.fields,
        secrets: [...Object.keys(draft.secrets), ...Object.keys(draft.secretRefs)].sort(),
        ...(Object.keys(draft.secretRefs).length ? { secretRefs: draft.secretRefs } : {}),
        ...(draft.command ? { command: draft.command } : {}),
        ...(draft.matchedPreset ? { matchedPreset: draft.matchedPreset } : {}),
        ...(draft.key && draft.key !== draft.name ? { key: draft.key } : {}),
        ...(draft.transport ? { transport: draft.transport } : {}),
        ...(draft.settings && Object.keys(draft.settings).length ? { settings: draft.settings } : {}),
        ...(draft.registry ? { registry: draft.registry } : {}),
        createdAt: stamp,
        updatedAt: stamp,
        health: { status: 'unknown' },
      };
      c.connections[draft.name] = conn;
      return conn;
    });
  } catch (err) {
    for (const account of written) await secrets?.delete(account).catch(() => undefined);
    throw err;
  }
}

export function requireConnection(catalog: Catalog, name: string): Connection {
  const conn = Object.hasOwn(catalog.connections, name) ? catalog.connections[name] : undefined;
  if (!conn) {
    const names = Object.keys(catalog.connections);
    throw new UsageError(`unknown connection: ${name}`, names.length ? `known: ${names.sort().join(', ')}` : 'add one with `conn add <preset>`');
  }
  return conn;
}

/** The JSON shape of a connection in `list --json` / `show --json` (stable; never a secret value). */
export function connectionView(conn: Connection, catalog: Catalog, present?: Set<string>, stored: '(keychain)' | '(file)' = '(keychain)') {
  const secretState = (field: string) => {
    if (conn.secretRefs?.[field]) return `(reference ${conn.secretRefs[field]!.split(':')[0]})`;
    if (!present) return stored;
    return present.has(secretAccount(conn.name, field)) ? stored : '(missing)';
  };
  return {
    name: conn.name,
    preset: conn.preset,
    ...(conn.matchedPreset ? { matchedPreset: conn.matchedPreset } : {}),
    kind: conn.kind,
    enabled: conn.enabled,
    fields: conn.fields,
    secrets: Object.fromEntries(conn.secrets.map((f) => [f, secretState(f)])),
    ...(conn.command ? { command: conn.command } : {}),
    ...(conn.key ? { key: conn.key } : {}),
    ...(conn.transport ? { declaredTransport: conn.transport } : {}),
    ...(conn.settings ? { settings: conn.settings } : {}),
    ...(conn.registry ? { registry: { name: conn.registry.name, version: conn.registry.version, source: conn.registry.source, ...(conn.registry.choice ? { choice: conn.registry.choice } : {}), approved: !needsConsent(conn) } } : {}),
    health: conn.health.status,
    checkedAt: conn.health.checkedAt ?? null,
    error: conn.health.error ?? null,
    ...(conn.oauth ? { oauth: conn.oauth } : {}),
    assignments: catalog.assignments.filter((a) => a.connection === conn.name).length,
    createdAt: conn.createdAt,
    updatedAt: conn.updatedAt,
  };
}

export function assertNoProblems(problems: FieldProblem[], strict: boolean, warn: (t: string) => void): void {
  const errors = problems.filter((p) => p.severity === 'error' || strict);
  if (errors.length) throw new UsageError(errors.map((p) => p.message).join('; '));
  for (const p of problems) warn(p.message);
}
