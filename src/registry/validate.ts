import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from '../errors.js';
import { packageRoot } from '../paths.js';

const SCHEMA_URL = /^https:\/\/static\.modelcontextprotocol\.io\/schemas\/(\d{4}-\d{2}-\d{2})\/server\.schema\.json$/;

/**
 * Checks a server.json against the official JSON Schema its `$schema` names (vendored in
 * schemas/registry/<date>/). One line on failure: the first error, where it is.
 */
export async function validateServerJson(doc: unknown, what: string): Promise<void> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError(`${what}: not a server.json (expected a JSON object)`);
  const declared = (doc as Record<string, unknown>).$schema;
  const date = typeof declared === 'string' ? SCHEMA_URL.exec(declared)?.[1] : undefined;
  const file = date && join(packageRoot(), 'schemas', 'registry', date, 'server.schema.json');
  if (!file || !existsSync(file)) {
    throw new UsageError(`${what}: unknown $schema ${JSON.stringify(String(declared ?? '(none)')).slice(0, 120)}`, 'conn knows the server.json schemas published at https://static.modelcontextprotocol.io/schemas/');
  }
  // ajv is CommonJS: where the bundle puts its class depends on the interop, so look in both places.
  const mod = (await import('ajv')) as unknown as { Ajv?: typeof import('ajv').Ajv; default?: { Ajv?: typeof import('ajv').Ajv } };
  const Ajv = mod.Ajv ?? mod.default?.Ajv;
  if (!Ajv) throw new Error('ajv did not load');
  // Formats (uri, date-time) are not checked: ajv-formats would be one more dependency for no safety.
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  const check = ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  if (!check(doc)) {
    const e = check.errors?.[0];
    const where = e?.instancePath || '(root)';
    throw new UsageError(`${what} does not match its schema (${date}): ${where} ${e?.message ?? 'is invalid'}`.replace(/[\u0000-\u001f\u007f]/g, ' '));
  }
}
