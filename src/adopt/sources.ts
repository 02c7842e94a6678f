// Agents' own MCP config files: where they live and how to read the server entries out of them.
import { existsSync, readFileSync } from 'node:fs';
import { blockFilesIn } from '../render/block-files.js';
import { basename, dirname, join } from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parse as parseTomlText } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

import type { EntrySettings } from '../catalog/model.js';

import { SOURCES, type Source } from './source-names.js';

export { SOURCES, type Source };

export interface SourceFile {
  path: string;
  source: Source;
  scope: 'project' | 'user';
  /** Claude Code's ~/.claude.json: also read `projects[<this>].mcpServers`. */
  project?: string;
}

/** One server entry as the agent wrote it (values unchanged, references included). */
export interface RawServer {
  /** Its key in the file. */
  name: string;
  transport: 'stdio' | 'http' | 'sse';
  command?: string;
  args: string[];
  env: Record<string, string>;
  url?: string;
  headers: Record<string, string>;
  /** Values named by variable only (Codex `env_vars`, `bearer_token_env_var`, `env_http_headers`): key → VAR. */
  envRefs: { env: Record<string, string>; headers: Record<string, string> };
  /** Path of the entry in the file, for messages (`mcpServers.notion`). */
  where: string;
  disabled: boolean;
  /** The entry's own settings conn keeps (see Connection.settings). */
  settings: EntrySettings;
  /** Keys of the entry conn does not keep, for the import plan (`description`, `trust`). */
  dropped: string[];
}

export class SourceParseError extends Error {
  constructor(readonly file: string, message: string) {
    super(`cannot parse ${file}: ${message}`);
  }
}

/** Project files, relative to the repo root, per agent. */
const PROJECT_FILES: Partial<Record<Source, string[]>> = {
  'claude-code': ['.mcp.json'],
  cursor: ['.cursor/mcp.json'],
  vscode: ['.vscode/mcp.json'],
  gemini: ['.gemini/settings.json'],
  codex: ['.codex/config.toml'],
  opencode: ['opencode.json', 'opencode.jsonc'],
  kiro: ['.kiro/settings/mcp.json'],
  roo: ['.roo/mcp.json'],
  amazonq: ['.amazonq/mcp.json'],
  'mcp-json': ['mcp.json'],
  // The files conn render writes for these agents (Copilot CLI shares Claude Code's .mcp.json).
  'qwen-code': ['.qwen/settings.json'],
  amp: ['.amp/settings.json'],
  kilo: ['kilo.json', 'kilo.jsonc', '.kilo/kilo.json'],
  zed: ['.zed/settings.json'],
  crush: ['.crush.json', 'crush.json'],
  augment: ['.augment/settings.json'],
  junie: ['.junie/mcp/mcp.json'],
};

/** Continue's folder of blocks (one file per server, any name): `conn render` writes conn-NAME.yaml there. */
const CONTINUE_BLOCKS = '.continue/mcpServers';

/**
 * The repo root a project file belongs to and its path inside it (`.cursor/mcp.json`): the root
 * writeSafely checks every folder from, so a symlinked `.cursor/` is refused. A file with no known
 * project path is its own folder's.
 */
export function projectPlace(path: string, source: Source): { root: string; rel: string } {
  if (source === 'continue') {
    const at = path.lastIndexOf(`/${CONTINUE_BLOCKS}/`);
    if (at > 0 && !path.slice(at + CONTINUE_BLOCKS.length + 2).includes('/')) return { root: path.slice(0, at), rel: path.slice(at + 1) };
  }
  for (const rel of PROJECT_FILES[source] ?? []) {
    const tail = `/${rel}`;
    if (path.endsWith(tail) && path.length > tail.length) return { root: path.slice(0, -tail.length), rel };
  }
  return { root: dirname(path), rel: basename(path) };
}

/** The project files of every agent, relative to a repo root: what `conn scan` looks for. */
export function projectFiles(): { file: string; source: Source }[] {
  return (Object.entries(PROJECT_FILES) as [Source, string[]][]).flatMap(([source, files]) => files.map((file) => ({ file, source })));
}

/** The default files for `conn import` with no FILE: project files in `root`, user files under `home`. */
export function defaultSources(root: string, home: string, env: NodeJS.ProcessEnv, only?: Source): SourceFile[] {
  const out: SourceFile[] = [];
  const add = (path: string, source: Source, scope: 'project' | 'user', project?: string) => {
    if ((!only || only === source) && existsSync(path) && !out.some((s) => s.path === path && s.source === source)) {
      out.push({ path, source, scope, ...(project ? { project } : {}) });
    }
  };
  for (const [source, files] of Object.entries(PROJECT_FILES) as [Source, string[]][]) {
    for (const f of files) add(join(root, f), source, 'project');
  }
  for (const name of blockFilesIn(join(root, CONTINUE_BLOCKS))) add(join(root, CONTINUE_BLOCKS, name), 'continue', 'project');
  const appData = env.APPDATA ?? join(home, 'AppData', 'Roaming');
  const xdg = env.XDG_CONFIG_HOME ?? join(home, '.config');
  add(join(home, '.claude.json'), 'claude-code', 'user', root);
  for (const p of [
    join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json'),
    join(appData, 'Claude', 'claude_desktop_config.json'),
    join(xdg, 'Claude', 'claude_desktop_config.json'),
  ]) add(p, 'claude-desktop', 'user');
  add(join(home, '.cursor', 'mcp.json'), 'cursor', 'user');
  for (const product of ['Code', 'Code - Insiders']) {
    add(join(xdg, product, 'User', 'mcp.json'), 'vscode', 'user');
    add(join(home, 'Library', 'Application Support', product, 'User', 'mcp.json'), 'vscode', 'user');
    add(join(appData, product, 'User', 'mcp.json'), 'vscode', 'user');
  }
  add(join(home, '.gemini', 'settings.json'), 'gemini', 'user');
  add(join(home, '.codeium', 'windsurf', 'mcp_config.json'), 'windsurf', 'user');
  add(join(xdg, 'goose', 'config.yaml'), 'goose', 'user');
  for (const base of [xdg, join(home, 'Library', 'Application Support'), appData]) {
    add(join(base, 'Code', 'User', 'globalStorage', 'saoudrizwan.claude-dev', 'settings', 'cline_mcp_settings.json'), 'cline', 'user');
  }
  add(join(env.CODEX_HOME ?? join(home, '.codex'), 'config.toml'), 'codex', 'user');
  if (env.OPENCODE_CONFIG) add(env.OPENCODE_CONFIG, 'opencode', 'user');
  const ocDir = env.OPENCODE_CONFIG_DIR ?? join(xdg, 'opencode');
  add(join(ocDir, 'opencode.json'), 'opencode', 'user');
  add(join(ocDir, 'opencode.jsonc'), 'opencode', 'user');
  add(join(home, '.kiro', 'settings', 'mcp.json'), 'kiro', 'user');
  add(join(home, '.aws', 'amazonq', 'mcp.json'), 'amazonq', 'user');
  return out;
}

/** The agent a file belongs to, from its name and folder; undefined when it cannot tell. */
export function inferSource(path: string): Source | undefined {
  const name = basename(path);
  const dir = basename(dirname(path));
  if (name === '.mcp.json' || name === '.claude.json') return 'claude-code';
  if (/^claude_desktop_config.*\.json$/.test(name)) return 'claude-desktop';
  if (name === 'mcp.json' && dir === 'settings' && basename(dirname(dirname(path))) === '.kiro') return 'kiro';
  if (name === 'mcp.json' && dir === '.roo') return 'roo';
  if (name === 'mcp.json' && (dir === '.amazonq' || dir === 'amazonq')) return 'amazonq';
  if (name === 'mcp.json' && dir === '.cursor') return 'cursor';
  if (name === 'mcp.json' && (dir === '.vscode' || dir === 'User')) return 'vscode';
  if (name === 'settings.json' && dir === '.gemini') return 'gemini';
  if (name.endsWith('.toml') && (dir === '.codex' || name === 'config.toml')) return 'codex';
  if (/^opencode\.jsonc?$/.test(name)) return 'opencode';
  if (name === 'settings.json' && dir === '.qwen') return 'qwen-code';
  if (name === 'settings.json' && dir === '.amp') return 'amp';
  if (/^kilo\.jsonc?$/.test(name)) return 'kilo';
  if (name === 'settings.json' && dir === '.zed') return 'zed';
  if (name === '.crush.json' || name === 'crush.json') return 'crush';
  if (name === 'settings.json' && dir === '.augment') return 'augment';
  if (name === 'mcp.json' && dir === 'mcp' && basename(dirname(dirname(path))) === '.junie') return 'junie';
  if (name === 'mcp_config.json' && dir === 'windsurf') return 'windsurf';
  if (/\.ya?ml$/.test(name) && dir === 'mcpServers' && basename(dirname(dirname(path))) === '.continue') return 'continue';
  if (name === 'cline_mcp_settings.json') return 'cline';
  if (name === 'config.yaml' && dir === 'goose') return 'goose';
  if (name === 'mcp.json') return 'mcp-json';
  return undefined;
}

/** Whether a file is a repo's own (project) file rather than a user-level one. */
export function projectScope(path: string, source: Source, home: string): 'project' | 'user' {
  if (source === 'claude-desktop' || source === 'cline' || source === 'windsurf' || source === 'goose') return 'user';
  if (basename(path) === '.claude.json') return 'user';
  if (['.kiro', '.aws'].some((d) => path.startsWith(join(home, d) + '/'))) return 'user';
  if (dirname(path) === home || dirname(dirname(path)) === home || path.startsWith(join(home, '.config') + '/')) {
    // ~/.cursor/mcp.json, ~/.gemini/settings.json, ~/.codex/config.toml, ~/.config/…
    if (!(dirname(path) === home && source === 'opencode')) return 'user';
  }
  return 'project';
}

export function parseSourceText(text: string, file: SourceFile): RawServer[] {
  if (file.source === 'codex') return codexServers(text, file.path);
  if (file.source === 'continue') return continueServers(text, file.path);
  if (file.source === 'goose') return gooseServers(text, file.path);
  const data = parseJsoncObject(text, file.path);
  switch (file.source) {
    case 'vscode':
      return jsonServers(data, 'servers', file.path);
    case 'opencode':
      return opencodeServers(data, file.path);
    case 'claude-code': {
      const servers = jsonServers(data, 'mcpServers', file.path);
      const projects = data.projects;
      if (file.project && isObject(projects) && isObject(projects[file.project])) {
        const local = jsonServers(projects[file.project] as Record<string, unknown>, 'mcpServers', file.path);
        for (const s of local) servers.push({ ...s, where: `projects[${JSON.stringify(file.project)}].${s.where}` });
      }
      return servers;
    }
    case 'gemini':
    case 'qwen-code':
      return jsonServers(data, 'mcpServers', file.path, true);
    case 'mcp-json':
      // A bare mcp.json: either shape.
      return data.servers !== undefined && data.mcpServers === undefined ? jsonServers(data, 'servers', file.path) : jsonServers(data, 'mcpServers', file.path);
    case 'roo':
      return jsonServers(data, 'mcpServers', file.path, false, 's');
    case 'amp':
      return jsonServers(data, 'amp.mcpServers', file.path);
    case 'kilo':
      return opencodeServers(data, file.path);
    case 'zed':
      return jsonServers(data, 'context_servers', file.path);
    case 'crush':
      return jsonServers(data, 'mcp', file.path);
    default:
      return jsonServers(data, 'mcpServers', file.path);
  }
}

export function readSource(file: SourceFile): RawServer[] {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file.path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return parseSourceText(text, file);
}

function parseJsoncObject(text: string, path: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const errors: ParseError[] = [];
  const data: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length) {
    const line = text.slice(0, errors[0]!.offset).split('\n').length;
    throw new SourceParseError(path, `${printParseErrorCode(errors[0]!.error)} at line ${line}`);
  }
  if (!isObject(data)) throw new SourceParseError(path, 'the top level is not an object');
  return data;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  return out;
}

const noRefs = () => ({ env: {}, headers: {} });

/** Keys that make up the launch itself (read into RawServer's other fields). */
const LAUNCH_KEYS = new Set(['command', 'args', 'env', 'environment', 'url', 'httpUrl', 'serverUrl', 'type', 'headers', 'http_headers', 'disabled', 'enabled', 'env_vars', 'bearer_token_env_var', 'env_http_headers', 'transport']);

/**
 * The settings of one entry conn keeps, and the keys it does not. `timeoutUnit`: Roo writes seconds,
 * the others milliseconds (Codex: `tool_timeout_sec`).
 */
export function settingsOf(entry: Record<string, unknown>, timeoutUnit: 'ms' | 's' = 'ms'): { settings: EntrySettings; dropped: string[] } {
  const settings: EntrySettings = {};
  const dropped: string[] = [];
  const list = (v: unknown) => strings(v);
  for (const [key, value] of Object.entries(entry)) {
    if (LAUNCH_KEYS.has(key)) continue;
    if (key === 'cwd' && typeof value === 'string') settings.cwd = value;
    else if (key === 'envFile' && typeof value === 'string') settings.envFile = value;
    else if (key === 'timeout' && typeof value === 'number' && value > 0) settings.timeout = Math.round(timeoutUnit === 's' ? value * 1000 : value);
    else if (key === 'tool_timeout_sec' && typeof value === 'number' && value > 0) settings.timeout = Math.round(value * 1000);
    else if ((key === 'autoApprove' || key === 'alwaysAllow') && Array.isArray(value)) {
      // An empty list (Cline and Roo write `"alwaysAllow": []` by default) says nothing to keep.
      if (list(value).length) settings.autoApprove = [...new Set([...(settings.autoApprove ?? []), ...list(value)])];
    } else if ((key === 'disabledTools' || key === 'disabled_tools' || key === 'excludeTools') && Array.isArray(value)) {
      if (list(value).length) settings.disabledTools = [...new Set([...(settings.disabledTools ?? []), ...list(value)])];
    } else if (key === 'oauth' && (value === false || isObject(value))) settings.oauth = value as EntrySettings['oauth'];
    else dropped.push(key);
  }
  return { settings, dropped };
}

/** Claude Code, Claude Desktop, Cursor, VS Code and Gemini: `{ command, args, env }` or `{ url, headers }`. */
function jsonServers(data: Record<string, unknown>, key: string, path: string, gemini = false, timeoutUnit: 'ms' | 's' = 'ms'): RawServer[] {
  const servers = data[key];
  if (servers === undefined) return [];
  if (!isObject(servers)) throw new SourceParseError(path, `"${key}" is not an object`);
  const out: RawServer[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (!isObject(entry)) continue;
    const type = typeof entry.type === 'string' ? entry.type.toLowerCase() : undefined;
    // Gemini: `httpUrl` is Streamable HTTP, `url` is SSE.
    const url = typeof entry.httpUrl === 'string' ? entry.httpUrl : typeof entry.url === 'string' ? entry.url : typeof entry.serverUrl === 'string' ? entry.serverUrl : undefined;
    const geminiSse = gemini && typeof entry.httpUrl !== 'string' && type !== 'http';
    const transport: RawServer['transport'] = typeof entry.command === 'string' ? 'stdio' : type === 'sse' || geminiSse ? 'sse' : 'http';
    const { settings, dropped } = settingsOf(entry, timeoutUnit);
    out.push({
      settings,
      dropped,
      name,
      transport,
      command: typeof entry.command === 'string' ? entry.command : undefined,
      args: strings(entry.args),
      env: stringMap(entry.env),
      url: transport === 'stdio' ? undefined : url,
      headers: stringMap(entry.headers),
      envRefs: noRefs(),
      where: `${key}.${name}`,
      disabled: entry.disabled === true,
    });
  }
  return out;
}

/** opencode: `mcp.NAME = { type: local, command: [..], environment } | { type: remote, url, headers }`. */
function opencodeServers(data: Record<string, unknown>, path: string): RawServer[] {
  const servers = data.mcp;
  if (servers === undefined) return [];
  if (!isObject(servers)) throw new SourceParseError(path, '"mcp" is not an object');
  const out: RawServer[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (!isObject(entry)) continue;
    const command = strings(entry.command);
    const local = entry.type === 'local' || command.length > 0;
    out.push({
      ...settingsOf(entry),
      name,
      transport: local ? 'stdio' : 'http',
      command: local ? command[0] : undefined,
      args: local ? command.slice(1) : [],
      env: stringMap(entry.environment),
      url: local ? undefined : typeof entry.url === 'string' ? entry.url : undefined,
      headers: stringMap(entry.headers),
      envRefs: noRefs(),
      where: `mcp.${name}`,
      disabled: entry.enabled === false,
    });
  }
  return out;
}

/** Codex: `[mcp_servers.NAME]` with command/args/env, or url/http_headers/bearer_token_env_var/env_http_headers. */
function codexServers(text: string, path: string): RawServer[] {
  let data: Record<string, unknown>;
  try {
    data = parseToml(text);
  } catch (err) {
    throw new SourceParseError(path, (err as Error).message.split('\n')[0]!);
  }
  const servers = data.mcp_servers;
  if (servers === undefined) return [];
  if (!isObject(servers)) throw new SourceParseError(path, '"mcp_servers" is not a table');
  const out: RawServer[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (!isObject(entry)) continue;
    const stdio = typeof entry.command === 'string';
    const envRefs = { env: {} as Record<string, string>, headers: {} as Record<string, string> };
    for (const v of strings(entry.env_vars)) envRefs.env[v] = v;
    if (typeof entry.bearer_token_env_var === 'string') envRefs.headers.Authorization = entry.bearer_token_env_var;
    Object.assign(envRefs.headers, stringMap(entry.env_http_headers));
    out.push({
      ...settingsOf(entry),
      name,
      transport: stdio ? 'stdio' : 'http',
      command: stdio ? (entry.command as string) : undefined,
      args: strings(entry.args),
      env: stringMap(entry.env),
      url: stdio ? undefined : typeof entry.url === 'string' ? entry.url : undefined,
      headers: stringMap(entry.http_headers),
      envRefs,
      where: `mcp_servers.${name}`,
      disabled: entry.enabled === false,
    });
  }
  return out;
}

/** A YAML file's top-level mapping; undefined when the file is empty. */
function yamlMapping(text: string, path: string): Record<string, unknown> | undefined {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new SourceParseError(path, (err as Error).message.split('\n')[0]!);
  }
  if (data === null || data === undefined) return undefined;
  if (!isObject(data)) throw new SourceParseError(path, 'the top level is not a mapping');
  return data;
}

/** Continue: a block file whose `mcpServers` is a list of `{ name, command, args, env }` or `{ name, type, url, requestOptions.headers }`. */
function continueServers(text: string, path: string): RawServer[] {
  const data = yamlMapping(text, path);
  if (!data) return [];
  const servers = data.mcpServers;
  if (servers === undefined || servers === null) return [];
  if (!Array.isArray(servers)) throw new SourceParseError(path, '"mcpServers" is not a list');
  const out: RawServer[] = [];
  servers.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.name !== 'string') return;
    const stdio = typeof entry.command === 'string';
    const options = isObject(entry.requestOptions) ? entry.requestOptions : {};
    out.push({
      name: entry.name,
      transport: stdio ? 'stdio' : entry.type === 'sse' ? 'sse' : 'http',
      command: stdio ? (entry.command as string) : undefined,
      args: strings(entry.args),
      env: stringMap(entry.env),
      url: stdio ? undefined : typeof entry.url === 'string' ? entry.url : undefined,
      headers: stringMap(options.headers),
      envRefs: noRefs(),
      where: `mcpServers[${i}]`,
      disabled: false,
      settings: {},
      dropped: [],
    });
  });
  return out;
}

/** Goose: `extensions.NAME` with `type` stdio (`cmd`, `args`, `envs`) or streamable_http/sse (`uri`, `headers`); builtins skipped. */
function gooseServers(text: string, path: string): RawServer[] {
  const data = yamlMapping(text, path);
  if (!data) return [];
  const servers = data.extensions;
  if (servers === undefined || servers === null) return [];
  if (!isObject(servers)) throw new SourceParseError(path, '"extensions" is not a mapping');
  const out: RawServer[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (!isObject(entry) || (typeof entry.cmd !== 'string' && typeof entry.uri !== 'string')) continue;
    const stdio = typeof entry.cmd === 'string';
    out.push({
      name,
      transport: stdio ? 'stdio' : entry.type === 'sse' ? 'sse' : 'http',
      command: stdio ? (entry.cmd as string) : undefined,
      args: strings(entry.args),
      env: stringMap(entry.envs),
      url: stdio ? undefined : (entry.uri as string),
      headers: stringMap(entry.headers),
      envRefs: noRefs(),
      where: `extensions.${name}`,
      disabled: entry.enabled === false,
      settings: {},
      dropped: [],
    });
  }
  return out;
}

function parseToml(text: string): Record<string, unknown> {
  return parseTomlText(text) as Record<string, unknown>;
}
