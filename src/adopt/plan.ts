// The import plan: each server entry found in an agent's file → the connection conn would create
// (preset matched by package or URL, fields, which values go to the keychain and why), or the reason
// it cannot be imported. Nothing here writes anything.
import { checkDraftValues, defaultName } from '../catalog/connections.js';
import { checkUrl, ENV_KEY } from '../catalog/fields.js';
import { ENTRY_KEY, type Catalog, type Connection, type EntrySettings } from '../catalog/model.js';
import { AGENTS, type Agent } from '../catalog/constants.js';
import { slugify } from '../catalog/names.js';
import { launchSpec } from '../launch/build.js';
import { matchRemoteUrl } from '../presets/match.js';
import type { PresetRegistry } from '../presets/registry.js';
import type { Preset } from '../presets/schema.js';
import { secretAccount } from '../secrets/store.js';
import { canDisable as agentCanDisable, DEFAULT_SYNTAX, SETTING_KEYS } from '../render/agents/settings.js';
import { argValues, containsReference, detectSecret, inputReference, reference, referencedVar, type DetectContext } from './secrets-detect.js';
import type { RawServer, Source, SourceFile } from './sources.js';
import { templateFields, WHOLE_TEMPLATE_REF } from '../presets/template.js';

const FREEFORM = new Set(['custom', 'remote', 'http-api']);

/** How one secret field will be kept: a keychain value (never shown) or a reference. */
export interface SecretPlan {
  field: string;
  /**
   * `keychain`: the value moves into the keychain; `reference`: stored as `ref`, resolved at use time;
   * `missing`: the file asked for it (`${input:id}`): conn asks on a terminal, else the user sets it.
   */
  store: 'keychain' | 'reference' | 'missing';
  ref?: string;
  reason: string;
}

export interface ImportItem {
  file: string;
  source: Source;
  scope: 'project' | 'user';
  /** The entry's name in the agent's file. */
  entry: string;
  where: string;
  /** The connection name (collisions get -2, -3…). */
  name: string;
  preset: Preset;
  matchedPreset?: string;
  /** How the preset was recognised: `package @notionhq/notion-mcp-server`, `url https://mcp.linear.app/mcp`. */
  match?: string;
  fields: Record<string, string>;
  /** Secret values (only ever written to the secret store). */
  secrets: Record<string, string>;
  secretRefs: Record<string, string>;
  secretPlan: SecretPlan[];
  command?: string[];
  enabled: boolean;
  /** The entry's key kept for agents when the connection name differs (see Connection.key). */
  key?: string;
  transport?: 'http' | 'sse';
  settings: EntrySettings;
  /** Secret fields with no value here (a VS Code `${input:id}`): asked for, or listed as still missing. */
  missing: string[];
  notes: string[];
  /** Why this entry is not imported (nothing is created for it). */
  skip?: string;
}

/** Which names presets declare secret (and plain), for the detector. */
export function detectContext(registry: PresetRegistry): DetectContext {
  const secretNames = new Map<string, string>();
  const plainNames = new Set<string>();
  for (const preset of registry.all()) {
    if (FREEFORM.has(preset.id)) continue;
    const secret = new Set(preset.fields.filter((f) => f.secret).map((f) => f.key));
    for (const f of preset.fields) (f.secret ? secretNames.set(f.key, preset.id) : plainNames.add(f.key));
    const maps = { ...preset.launch?.env, ...preset.remote?.headers };
    for (const [name, template] of Object.entries(maps)) {
      const refs = templateFields(template);
      if (refs.some((r) => secret.has(r))) secretNames.set(name, preset.id);
      else if (refs.length) plainNames.add(name);
    }
  }
  for (const name of secretNames.keys()) plainNames.delete(name);
  return { secretNames, plainNames };
}

/** `@scope/pkg@1.2.3` → `@scope/pkg`, `ghcr.io/x/y:tag` → `ghcr.io/x/y`; and the version/tag. */
export function splitVersion(arg: string): { base: string; version?: string } {
  const npm = /^(@?[^@\s]+)@([^@/\s]+)$/.exec(arg);
  if (npm && !arg.includes('://')) return { base: npm[1]!, version: npm[2]! };
  const docker = /^([a-z0-9.-]+(?::[0-9]+)?\/[^:\s]+):([\w.-]+)$/.exec(arg);
  if (docker) return { base: docker[1]!, version: docker[2]! };
  return { base: arg };
}

/** The package (or image) a stdio preset launches: what identifies it in someone else's config. */
export function presetPackage(preset: Preset): string | undefined {
  const launch = preset.launch;
  if (!launch || FREEFORM.has(preset.id) || launch.command.includes('{{')) return undefined;
  const plain = launch.args.filter((a, i) => !a.startsWith('-') && !a.includes('{{') && !(launch.args[i - 1] ?? '').match(/^-(e|v|p)$/));
  if (launch.command === 'docker') return plain.filter((a) => a !== 'run').pop();
  return plain[0] ?? launch.command;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Values of the `{{FIELD}}`s in `template` when `value` has its shape; undefined otherwise. */
export function extractTemplate(template: string, value: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template
    .split(/(\{\{[A-Za-z_][A-Za-z0-9_]*\}\})/)
    .map((part) => {
      const m = WHOLE_TEMPLATE_REF.exec(part);
      if (!m) return escapeRe(part);
      names.push(m[1]!);
      return '([\\s\\S]+?)';
    })
    .join('');
  const m = new RegExp(`^${pattern}$`, 'i').exec(value);
  if (!m) return undefined;
  return Object.fromEntries(names.map((n, i) => [n, m[i + 1]!]));
}

function normalizeArgs(command: string, args: string[], dockerEnv: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (command === 'npx' && (a === '-y' || a === '--yes')) continue;
    // docker's `-e VAR` forwards VAR only when it is set: the preset's own forwards are no difference.
    if (command === 'docker' && a === '-e' && dockerEnv.has(args[i + 1] ?? '')) {
      i++;
      continue;
    }
    out.push(splitVersion(a).base);
  }
  return out;
}

/** Variables a docker preset forwards with `-e VAR`. */
function dockerForwards(preset: Preset): Set<string> {
  const args = preset.launch?.args ?? [];
  return new Set(args.filter((_, i) => args[i - 1] === '-e'));
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

interface Mapped {
  fields: Record<string, string>;
  /** Secret fields → the value exactly as the file had it (a reference included). */
  secretValues: Record<string, string>;
}

/** Fields for `preset` recovered from a stdio entry's env and args; undefined when something does not fit. */
function mapStdio(preset: Preset, server: RawServer): Mapped | undefined {
  const launch = preset.launch!;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(server.env)) {
    const template = launch.env[key];
    if (template === undefined) return undefined;
    const got = extractTemplate(template, value);
    if (!got) return undefined;
    Object.assign(values, got);
  }
  for (const [key, v] of Object.entries(server.envRefs.env)) {
    const m = launch.env[key] && WHOLE_TEMPLATE_REF.exec(launch.env[key]!);
    if (!m) return undefined;
    values[m[1]!] = `\${${v}}`;
  }
  // Args: literal ones must be there; templated ones give their field's value.
  const rest = normalizeArgs(server.command!, server.args);
  const whole: string[] = [];
  for (const template of launch.args) {
    if (!template.includes('{{')) continue;
    if (WHOLE_TEMPLATE_REF.test(template)) {
      whole.push(template.slice(2, -2));
      continue;
    }
    for (const arg of rest) {
      const got = extractTemplate(template, arg);
      if (got) Object.assign(values, got);
    }
  }
  if (whole.length) {
    const literal = new Set([launch.command, ...normalizeArgs(launch.command, launch.args)]);
    const positional = rest.filter((a) => !literal.has(a) && !a.startsWith('-'));
    whole.forEach((field, i) => {
      if (positional[i] !== undefined) values[field] = positional[i]!;
    });
  }
  const fields: Record<string, string> = {};
  const secretValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const field = preset.fields.find((f) => f.key === key);
    if (!field) return undefined;
    if (field.secret) secretValues[key] = value;
    else if (field.default === undefined || field.default !== value) fields[key] = value;
  }
  return { fields, secretValues };
}

/** Builds the preset's launch spec from the mapped fields and checks it reproduces the entry. */
async function reproduces(preset: Preset, mapped: Mapped, server: RawServer): Promise<boolean> {
  const probe: Connection = {
    name: 'import-check',
    preset: preset.id,
    kind: preset.kind,
    enabled: true,
    fields: mapped.fields,
    secrets: Object.keys(mapped.secretValues),
    createdAt: '',
    updatedAt: '',
    health: { status: 'unknown' },
  };
  try {
    const spec = launchSpec(probe, preset, 'full', { secrets: mapped.secretValues });
    if (spec.kind !== 'stdio') return false;
    const env = { ...server.env, ...Object.fromEntries(Object.keys(server.envRefs.env).map((k) => [k, spec.env[k] ?? ''])) };
    return (
      spec.command === server.command &&
      normalizeArgs(spec.command, spec.args, dockerForwards(preset)).join('\u0000') === normalizeArgs(server.command!, server.args, dockerForwards(preset)).join('\u0000') &&
      sameRecord(spec.env, env)
    );
  } catch {
    return false;
  }
}

/** A secret field's value → keychain value or `env:VAR` reference, with the reason shown to the user. */
function placeSecret(item: ImportItem, field: string, value: string, reason: string): void {
  const ref = reference(value);
  const input = inputReference(value);
  if (ref) {
    const to = ref.fallback === undefined ? `env:${ref.name}` : `env:${ref.name}:-${ref.fallback}`;
    item.secretRefs[field] = to;
    item.secretPlan.push({ field, store: 'reference', ref: to, reason: `already a reference (${value.trim()})` });
    if (ref.fallback !== undefined) {
      item.notes.push(`${ref.name}'s default is written back only for ${DEFAULT_SYNTAX.join(', ')}; for other agents conn env / conn exec set an unset ${ref.name} to it`);
    }
  } else if (input) {
    item.missing.push(field);
    (item.settings.inputs ??= {})[field] = input;
    item.secretPlan.push({ field, store: 'missing', reason: `VS Code asks for it (\${input:${input}}): conn asks now on a terminal, else set it with conn edit <name> --secret ${field}` });
  } else {
    item.secrets[field] = value;
    item.secretPlan.push({ field, store: 'keychain', reason });
  }
}

function blankItem(file: SourceFile, server: RawServer, preset: Preset): ImportItem {
  return {
    file: file.path,
    source: file.source,
    scope: file.scope,
    entry: server.name,
    where: server.where,
    name: '',
    preset,
    fields: {},
    secrets: {},
    secretRefs: {},
    secretPlan: [],
    // Switched off in the file: kept as the entry's own switch where the agent has one (written back
    // switched off); otherwise the connection is imported disabled (`conn disable`) and the entry stays.
    enabled: !server.disabled || canDisable(file.source),
    settings: { ...structuredClone(server.settings), ...(server.disabled && canDisable(file.source) ? { disabled: true as const } : {}) },
    missing: [],
    ...(server.transport === 'sse' ? { transport: 'sse' as const } : {}),
    notes: settingNotes(file.source, server),
  };
}

/** Whether entries of a `source` file can come back switched off (sources that are no agent cannot). */
function canDisable(source: Source): boolean {
  return (AGENTS as readonly string[]).includes(source) && agentCanDisable(source as Agent);
}

/** What the plan says about an entry's own settings: those conn cannot keep, and where kept ones go. */
function settingNotes(source: Source, server: RawServer): string[] {
  const notes = server.dropped.map((k) => `${k} is not kept: conn has no such setting`);
  const s = server.settings;
  const kept = (['cwd', 'envFile', 'timeout', 'autoApprove', 'oauth'] as const).filter((k) => s[k] !== undefined);
  if (server.disabled && canDisable(source)) notes.push(`switched off: written back switched off for ${Object.keys(SETTING_KEYS.disabled).join(', ')}; left out for other agents`);
  for (const k of kept) {
    const agents = Object.keys(SETTING_KEYS[k]);
    if (!agents.includes(source)) notes.push(`${k} is kept, but written back only for ${agents.join(', ')}`);
  }
  return notes;
}

async function planStdio(file: SourceFile, server: RawServer, registry: PresetRegistry, ctx: DetectContext): Promise<ImportItem> {
  const custom = registry.require('custom');
  const all = [server.command!, ...server.args];
  let fallbackNote: string | undefined;
  for (const preset of registry.all()) {
    const pkg = presetPackage(preset);
    if (!pkg) continue;
    const hit = all.find((a) => splitVersion(a).base === pkg);
    if (!hit) continue;
    const pinned = splitVersion(hit).version;
    if (pinned && pinned !== 'latest') {
      fallbackNote = `runs ${pkg} like preset ${preset.id}, but pinned to ${pinned}: imported as custom to keep the pin`;
      break;
    }
    const mapped = mapStdio(preset, server);
    if (!mapped || !(await reproduces(preset, mapped, server))) {
      fallbackNote = `runs ${pkg} like preset ${preset.id}, but with a command line or env the preset does not reproduce: imported as custom`;
      break;
    }
    const item = blankItem(file, server, preset);
    item.match = `package ${pkg}`;
    item.fields = mapped.fields;
    for (const [field, value] of Object.entries(mapped.secretValues)) placeSecret(item, field, value, `secret field of preset ${preset.id}`);
    for (const f of preset.fields) {
      if (f.secret && f.required && !(f.key in mapped.secretValues)) item.notes.push(`${f.key} has no value here: set it with conn edit <name> --secret ${f.key}`);
    }
    return item;
  }

  const item = blankItem(file, server, custom);
  if (fallbackNote) item.notes.push(fallbackNote);
  for (const { key, value } of argValues(server.args)) {
    const found = detectSecret('arg', key, value, ctx);
    if (found) {
      item.skip = `${key.startsWith('arg ') ? key.replace('arg', 'argument') : `argument --${key}`} holds a secret (${found.reason}); conn keeps no secret on a command line: move it into an env var, then import`;
      return item;
    }
    if (containsReference(value)) item.notes.push(`${key.startsWith('arg ') ? key.replace('arg', 'argument') : `argument --${key}`} holds a reference (${value}): kept as is, the agent expands it`);
  }
  item.command = all;
  for (const [key, value] of Object.entries(server.env)) {
    if (inputReference(value) || reference(value)) {
      placeSecret(item, key, value, 'reference');
      continue;
    }
    const found = detectSecret('env', key, value, ctx);
    if (found) placeSecret(item, key, value, found.reason);
    else item.fields[`env.${key}`] = value;
  }
  for (const [key, v] of Object.entries(server.envRefs.env)) placeSecret(item, key, `\${${v}}`, 'reference');
  for (const key of [...Object.keys({ ...item.secrets, ...item.secretRefs }), ...item.missing]) {
    if (!ENV_KEY.test(key)) item.skip = `env ${JSON.stringify(key)} is not a valid variable name`;
  }
  return item;
}

function planRemote(file: SourceFile, server: RawServer, registry: PresetRegistry, ctx: DetectContext): ImportItem {
  const remote = registry.require('remote');
  let url = server.url ?? '';
  const headers = { ...server.headers };
  const refHeaders = { ...server.envRefs.headers };
  const notes: string[] = [];
  const skip = (reason: string) => ({ ...blankItem(file, server, remote), skip: reason });
  if (!url) {
    const only = server.disabled && !server.command ? ': the entry only switches a server off' : '';
    return skip(only ? `no server to import${only}` : 'no url');
  }
  if (containsReference(url)) return skip(`the URL holds a reference (${url.match(/\$\{[^}]*\}|\{env:[^}]*\}/)![0]}); conn needs the URL itself: add it with conn add remote --set url=…`);
  // user:password@host → an Authorization: Basic header, so the URL itself holds no secret.
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      if (headers.Authorization || refHeaders.Authorization) return skip('credentials inside the URL and an Authorization header');
      headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
      u.username = '';
      u.password = '';
      url = u.toString();
      notes.push('credentials inside the URL became an Authorization: Basic header (keychain)');
    }
  } catch {
    return skip(`invalid URL`);
  }
  const inUrl = detectSecret('url', 'url', url, ctx);
  if (inUrl) return skip(`the URL carries a secret (${inUrl.reason}); move it into a header, then import`);
  const bad = checkUrl(url);
  if (bad) return skip(bad);

  // A vendor preset reached at its fixed URL (Linear, Google Maps…): map its header templates.
  for (const preset of registry.all()) {
    if (preset.kind !== 'remote' || FREEFORM.has(preset.id) || !preset.remote || preset.remote.url.includes('{{')) continue;
    if (normalizeUrl(preset.remote.url) !== normalizeUrl(url)) continue;
    const item = blankItem(file, server, preset);
    item.match = `url ${preset.remote.url}`;
    const values: Record<string, string> = {};
    let fits = true;
    const remoteHeaders = preset.remote.headers;
    const templateFor = (name: string): string | undefined => Object.entries(remoteHeaders).find(([h]) => h.toLowerCase() === name.toLowerCase())?.[1];
    for (const [name, value] of Object.entries(headers)) {
      const template = templateFor(name);
      const got = template && extractTemplate(template, value);
      if (got) Object.assign(values, got);
      else fits = false;
    }
    for (const [name, v] of Object.entries(refHeaders)) {
      const template = templateFor(name);
      const field = template && templateFields(template)[0];
      if (field) values[field] = `\${${v}}`;
      else fits = false;
    }
    const missing = preset.fields.filter((f) => f.required && f.default === undefined && !(f.key in values));
    if (!fits || missing.length) {
      notes.push(`URL of preset ${preset.id}, but its headers do not fit the preset: imported as remote`);
      break;
    }
    for (const [key, value] of Object.entries(values)) {
      const field = preset.fields.find((f) => f.key === key);
      if (field?.secret) placeSecret(item, key, value, `secret field of preset ${preset.id}`);
      else item.fields[key] = value;
    }
    item.notes.push(...notes);
    return item;
  }

  const item = blankItem(file, server, remote);
  item.notes.push(...notes);
  item.fields.url = url;
  const matched = matchRemoteUrl(registry, url);
  if (matched) {
    item.matchedPreset = matched;
    item.match = `url ${url} (endpoint of preset ${matched})`;
  }
  // One auth header becomes header + token; the rest cannot be carried by a remote connection.
  const names = [...new Set([...Object.keys(headers), ...Object.keys(refHeaders)])];
  const auth =
    names.find((h) => h.toLowerCase() === 'authorization') ??
    names.find((h) => (h in refHeaders) || detectSecret('header', h, headers[h]!, ctx) || containsReference(headers[h]!));
  if (auth) {
    if (auth.toLowerCase() !== 'authorization') item.fields.header = auth;
    if (auth in refHeaders) placeSecret(item, 'token', `\${${refHeaders[auth]}}`, 'reference');
    else {
      const value = headers[auth]!;
      const isAuth = auth.toLowerCase() === 'authorization';
      const bearerRef = isAuth ? /^Bearer\s+(\S+)$/i.exec(value.trim()) : null;
      // The scheme stays out of the stored token: `conn env` exports the token alone, the entry adds the scheme.
      const schemed = isAuth ? /^([A-Za-z][A-Za-z0-9-]*)\s+(\S+)$/.exec(value.trim()) : null;
      if (bearerRef && (reference(bearerRef[1]!) || inputReference(bearerRef[1]!))) placeSecret(item, 'token', bearerRef[1]!, 'reference');
      else if (schemed && !containsReference(value)) {
        if (schemed[1]!.toLowerCase() !== 'bearer') item.settings.authScheme = schemed[1]!;
        placeSecret(item, 'token', schemed[2]!, detectSecret('header', auth, value, ctx)?.reason ?? `${auth} header`);
      }
      else if (containsReference(value) && !referencedVar(value) && !inputReference(value)) {
        item.skip = `header ${auth} mixes text and a reference (${value}); conn can keep a whole value or a Bearer reference only`;
      } else placeSecret(item, 'token', value, detectSecret('header', auth, value, ctx)?.reason ?? `${auth} header`);
    }
  }
  for (const h of names) {
    if (h === auth) continue;
    if (h in refHeaders || detectSecret('header', h, headers[h]!, ctx)) {
      item.notes.push(`header ${h} is not kept: a remote connection carries one secret header`);
    } else (item.settings.headers ??= {})[h] = headers[h]!;
  }
  return item;
}

function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url;
  }
}

/** The plan for every server in `servers`; names made unique against the catalog and each other. */
export async function planImport(
  entries: { file: SourceFile; servers: RawServer[] }[],
  catalog: Catalog,
  registry: PresetRegistry,
): Promise<ImportItem[]> {
  const ctx = detectContext(registry);
  const items: ImportItem[] = [];
  const taken = new Set(Object.keys(catalog.connections));
  const keys = new Set(Object.values(catalog.connections).map((c) => c.key ?? c.name));
  const seen = new Map<string, ImportItem>();
  for (const { file, servers } of entries) {
    for (const server of servers) {
      const item = server.transport === 'stdio' ? await planStdio(file, server, registry, ctx) : planRemote(file, server, registry, ctx);
      if (!item.skip) {
        const problems = checkDraftValues(item.preset, item.fields, { ...item.secrets, ...item.secretRefs });
        const errors = problems.filter((p) => p.severity === 'error');
        if (errors.length) item.skip = errors.map((p) => p.message).join('; ');
        for (const p of problems.filter((p) => p.severity === 'warning')) item.notes.push(p.message);
      }
      if (!item.skip) {
        const key = JSON.stringify([item.preset.id, item.matchedPreset, item.fields, item.command, item.secrets, item.secretRefs, sortedKeys(item)]);
        const same = seen.get(key);
        if (same) item.skip = `same server as ${same.name} (${same.file})`;
        else seen.set(key, item);
      }
      item.name = item.skip ? slugify(server.name) || server.name : uniqueName(item, server, registry, taken);
      if (!item.skip) taken.add(item.name);
      // The agent keys tool names and permission rules on the entry's key: keep it when the name differs,
      // unless another connection already writes that key (two entries cannot share one).
      if (!item.skip && item.name !== server.name && ENTRY_KEY.test(server.name)) {
        if (keys.has(server.name)) item.notes.push(`key ${server.name} is taken by another connection: agents will see this one as ${item.name}`);
        else item.key = server.name;
      }
      if (!item.skip) keys.add(item.key ?? item.name);
      items.push(item);
    }
  }
  return items;
}

function sortedKeys(item: ImportItem): string {
  return Object.keys(item.secrets).sort().join(',');
}

function uniqueName(item: ImportItem, server: RawServer, registry: PresetRegistry, taken: Set<string>): string {
  let base = slugify(server.name);
  if (!base) base = defaultName(item.preset, item.fields, item.command);
  const blocked = (n: string) => taken.has(n) || (FREEFORM.has(item.preset.id) && registry.builtinIds.has(n));
  if (!blocked(base)) return base;
  for (let i = 2; ; i++) {
    const suffix = `-${i}`;
    const name = `${base.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!blocked(name)) return name;
  }
}
