import { hasPlaceholder, replacePlaceholders, type LaunchSpec, type RemoteSpec, type StdioSpec } from '../../launch/types.js';
import { UnsupportedEntryError } from './errors.js';
import type { RenderedEntry } from './types.js';

/** The spec of an entry as a writer can render it: `http-api` must have become its `conn serve` bridge. */
export function writableSpec(entry: RenderedEntry): StdioSpec | RemoteSpec {
  const spec: LaunchSpec = entry.spec;
  if (spec.kind === 'http-api') {
    throw new Error(`internal: ${entry.name} is an http-api spec; render its conn serve bridge (a stdio spec) instead`);
  }
  return spec;
}

/** The same spec with every secret placeholder written in an agent's own reference syntax. */
export function withReferences<T extends StdioSpec | RemoteSpec>(spec: T, ref: (envVar: string) => string): T {
  const r = (s: string) => replacePlaceholders(s, ref);
  if (spec.kind === 'stdio') {
    return { ...spec, command: r(spec.command), args: spec.args.map(r), env: mapValues(spec.env, r) };
  }
  return { ...spec, url: r(spec.url), headers: mapValues(spec.headers, r) };
}

export function mapValues(obj: Record<string, string>, fn: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

/** `auto` (Streamable HTTP first) is written as `http`: no agent file can say "fall back to SSE". */
export function remoteType(spec: RemoteSpec): 'http' | 'sse' {
  return spec.transport === 'sse' ? 'sse' : 'http';
}

/** Adds `key: value` only when the map is not empty, keeping entries free of `{}` noise. */
export function nonEmpty<T extends Record<string, unknown>>(key: string, value: T): Record<string, T> {
  return Object.keys(value).length > 0 ? { [key]: value } : {};
}

export function nonEmptyList(key: string, value: string[]): Record<string, string[]> {
  return value.length > 0 ? { [key]: [...value] } : {};
}

/** How Claude Code and opencode turn a server or tool name into part of a tool id. */
export function toolIdPart(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/**
 * For agents that expand no reference (Kilo, Zed…): the spec as is, refused when a secret reference
 * is left in it (render refuses `--secrets env` for them first; this guards every other way in).
 */
export function withoutReferences<T extends StdioSpec | RemoteSpec>(spec: T, agent: string, name: string): T {
  const values = spec.kind === 'stdio' ? [spec.command, ...spec.args, ...Object.values(spec.env)] : [spec.url, ...Object.values(spec.headers)];
  if (values.some(hasPlaceholder)) {
    throw new UnsupportedEntryError(`${agent} expands no environment reference in its project file, so ${name} cannot reference its secret`, `render with --secrets proxy or inline for ${agent}`);
  }
  return spec;
}
