// The built-in presets in presets/: each one parses with PresetSchema (the source of truth) and with
// presets/schema.json (the editors' copy of the same contract), and keeps secrets out of argv.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PresetSchema, type Preset } from '../../src/presets/schema.js';
import { matchRemoteUrl } from '../../src/presets/match.js';
import type { PresetRegistry } from '../../src/presets/registry.js';

const PRESETS_DIR = resolve(import.meta.dirname, '../../presets');
const TEMPLATE = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/** Every preset SPEC §1 names. */
const SPEC_PRESETS = [
  'notion', 'github', 'slack', 'linear', 'postgres', 'sentry', 'filesystem', 'custom', 'remote', 'http-api',
  'stripe', 'box', 'supabase', 'brave-search', 'google-maps', 'playwright', 'memory', 'atlassian', 'gmail',
  'google-calendar', 'resend', 'everything', 'fetch', 'git', 'time', 'sequential-thinking',
];
const GENERIC = new Set(['custom', 'remote', 'http-api']);

const files = readdirSync(PRESETS_DIR)
  .filter((f) => f.endsWith('.json') && f !== 'schema.json')
  .sort();
const raw = new Map<string, unknown>(
  files.map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(PRESETS_DIR, f), 'utf8')) as unknown]),
);
const parsed = new Map<string, Preset>();
for (const [id, data] of raw) {
  const r = PresetSchema.safeParse(data);
  if (r.success) parsed.set(id, r.data);
}

function templateFields(strings: readonly string[] | undefined): string[] {
  return (strings ?? []).flatMap((s) => [...s.matchAll(TEMPLATE)].map((m) => m[1]!));
}

describe('built-in presets', () => {
  it('include every preset named in SPEC §1', () => {
    for (const id of SPEC_PRESETS) expect(raw.has(id), `presets/${id}.json`).toBe(true);
  });

  it.each(files)('%s parses with PresetSchema', (file) => {
    const r = PresetSchema.safeParse(raw.get(file.replace(/\.json$/, '')));
    expect(r.success ? [] : r.error.issues).toEqual([]);
  });

  it.each(files)('%s has an id equal to its file name and points at schema.json', (file) => {
    const data = raw.get(file.replace(/\.json$/, '')) as { id?: unknown; $schema?: unknown };
    expect(data.id).toBe(file.replace(/\.json$/, ''));
    expect(data.$schema).toBe('./schema.json');
  });

  it('validate against presets/schema.json', () => {
    const schema = JSON.parse(readFileSync(join(PRESETS_DIR, 'schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    const validate = ajv.compile(schema);
    for (const [id, data] of raw) {
      const ok = validate(data);
      expect(ok ? [] : validate.errors, `presets/${id}.json`).toEqual([]);
    }
  });

  it('schema.json rejects what PresetSchema rejects', () => {
    const schema = JSON.parse(readFileSync(join(PRESETS_DIR, 'schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    ajv.addFormat('uri', (s: string) => URL.canParse(s));
    const validate = ajv.compile(schema);
    const base = { id: 'x', name: 'X', category: 'c', description: 'd', kind: 'stdio', launch: { command: 'x' } };
    const bad: unknown[] = [
      { ...base, extra: true },
      { ...base, id: 'Bad Id' },
      { ...base, kind: 'ftp' },
      { ...base, launch: undefined },
      { ...base, kind: 'remote', launch: undefined },
      { ...base, launch: { command: '' } },
      { ...base, launch: { command: 'x', cwd: '/' } },
      { ...base, fields: [{ key: '1x', label: 'L' }] },
      { ...base, fields: [{ key: 'x', label: 'L', secrets: true }] },
      { ...base, permissions: { admin: {} } },
      { ...base, permissions: { read: { argv: [] } } },
      { ...base, tools: { t: 'readonly' } },
      { ...base, docs: 'not a url' },
      { ...base, endpoint: { auth: 'oauth' } },
      { ...base, endpoint: { url: 'https://x.example/mcp' } },
      { ...base, endpoint: { url: 'not a url', auth: 'oauth' } },
      { ...base, endpoint: { url: 'https://x.example/mcp', auth: 'bearer' } },
      { ...base, endpoint: { url: 'https://x.example/mcp', auth: 'oauth', transport: 'http' } },
      { ...base, endpoint: { url: 'https://x.example/mcp', auth: 'oauth', permissions: { admin: {} } } },
      { ...base, endpoint: { url: 'https://x.example/mcp', auth: 'oauth', permissions: { read: { argv: [] } } } },
      { ...base, endpoint: { url: 'https://x.example/mcp', auth: 'oauth', oauth: { scope: 'x' } } },
    ];
    for (const b of bad) {
      const data = JSON.parse(JSON.stringify(b)) as unknown;
      expect(PresetSchema.safeParse(data).success, JSON.stringify(data)).toBe(false);
      expect(validate(data), JSON.stringify(data)).toBe(false);
    }
    expect(validate(base)).toBe(true);
    expect(PresetSchema.safeParse(base).success).toBe(true);
    const withEndpoint = {
      ...base,
      endpoint: {
        url: 'https://x.example/mcp', auth: 'header', header: 'X-Key',
        permissions: { read: { url: 'https://x.example/mcp/readonly', headers: { 'X-Readonly': 'true' } } },
        oauth: { clientId: 'id', scopes: ['a'] },
      },
    };
    expect(validate(withEndpoint), JSON.stringify(validate.errors)).toBe(true);
    expect(PresetSchema.safeParse(withEndpoint).success).toBe(true);
  });

  it('never put a secret field into argv, the command or a URL (secrets go through env or headers)', () => {
    for (const [id, p] of parsed) {
      const secrets = new Set(p.fields.filter((f) => f.secret).map((f) => f.key));
      const exposed = [
        ...templateFields(p.launch ? [p.launch.command, ...p.launch.args] : []),
        ...templateFields(p.remote ? [p.remote.url] : []),
        ...Object.values(p.permissions ?? {}).flatMap((m) => templateFields([...(m?.args ?? []), ...(m?.url ? [m.url] : [])])),
      ];
      expect(exposed.filter((k) => secrets.has(k)), id).toEqual([]);
    }
  });

  it('keep launch for stdio and remote for remote/http-api only', () => {
    for (const [id, p] of parsed) {
      if (p.kind === 'stdio') expect(p.remote, id).toBeUndefined();
      else expect(p.launch, id).toBeUndefined();
    }
  });

  it('have valid field patterns, unique field keys, docs and notes text', () => {
    for (const [id, p] of parsed) {
      const keys = p.fields.map((f) => f.key);
      expect(new Set(keys).size, id).toBe(keys.length);
      for (const f of p.fields) {
        if (f.pattern) expect(() => new RegExp(f.pattern!), `${id}.${f.key}`).not.toThrow();
        if (f.default !== undefined && f.choices) expect(f.choices, `${id}.${f.key}`).toContain(f.default);
      }
      if (!GENERIC.has(id)) expect(p.docs, id).toBeTruthy();
    }
  });

  it('launch the reference servers with npx -y <package>', () => {
    for (const [id, pkg] of [
      ['everything', '@modelcontextprotocol/server-everything'],
      ['memory', '@modelcontextprotocol/server-memory'],
      ['filesystem', '@modelcontextprotocol/server-filesystem'],
    ] as const) {
      const p = parsed.get(id)!;
      expect(p.launch?.command, id).toBe('npx');
      expect(p.launch?.args.slice(0, 2), id).toEqual(['-y', pkg]);
    }
  });

  it('classify the memory and filesystem tools as the servers annotate them', () => {
    expect(parsed.get('memory')!.tools).toEqual({
      read_graph: 'read', search_nodes: 'read', open_nodes: 'read',
      create_entities: 'write', create_relations: 'write', add_observations: 'write',
      delete_entities: 'destructive', delete_observations: 'destructive', delete_relations: 'destructive',
    });
    const fs = parsed.get('filesystem')!.tools!;
    expect(Object.keys(fs)).toHaveLength(14);
    expect(fs.create_directory).toBe('write');
    for (const t of ['write_file', 'edit_file', 'move_file']) expect(fs[t]).toBe('destructive');
  });

  it('map read permission onto the servers\' own read-only switches', () => {
    expect(parsed.get('github')!.permissions?.read?.env).toEqual({ GITHUB_READ_ONLY: '1' });
    expect(parsed.get('github')!.launch!.args).toContain('GITHUB_READ_ONLY');
    expect(parsed.get('supabase')!.permissions?.read?.args).toEqual(['--read-only']);
    expect(parsed.get('atlassian')!.permissions?.read?.env).toEqual({ READ_ONLY_MODE: 'true' });
    expect(parsed.get('linear')!.permissions?.read?.url).toBe('https://mcp.linear.app/mcp/readonly');
    expect(parsed.get('sentry')!.permissions?.read?.env).toEqual({ MCP_SKILLS: 'inspect' });
    expect(parsed.get('postgres')!.permissions?.read?.env?.PGOPTIONS).toMatch(/default_transaction_read_only=on/);
  });

  it('give the generic presets the fields conn add expects', () => {
    const custom = parsed.get('custom')!;
    expect(custom.kind).toBe('stdio');
    expect(custom.launch).toEqual({ command: '{{command}}', args: [], env: {} });
    expect(custom.fields).toEqual([expect.objectContaining({ key: 'command', required: true, secret: false })]);

    const remote = parsed.get('remote')!;
    expect(remote.kind).toBe('remote');
    expect(remote.remote).toMatchObject({ url: '{{url}}', headers: {}, auth: 'header' });
    expect(remote.fields.map((f) => [f.key, f.required, f.secret, f.default ?? null])).toEqual([
      ['url', true, false, null],
      ['header', false, false, 'Authorization'],
      ['token', false, true, null],
      // The OAuth client identity (README, conn connect): secrets in the keychain, never plain fields.
      ['client_id', false, false, null],
      ['client_secret', false, true, null],
      ['client_metadata_url', false, false, null],
      ['grant', false, false, 'authorization_code'],
      ['private_key', false, true, null],
      ['signing_alg', false, false, 'RS256'],
      ['scope', false, false, null],
    ]);

    const api = parsed.get('http-api')!;
    expect(api.kind).toBe('http-api');
    expect(api.remote).toMatchObject({ url: '{{url}}', headers: {} });
    expect(api.fields.find((f) => f.key === 'auth')).toMatchObject({ choices: ['none', 'api-key', 'bearer'], default: 'none' });
    expect(api.fields.find((f) => f.key === 'header')?.default).toBe('X-API-Key');
    expect(api.fields.find((f) => f.key === 'token')?.secret).toBe(true);
  });

  it('give every remote OAuth preset the OAuth client fields of remote (client identity, grant, scope)', () => {
    const keys = ['client_id', 'client_secret', 'client_metadata_url', 'grant', 'private_key', 'signing_alg', 'scope'];
    const oauth = [...parsed.values()].filter((p) => p.kind === 'remote' && p.remote?.auth === 'oauth');
    expect(oauth.map((p) => p.id)).toContain('box');
    for (const preset of oauth) {
      const fields = new Map(preset.fields.map((f) => [f.key, f]));
      for (const key of keys) expect(fields.has(key), `${preset.id}: ${key}`).toBe(true);
      for (const key of ['client_secret', 'private_key']) expect(fields.get(key)?.secret, `${preset.id}: ${key} is secret`).toBe(true);
    }
  });

  it('do not use archived reference packages where a vendor replaced them', () => {
    const archived = /@modelcontextprotocol\/server-(github|gitlab|slack|postgres|sentry|brave-search|google-maps|puppeteer|redis|sqlite)\b/;
    for (const [id, p] of parsed) {
      expect(JSON.stringify([p.launch, p.remote]), id).not.toMatch(archived);
    }
  });
});

describe('vendor endpoints', () => {
  const endpoints = [...parsed].flatMap(([id, p]) => (p.endpoint ? [[id, p.endpoint] as const] : []));
  const registry = { all: () => [...parsed.values()] } as unknown as PresetRegistry;
  const normalized = (url: string) => {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  };

  it('are declared by the presets whose vendor hosts an MCP server', () => {
    expect(endpoints.map(([id]) => id).sort()).toEqual([
      'atlassian', 'box', 'github', 'gmail', 'google-calendar', 'google-maps', 'linear', 'notion', 'resend',
      'sentry', 'slack', 'stripe', 'supabase',
    ]);
  });

  it('use https, without templates (they are not expanded with the preset\'s own fields)', () => {
    for (const [id, e] of endpoints) {
      expect(new URL(e.url).protocol, id).toBe('https:');
      for (const m of Object.values(e.permissions ?? {})) if (m?.url) expect(new URL(m.url).protocol, id).toBe('https:');
      expect(JSON.stringify(e), id).not.toMatch(TEMPLATE);
    }
  });

  it('are unique, and none is a sub-path of another (a URL matches at most one preset)', () => {
    const urls = endpoints.map(([, e]) => normalized(e.url));
    expect(new Set(urls).size).toBe(urls.length);
    for (const a of urls) for (const b of urls) if (a !== b) expect(a.startsWith(`${b}/`), `${a} under ${b}`).toBe(false);
  });

  it('of remote presets repeat their remote URL, auth and permissions', () => {
    for (const [id, p] of parsed) {
      if (p.kind !== 'remote' || !p.endpoint) continue;
      expect(p.endpoint.url, id).toBe(p.remote!.url);
      expect(p.endpoint.auth, id).toBe(p.remote!.auth);
      expect(p.endpoint.permissions, id).toEqual(p.permissions);
    }
  });

  it('carry the vendors\' auth kinds and read-only switches', () => {
    const auth = Object.fromEntries(endpoints.map(([id, e]) => [id, e.auth]));
    for (const id of ['notion', 'slack', 'atlassian', 'gmail', 'google-calendar', 'box']) expect(auth[id], id).toBe('oauth');
    for (const id of ['github', 'sentry', 'stripe', 'supabase', 'resend', 'linear', 'google-maps']) expect(auth[id], id).toBe('header');
    expect(parsed.get('github')!.endpoint!.permissions?.read?.headers).toEqual({ 'X-MCP-Readonly': 'true' });
    expect(parsed.get('supabase')!.endpoint!.permissions?.read?.query).toEqual({ read_only: 'true' });
    expect(parsed.get('linear')!.endpoint!.permissions?.read?.url).toBe('https://mcp.linear.app/mcp/readonly');
    expect(parsed.get('google-maps')!.endpoint!.header).toBe('X-Goog-Api-Key');
    expect(parsed.get('sentry')!.endpoint!.header).toBe('Authorization');
    expect(parsed.get('sentry')!.notes?.join(' ')).toContain('Sentry-Bearer <token>');
  });

  it('are what matchRemoteUrl matches a remote URL against', () => {
    expect(matchRemoteUrl(registry, 'https://mcp.notion.com/mcp')).toBe('notion');
    expect(matchRemoteUrl(registry, 'https://mcp.linear.app/mcp/')).toBe('linear');
    expect(matchRemoteUrl(registry, 'https://mcp.linear.app/mcp/readonly')).toBe('linear');
    expect(matchRemoteUrl(registry, 'https://api.githubcopilot.com/mcp')).toBe('github');
    expect(matchRemoteUrl(registry, 'https://MCP.Supabase.com/mcp?project_ref=abcdefghijklmnopqrst')).toBe('supabase');
    expect(matchRemoteUrl(registry, 'https://mcp.box.com/')).toBe('box');
    expect(matchRemoteUrl(registry, 'https://example.com/mcp')).toBeUndefined();
    expect(matchRemoteUrl(registry, 'https://mcp.notion.com/mcpx')).toBeUndefined();
    expect(matchRemoteUrl(registry, 'not a url')).toBeUndefined();
    for (const [id, e] of endpoints) expect(matchRemoteUrl(registry, e.url), id).toBe(id);
  });
});
