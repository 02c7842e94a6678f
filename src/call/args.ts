// Tool arguments from the shell: KEY=VALUE pairs typed by the tool's input schema, or JSON; checked
// against the schema (ajv) before anything is sent, every problem named.
import { UsageError } from '../errors.js';

type Schema = { type?: unknown; properties?: Record<string, Schema>; required?: string[]; [k: string]: unknown };

function typesOf(schema: Schema | undefined): string[] {
  const t = schema?.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}

/** One KEY=VALUE value as the schema's type for KEY wants it: numbers, booleans, JSON for objects and arrays. */
export function typedValue(key: string, raw: string, schema: Schema | undefined): unknown {
  const types = typesOf(schema);
  if (types.includes('string') || types.length === 0) {
    if (types.length === 0 && /^[[{]/.test(raw)) {
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    }
    return raw;
  }
  if ((types.includes('number') || types.includes('integer')) && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (types.includes('null') && raw === 'null') return null;
  if (types.includes('object') || types.includes('array')) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new UsageError(`${key}: not valid JSON for an ${types.includes('object') ? 'object' : 'array'}: ${raw.slice(0, 60)}`);
    }
  }
  // Left as text: the schema check names the mismatch.
  return raw;
}

export function parsePairs(pairs: string[], inputSchema: Schema | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got: ${pair}`, 'conn call <name> <tool> text=hello count=3');
    const key = pair.slice(0, eq);
    args[key] = typedValue(key, pair.slice(eq + 1), inputSchema?.properties?.[key]);
  }
  return args;
}

/** Every way the arguments break the schema, one line each ([] when they fit). */
export async function schemaProblems(inputSchema: unknown, args: Record<string, unknown>): Promise<string[]> {
  const mod = await import('ajv');
  // CommonJS from ESM: the class is the default export's default.
  const Ajv = ((mod.default as unknown as { default?: typeof mod.default }).default ?? mod.default) as unknown as typeof mod.Ajv;
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
  let validate;
  try {
    validate = ajv.compile(inputSchema as object);
  } catch {
    return []; // a schema ajv cannot read: the server judges
  }
  if (validate(args)) return [];
  return (validate.errors ?? []).map((e: import('ajv').ErrorObject) => {
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
    if (e.keyword === 'required') return `missing required argument ${String((e.params as { missingProperty?: string }).missingProperty)}`;
    if (e.keyword === 'additionalProperties') return `unknown argument ${String((e.params as { additionalProperty?: string }).additionalProperty)}`;
    return `${where || 'arguments'} ${e.message ?? 'is invalid'}`;
  });
}

/** Up to three names closest to `name` (edit distance), for "unknown tool". */
export function closest(name: string, names: string[]): string[] {
  return names
    .map((n) => ({ n, d: distance(name.toLowerCase(), n.toLowerCase()) - (n.includes(name) ? 2 : 0) }))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((x) => x.n);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
