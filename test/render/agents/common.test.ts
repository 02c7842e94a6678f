// Behaviour every agent writer shares: merge never clobbers, removal restores, no churn, refusal of
// files that do not parse.
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENTS, type Agent } from '../../../src/catalog/model.js';
import { USER_LEVEL_AGENTS } from '../../../src/catalog/constants.js';
import { WRITERS, writerFor } from '../../../src/render/agents/index.js';
import { MalformedFileError } from '../../../src/render/agents/errors.js';
import { OperationError } from '../../../src/errors.js';
import { fixture, githubRead, linearInline, notionInline, notionRef, plainRemote } from './entries.js';

/** Each agent's existing-file fixture, the user's own entries in it, and one of them verbatim. */
const EXISTING: Record<Agent, { fixture: string; names: string[]; verbatim: string; malformed: string; badContainer: string }> = {
  'claude-code': {
    fixture: 'existing.json',
    names: ['my-own'],
    verbatim: '"my-own": {\n      "command": "node",\n      "args": ["./tools/server.js"],\n      "env": { "DEBUG": "1" }\n    }',
    malformed: '{ "mcpServers": { "a": } }',
    badContainer: '{ "mcpServers": [] }',
  },
  cursor: {
    fixture: 'existing.jsonc',
    names: ['docs', 'local-db'],
    verbatim: '    // our internal docs server\n    "docs": { "url": "https://docs.internal/mcp" }, // keep me\n    "local-db": {\n      "command": "pg-mcp",\n      "args": ["--read-only"],\n    },',
    malformed: '{ "mcpServers": { "a": 1 ',
    badContainer: '{ "mcpServers": "none" }',
  },
  vscode: {
    fixture: 'existing.jsonc',
    names: ['github-user'],
    verbatim: '  // Prompted once, stored by VS Code\n  "inputs": [\n    { "type": "promptString", "id": "gh-token", "description": "GitHub token", "password": true }\n  ],',
    malformed: '{ "servers": { } } }',
    badContainer: '{ "servers": 1 }',
  },
  gemini: {
    fixture: 'existing.json',
    names: ['mine'],
    verbatim: '    "theme": "GitHub",\n    "general": { "vimMode": true },\n    "mcpServers": {\n        "mine": { "command": "python", "args": ["srv.py"], "trust": true }',
    malformed: '{ "theme": "GitHub" "mcpServers": {} }',
    badContainer: '[]',
  },
  codex: {
    fixture: 'existing.toml',
    names: ['docs'],
    verbatim: '# my own server\n[mcp_servers.docs]\ncommand = "docs-mcp"\nargs = ["--port", "0"]\n\n[mcp_servers.docs.env]\nDOCS_ROOT = "./docs"\n',
    malformed: '[mcp_servers.a]\ncommand = "x\n',
    badContainer: 'mcp_servers = 1\n',
  },
  opencode: {
    fixture: 'existing.jsonc',
    names: ['playwright'],
    verbatim: '  // the user\'s own MCP server\n  "mcp": {\n    "playwright": {\n      "type": "local",\n      "command": ["npx", "@playwright/mcp@latest"]\n    }',
    malformed: '{ "mcp": { "x": { "type": "local", } ',
    badContainer: '{ "mcp": [1] }',
  },
  kiro: {
    fixture: 'existing.json',
    names: ['fetch'],
    verbatim: '    "fetch": {\n      "command": "uvx",\n      "args": ["mcp-server-fetch"],\n      "disabled": false,\n      "autoApprove": []\n    }',
    malformed: '{ "mcpServers": { "a": ',
    badContainer: '{ "mcpServers": true }',
  },
  copilot: {
    fixture: 'existing.json',
    names: ['playwright'],
    verbatim: '"playwright": {\n      "type": "local",\n      "command": "npx",\n      "args": ["@playwright/mcp@latest"],\n      "tools": ["*"]\n    }',
    malformed: '{ "mcpServers": { "a": ',
    badContainer: '{ "mcpServers": [] }',
  },
  'qwen-code': {
    fixture: 'existing.json',
    names: ['pyserver'],
    verbatim: '  "general": { "vimMode": true },\n  "mcpServers": {\n    "pyserver": { "command": "python", "args": ["-m", "my_server"], "trust": false, "includeTools": ["search"] }',
    malformed: '{ "general": {} "mcpServers": {} }',
    badContainer: '{ "mcpServers": "x" }',
  },
  amp: {
    fixture: 'existing.json',
    names: ['sourcegraph'],
    verbatim: '  "amp.showCosts": false,\n  "amp.mcpServers": {\n    "sourcegraph": {\n      "url": "https://sourcegraph.example.com/.api/mcp/v1",\n      "headers": { "Authorization": "token ${SRC_ACCESS_TOKEN}" }\n    }',
    malformed: '{ "amp.mcpServers": { ',
    badContainer: '{ "amp.mcpServers": 1 }',
  },
  kilo: {
    fixture: 'existing.jsonc',
    names: ['context7'],
    verbatim: '  // the user\'s own MCP server\n  "mcp": {\n    "context7": {\n      "type": "remote",\n      "url": "https://mcp.context7.com/mcp"\n    }',
    malformed: '{ "mcp": { "x": { "type": "local", } ',
    badContainer: '{ "mcp": [1] }',
  },
  roo: {
    fixture: 'existing.json',
    names: ['filesystem'],
    verbatim: '"filesystem": {\n      "command": "npx",\n      "args": ["-y", "@modelcontextprotocol/server-filesystem", "."],\n      "alwaysAllow": ["read_file"],\n      "disabled": false\n    }',
    malformed: '{ "mcpServers": { "a": } }',
    badContainer: '{ "mcpServers": [] }',
  },
  zed: {
    fixture: 'existing.jsonc',
    names: ['docs'],
    verbatim: '// Zed project settings\n{\n  "tab_size": 2,\n  "formatter": "language_server",\n  "context_servers": {\n    // our own docs server\n    "docs": {\n      "command": "docs-mcp",\n      "args": ["--stdio"],\n      "env": {}\n    },',
    malformed: '{ "context_servers": { "a": ',
    badContainer: '{ "context_servers": "none" }',
  },
  crush: {
    fixture: 'existing.json',
    names: ['filesystem'],
    verbatim: '  "lsp": { "go": { "command": "gopls" } },\n  "mcp": {\n    "filesystem": {\n      "type": "stdio",\n      "command": "node",\n      "args": ["/srv/mcp/fs.js"],\n      "timeout": 120\n    }',
    malformed: '{ "mcp": { "a": } }',
    badContainer: '{ "mcp": true }',
  },
  augment: {
    fixture: 'existing.json',
    names: ['context7'],
    verbatim: '  "model": "sonnet4.5",\n  "mcpServers": {\n    "context7": { "command": "npx", "args": ["-y", "@upstash/context7-mcp@latest"] }',
    malformed: '{ "model": "x" "mcpServers": {} }',
    badContainer: '[]',
  },
  junie: {
    fixture: 'existing.json',
    names: ['jetbrains'],
    verbatim: '"jetbrains": {\n      "command": "npx",\n      "args": ["-y", "@jetbrains/mcp-proxy"],\n      "env": { "IDE_PORT": "63342" }\n    }',
    malformed: '{ "mcpServers": { "a": ',
    badContainer: '{ "mcpServers": 2 }',
  },
  continue: {
    fixture: 'existing.yaml',
    names: ['sqlite'],
    verbatim: 'name: Team MCP servers\nversion: 0.0.1\nschema: v1\nmcpServers:\n  # our sqlite server\n  - name: sqlite\n    command: npx\n    args:\n      - -y\n      - mcp-sqlite\n      - ./data.db\n',
    malformed: 'mcpServers:\n  - name: a\n   command: [',
    badContainer: 'mcpServers: 1\n',
  },
  'claude-desktop': {
    fixture: 'existing.json',
    names: ['filesystem'],
    verbatim: '  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {\n    "filesystem": {\n      "command": "npx",\n      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Desktop"]\n    }',
    malformed: '{ "mcpServers": { "a": ',
    badContainer: '{ "mcpServers": [] }',
  },
  cline: {
    fixture: 'existing.json',
    names: ['weather'],
    verbatim: '"weather": {\n      "command": "node",\n      "args": ["/home/me/weather/build/index.js"],\n      "disabled": false,\n      "autoApprove": ["get_forecast"]\n    }',
    malformed: '{ "mcpServers": { "a": } }',
    badContainer: '{ "mcpServers": 1 }',
  },
  windsurf: {
    fixture: 'existing.json',
    names: ['gh'],
    verbatim: '"gh": {\n      "command": "npx",\n      "args": ["-y", "@modelcontextprotocol/server-github"],\n      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GH_TOKEN}" }\n    }',
    malformed: '{ "mcpServers": { "a": ',
    badContainer: '{ "mcpServers": "x" }',
  },
  goose: {
    fixture: 'existing.yaml',
    names: ['developer'],
    verbatim: 'GOOSE_PROVIDER: anthropic\nGOOSE_MODEL: claude-sonnet-4\n# extensions I added by hand\nextensions:\n  developer:\n    bundled: true\n    enabled: true\n    name: developer\n    timeout: 300\n    type: builtin\n',
    malformed: 'extensions:\n  a: [\n',
    badContainer: 'extensions: [1]\n',
  },
};

const ENTRIES = [notionInline, githubRead, plainRemote, linearInline];
/** Claude Desktop reads stdio servers only: its entries are the stdio ones. */
const entriesFor = (agent: Agent) => (agent === 'claude-desktop' ? ENTRIES.filter((e) => e.spec.kind === 'stdio') : ENTRIES);

describe.each(AGENTS)('%s writer', (agent) => {
  const w = writerFor(agent);
  const ENTRIES = entriesFor(agent);
  // Read at collection: the YAML writers need their library first.
  beforeAll(async () => {
    await w.load?.();
  });
  const ex = EXISTING[agent];
  const existing = fixture(agent, ex.fixture);
  const names = ENTRIES.map((e) => e.name);
  const rules = ENTRIES.flatMap((e) => w.denyRules(e));

  it('lists the server entries of an existing file', () => {
    expect(w.serverNames(existing)).toEqual(ex.names);
  });

  it("keeps the user's own entries and other content byte for byte", () => {
    const out = w.merge(existing, ENTRIES, []);
    expect(out).toContain(ex.verbatim);
    expect(w.serverNames(out).sort()).toEqual([...ex.names, ...names].sort());
  });

  it('gives back the original file, byte for byte, when what it added is removed', () => {
    const out = w.merge(existing, ENTRIES, []);
    expect(w.merge(out, [], names, rules)).toBe(existing);
  });

  it('removes one managed entry and leaves the rest intact', () => {
    const out = w.merge(existing, ENTRIES, []);
    const less = w.merge(out, ENTRIES.filter((e) => e.name !== 'github'), ['github'], rules);
    expect(w.serverNames(less).sort()).toEqual([...ex.names, ...names.filter((n) => n !== 'github')].sort());
    expect(less).toContain(ex.verbatim);
    expect(less).not.toContain('github-mcp-server');
    expect(less).not.toContain('delete_repository');
  });

  it('returns the same text when the entries are already there (no churn)', () => {
    const out = w.merge(existing, ENTRIES, []);
    expect(w.merge(out, ENTRIES, [], rules)).toBe(out);
    expect(w.merge(out, [...ENTRIES].reverse(), [], rules)).toBe(out);
    const fresh = w.merge(null, ENTRIES, []);
    expect(w.merge(fresh, ENTRIES, [], rules)).toBe(fresh);
  });

  it('returns the existing text itself when there is nothing to do', () => {
    expect(w.merge(existing, [], ['not-there'], [])).toBe(existing);
  });

  it('replaces a managed entry in place, leaving its neighbours where they are', () => {
    if (agent === 'codex') return; // env mode cannot express notionRef for codex; codex.test.ts covers replacement
    const out = w.merge(existing, ENTRIES, []);
    // Agents that expand no reference get the same entry with another resolved value instead.
    const replacement = w.expandsEnv === false ? { ...notionInline, spec: { ...notionInline.spec, env: { NOTION_TOKEN: 'ntn_rotated_4' } } } : notionRef;
    const changed = w.merge(out, [replacement], [], rules);
    expect(w.serverNames(changed)).toEqual(w.serverNames(out));
    expect(changed).not.toContain('ntn_inline_secret_1');
    expect(changed).toContain('ghp_inline_secret_3');
  });

  it('writes a new file ending in a newline that it can read back', () => {
    const out = w.merge(null, ENTRIES, []);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.endsWith('\n\n')).toBe(false);
    expect(w.serverNames(out)).toEqual([...names].sort());
  });

  it('throws MalformedFileError naming the file when the existing file does not parse', () => {
    for (const text of [ex.malformed, ex.badContainer]) {
      expect(() => w.serverNames(text)).toThrow(MalformedFileError);
      expect(() => w.merge(text, ENTRIES, [])).toThrow(MalformedFileError);
    }
    try {
      w.merge(ex.malformed, ENTRIES, []);
    } catch (err) {
      expect(err).toBeInstanceOf(OperationError);
      expect((err as Error).message).toContain(w.file);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('treats an empty file as one with no entries', () => {
    expect(w.serverNames('')).toEqual([]);
    expect(w.serverNames(w.merge('', [notionInline], []))).toEqual(['notion']);
  });
});

const appDir = process.platform === 'darwin' ? 'Library/Application Support' : process.platform === 'win32' ? 'AppData/Roaming' : '.config';

describe('WRITERS', () => {
  it('has one writer per agent, each naming its project file', () => {
    expect(Object.fromEntries(AGENTS.map((a) => [a, WRITERS[a].file]))).toEqual({
      'claude-code': '.mcp.json',
      cursor: '.cursor/mcp.json',
      vscode: '.vscode/mcp.json',
      gemini: '.gemini/settings.json',
      codex: '.codex/config.toml',
      opencode: 'opencode.json',
      kiro: '.kiro/settings/mcp.json',
      copilot: '.mcp.json',
      'qwen-code': '.qwen/settings.json',
      amp: '.amp/settings.json',
      kilo: 'kilo.json',
      roo: '.roo/mcp.json',
      zed: '.zed/settings.json',
      crush: '.crush.json',
      augment: '.augment/settings.json',
      junie: '.junie/mcp/mcp.json',
      continue: '.continue/mcpServers',
      'claude-desktop': `${appDir}/Claude/claude_desktop_config.json`,
      cline: `${appDir}/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json`,
      windsurf: '.codeium/windsurf/mcp_config.json',
      goose: '.config/goose/config.yaml',
    });
    expect(AGENTS.filter((a) => WRITERS[a].scope === 'user')).toEqual([...USER_LEVEL_AGENTS]);
    for (const a of AGENTS) expect(WRITERS[a].agent).toBe(a);
  });

  it('says how each agent can deny tools', () => {
    expect(Object.fromEntries(AGENTS.map((a) => [a, WRITERS[a].toolFilter]))).toEqual({
      'claude-code': 'side-file',
      cursor: 'none',
      vscode: 'none',
      gemini: 'entry',
      codex: 'entry',
      opencode: 'top-level',
      kiro: 'entry',
      copilot: 'none',
      'qwen-code': 'entry',
      amp: 'none',
      kilo: 'top-level',
      roo: 'entry',
      zed: 'none',
      crush: 'entry',
      augment: 'none',
      junie: 'none',
      continue: 'none',
      'claude-desktop': 'none',
      cline: 'none',
      windsurf: 'none',
      goose: 'none',
    });
  });

  it('says which agents expand no environment reference (env mode refused there)', () => {
    expect(AGENTS.filter((a) => WRITERS[a].expandsEnv === false)).toEqual(['kilo', 'zed', 'augment', 'junie', 'claude-desktop', 'cline', 'goose']);
  });
});
