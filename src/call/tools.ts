// Tools as a shell user reads them (signatures), the tool cache `conn test` writes for `conn tools
// --cached`, and the launch spec of one connection for a live session.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tool as McpTool } from '@modelcontextprotocol/client';
import { writeFileAtomic } from '../atomic-write.js';
import type { Connection, Permission, ToolClass } from '../catalog/model.js';
import type { Deps } from '../deps.js';
import type { LaunchSpec } from '../launch/types.js';

/** Server text is untrusted: no control characters (escape sequences) reach the terminal. */
export function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

type Prop = { type?: unknown };

/** `name(a: string, b?: number) [class]  first line of description` */
export function signature(tool: McpTool, cls: ToolClass): string {
  const schema = (tool.inputSchema ?? {}) as { properties?: Record<string, Prop>; required?: string[] };
  const required = new Set(schema.required ?? []);
  const params = Object.entries(schema.properties ?? {}).map(([k, p]) => {
    const type = Array.isArray(p.type) ? p.type.join('|') : typeof p.type === 'string' ? p.type : 'any';
    return `${clean(k)}${required.has(k) ? '' : '?'}: ${clean(type)}`;
  });
  const description = clean((tool.description ?? '').split('\n')[0] ?? '').trim().slice(0, 120);
  return `${clean(tool.name)}(${params.join(', ')})  [${cls}]${description ? `  ${description}` : ''}`;
}

export function toolCachePath(home: string, name: string): string {
  return join(home, 'tools', `${name}.json`);
}

/** What `conn test` saw last, as the server sent it. */
export function writeToolCache(home: string, name: string, tools: McpTool[]): void {
  mkdirSync(join(home, 'tools'), { recursive: true, mode: 0o700 });
  writeFileAtomic(toolCachePath(home, name), `${JSON.stringify(tools)}\n`);
}

export function readToolCache(home: string, name: string): McpTool[] | undefined {
  try {
    return JSON.parse(readFileSync(toolCachePath(home, name), 'utf8')) as McpTool[];
  } catch {
    return undefined;
  }
}

export async function specFor(conn: Connection, deps: Deps, permission: Permission): Promise<{ spec: LaunchSpec; presetTable?: Record<string, ToolClass> }> {
  const [{ presetFor }, { launchSpec }] = await Promise.all([import('../presets/effective.js'), import('../launch/build.js')]);
  const preset = presetFor(conn, await deps.presets());
  // SEP-1024: a registry connection runs only once the user has agreed to what it runs.
  if (conn.registry) await (await import('../registry/consent.js')).ensureConsent([conn], deps.catalog, deps.io.canPrompt ? (q) => deps.prompter.confirm(q) : undefined);
  const credentials = await deps.credentials.resolve([conn], 'resolve');
  const spec = launchSpec(conn, preset, permission, credentials.values(conn.name));
  return { spec, presetTable: preset.tools };
}

/**
 * The credential-like values a launch spec carries (environment and header values, a bearer token
 * also on its own, URL query values), longest first: `conn call` prints what a server sends back,
 * and a server may echo its environment or headers.
 */
export function secretsOf(spec: LaunchSpec): string[] {
  const values = new Set<string>();
  const add = (value: string) => {
    if (value.length >= 6) values.add(value);
    const token = /^[A-Za-z][A-Za-z0-9-]*\s+(\S{6,})$/.exec(value)?.[1];
    if (token) values.add(token);
  };
  if (spec.kind === 'stdio') Object.values(spec.env).forEach(add);
  else {
    Object.values(spec.headers).forEach(add);
    try {
      new URL(spec.url).searchParams.forEach((v) => add(v));
    } catch {
      // not a URL: nothing to take from it
    }
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every one of `secrets` (and its JSON-escaped form) replaced by `[secret]`. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    out = out.split(s).join('[secret]');
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s) out = out.split(escaped).join('[secret]');
  }
  return out;
}
