import { parse, stringify, TomlError } from 'smol-toml';
import { hasPlaceholder, wholePlaceholder } from '../../launch/types.js';
import type { AgentWriter, RenderedEntry } from './types.js';
import { MalformedFileError, UnsupportedEntryError } from './errors.js';
import { sameJson } from './jsonc-edit.js';
import { isBlankOrComment, tomlSections } from './toml-sections.js';
import { nonEmpty, nonEmptyList, writableSpec } from './spec-parts.js';
import { entrySettings } from './settings.js';

const FILE = '.codex/config.toml';
const PROXY_HINT = 'render with --secrets proxy (or inline) for codex';

/**
 * `.codex/config.toml`: one `[mcp_servers.NAME]` table per entry (`env` and header maps as
 * sub-tables), denied tools in `disabled_tools`. Codex expands no `${VAR}`: in `env` mode a secret
 * can only be named by variable: `bearer_token_env_var` for `Authorization: Bearer <secret>`,
 * `env_http_headers` for a header that is the secret, and `env_vars` for a stdio variable, which
 * Codex forwards only under its own name (so it is refused when the server expects another name).
 * Codex has no SSE client.
 */
export const codex: AgentWriter = {
  agent: 'codex',
  file: FILE,
  toolFilter: 'entry',

  serverNames(text) {
    return Object.keys(serversOf(parseToml(text)));
  },

  merge(existing, set, remove) {
    const original = existing ?? '';
    serversOf(parseToml(original));
    const blocks = new Map(set.map((e) => [e.name, codexEntry(e)]));
    const touched = new Set([...blocks.keys(), ...remove]);

    const hadFinalNewline = original === '' || original.endsWith('\n');
    const lines = original.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const cr = original.includes('\r\n') ? '\r' : '';

    // Each touched entry's sections, with adjacent ones (only blanks/comments between) joined.
    const regions = new Map<string, { start: number; end: number }[]>();
    for (const s of tomlSections(lines)) {
      const [top, name] = s.path;
      if (top !== 'mcp_servers' || name === undefined || !touched.has(name)) continue;
      const list = regions.get(name) ?? [];
      const last = list[list.length - 1];
      if (last && lines.slice(last.end, s.start).every(isBlankOrComment)) last.end = s.end;
      else list.push({ start: s.start, end: s.end });
      regions.set(name, list);
    }

    const edits: { start: number; end: number; lines: string[] }[] = [];
    for (const [name, list] of regions) {
      const block = blocks.get(name);
      list.forEach((r, k) => edits.push({ ...r, lines: k === 0 && block ? blockLines(name, block, cr) : [] }));
    }
    const removedAtEnd = edits.some((e) => e.lines.length === 0 && lines.slice(e.end).every((l) => l.trim() === ''));
    edits.sort((a, b) => b.start - a.start);
    for (const e of edits) {
      lines.splice(e.start, e.end - e.start, ...e.lines);
      if (e.lines.length === 0) {
        // A removed section leaves no doubled blank line behind.
        while (lines[e.start] !== undefined && lines[e.start]!.trim() === '' && (e.start === 0 || lines[e.start - 1]!.trim() === '')) {
          lines.splice(e.start, 1);
        }
      }
    }
    while (removedAtEnd && lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();

    for (const entry of [...set].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (regions.has(entry.name)) continue;
      if (lines.length > 0 && lines[lines.length - 1]!.trim() !== '') lines.push(cr);
      lines.push(...blockLines(entry.name, blocks.get(entry.name)!, cr));
    }

    const body = lines.join('\n');
    const text = body === '' ? '' : body + '\n';
    checkResult(text, blocks, remove);
    if (existing !== null && body + (hadFinalNewline && lines.length > 0 ? '\n' : '') === existing) return existing;
    return text;
  },

  denyRules() {
    return [];
  },

  trustNote: 'Codex reads .codex/config.toml only for trusted projects: trust this repo in ~/.codex/config.toml ([projects."<path>"] trust_level = "trusted")',
};

/** The `[mcp_servers.NAME]` table (as a plain object) Codex reads for one entry. */
export function codexEntry(entry: RenderedEntry): Record<string, unknown> {
  const spec = writableSpec(entry);
  const { name } = entry;
  // `enabled_tools` where the assignment names the tools (an allow list keeps later tools out).
  const disabled = entry.allowedTools?.length ? { enabled_tools: entry.allowedTools } : nonEmptyList('disabled_tools', entry.deniedTools);
  if (spec.kind === 'stdio') {
    if (hasPlaceholder(spec.command) || spec.args.some(hasPlaceholder)) {
      throw new UnsupportedEntryError(`codex cannot put a secret reference in the command line of ${name}`, PROXY_HINT);
    }
    const env: Record<string, string> = {};
    const envVars: string[] = [];
    for (const [key, value] of Object.entries(spec.env)) {
      if (!hasPlaceholder(value)) {
        env[key] = value;
        continue;
      }
      const variable = wholePlaceholder(value);
      if (variable !== key) {
        throw new UnsupportedEntryError(
          `codex cannot pass a secret to ${name} as ${key}: codex forwards an environment variable only under its own name (env_vars), and conn exports it as ${variable ?? 'part of a value'}`,
          PROXY_HINT,
        );
      }
      envVars.push(key);
    }
    for (const key of spec.passEnv ?? []) if (!envVars.includes(key) && !(key in env)) envVars.push(key);
    return { command: spec.command, args: spec.args, ...entrySettings('codex', entry, 'stdio'), ...nonEmptyList('env_vars', envVars), ...disabled, ...nonEmpty('env', env) };
  }

  if (spec.transport === 'sse') {
    throw new UnsupportedEntryError(`codex does not support SSE servers (${name})`, 'render with --secrets proxy: conn serve bridges it over stdio');
  }
  if (hasPlaceholder(spec.url)) {
    throw new UnsupportedEntryError(`codex cannot put a secret reference in the URL of ${name}`, PROXY_HINT);
  }
  const headers: Record<string, string> = {};
  const envHeaders: Record<string, string> = {};
  let bearer: string | undefined;
  for (const [key, value] of Object.entries(spec.headers)) {
    if (!hasPlaceholder(value)) {
      headers[key] = value;
      continue;
    }
    const bearerVar = /^bearer /i.test(value) ? wholePlaceholder(value.slice('bearer '.length)) : undefined;
    const variable = wholePlaceholder(value);
    if (key.toLowerCase() === 'authorization' && bearerVar && bearer === undefined) bearer = bearerVar;
    else if (variable) envHeaders[key] = variable;
    else {
      throw new UnsupportedEntryError(
        `codex cannot build the ${key} header of ${name} from a secret reference: only "Bearer <secret>" on Authorization or a header that is exactly the secret can be`,
        PROXY_HINT,
      );
    }
  }
  return {
    url: spec.url,
    ...(bearer ? { bearer_token_env_var: bearer } : {}),
    ...entrySettings('codex', entry, 'remote'),
    ...disabled,
    ...nonEmpty('http_headers', headers),
    ...nonEmpty('env_http_headers', envHeaders),
  };
}

function blockLines(name: string, entry: Record<string, unknown>, cr: string): string[] {
  return stringify({ mcp_servers: { [name]: entry } })
    .trimEnd()
    .split('\n')
    .map((l) => l + cr);
}

function parseToml(text: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const what = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new MalformedFileError(FILE, `${what} at line ${err.line} column ${err.column}`);
    }
    throw err;
  }
}

function serversOf(doc: Record<string, unknown>): Record<string, unknown> {
  const servers = doc.mcp_servers;
  if (servers === undefined) return {};
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers) || servers instanceof Date) {
    throw new MalformedFileError(FILE, 'mcp_servers is not a table');
  }
  return servers as Record<string, unknown>;
}

/**
 * The edit worked on whole `[mcp_servers.NAME]` sections; an entry written another way (an inline
 * table, dotted keys under `[mcp_servers]`) would survive it or clash with it: refuse, file untouched.
 */
function checkResult(text: string, blocks: Map<string, Record<string, unknown>>, remove: string[]): void {
  let servers: Record<string, unknown>;
  try {
    servers = serversOf(parse(text) as Record<string, unknown>);
  } catch {
    servers = {};
  }
  const stray = [...remove.filter((n) => !blocks.has(n) && n in servers), ...[...blocks].filter(([n, e]) => !sameJson(servers[n], e)).map(([n]) => n)];
  if (stray.length > 0) {
    throw new UnsupportedEntryError(
      `cannot edit mcp_servers.${stray[0]} in ${FILE}: it is not written as its own [mcp_servers.${stray[0]}] table`,
      `move it into a [mcp_servers.${stray[0]}] table, or remove it`,
    );
  }
}
