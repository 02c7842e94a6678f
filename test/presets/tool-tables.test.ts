// Tool-class tables come from each server's real tool list: Notion's from its published source (it
// cannot be started without a Notion token), the reference servers' live from devDependencies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tool } from '../../src/catalog/model.js';
import { classifyTool, deniedTools } from '../../src/access/tool-class.js';
import { loadPresets } from '../../src/presets/registry.js';
import { makeWorld, requireKeychain, ROOT, type World } from '../helpers/world.js';

const presets = loadPresets(join(ROOT, 'test', 'no-such-home'));

// makenotion/notion-mcp-server, scripts/notion-openapi.json (commit 1d38420, v2.5.1; the union of its
// operationIds across the file's history): the server lists each operation as `API-<operationId>`, with
// readOnlyHint on GET and destructiveHint on every other method (src/openapi-mcp-server/mcp/proxy.ts).
const NOTION_OPERATIONS: [string, string][] = [
  ['GET', 'get-user'], ['GET', 'get-users'], ['GET', 'get-self'], ['POST', 'post-search'],
  ['GET', 'get-block-children'], ['PATCH', 'patch-block-children'], ['GET', 'retrieve-a-block'],
  ['PATCH', 'update-a-block'], ['DELETE', 'delete-a-block'], ['GET', 'retrieve-a-page'], ['PATCH', 'patch-page'],
  ['POST', 'post-page'], ['GET', 'retrieve-a-page-property'], ['GET', 'retrieve-a-comment'], ['POST', 'create-a-comment'],
  ['POST', 'query-data-source'], ['GET', 'retrieve-a-data-source'], ['PATCH', 'update-a-data-source'],
  ['POST', 'create-a-data-source'], ['GET', 'list-data-source-templates'], ['GET', 'retrieve-a-database'],
  ['POST', 'move-page'], ['GET', 'retrieve-page-markdown'], ['PATCH', 'update-page-markdown'],
  ['POST', 'post-database-query'], ['PATCH', 'update-a-database'], ['POST', 'create-a-database'],
];
const notionTools: Tool[] = NOTION_OPERATIONS.map(([method, id]) => ({
  name: `API-${id}`,
  annotations: method === 'GET' ? { readOnlyHint: true } : { destructiveHint: true },
}));

describe('notion tool classes', () => {
  const table = presets.require('notion').tools;

  it('classes every tool the server lists', () => {
    expect(table).toBeDefined();
    for (const tool of notionTools) expect(Object.hasOwn(table!, tool.name), tool.name).toBe(true);
  });

  it('lets a read agent search and query data sources (POST, but reads), and nothing that writes', () => {
    const denied = deniedTools(notionTools, 'read', table);
    expect(denied).not.toContain('API-post-search');
    expect(denied).not.toContain('API-query-data-source');
    expect(denied).not.toContain('API-post-database-query');
    for (const [method, id] of NOTION_OPERATIONS) {
      if (method === 'GET') expect(denied, id).not.toContain(`API-${id}`);
    }
    for (const id of ['post-page', 'patch-page', 'create-a-comment', 'delete-a-block', 'update-page-markdown', 'move-page']) {
      expect(denied).toContain(`API-${id}`);
    }
  });

  it('keeps deleting a block and replacing page content for full', () => {
    expect(deniedTools(notionTools, 'readwrite', table).sort()).toEqual(['API-delete-a-block', 'API-update-page-markdown']);
    expect(deniedTools(notionTools, 'full', table)).toEqual([]);
  });
});

describe('reference servers, listed live', () => {
  let w: World;
  let live: Record<string, { name: string; class: string }[]>;
  const NM = join(ROOT, 'node_modules/@modelcontextprotocol');
  const servers: Record<string, string[]> = {
    memory: ['node', join(NM, 'server-memory/dist/index.js')],
    filesystem: ['node', join(NM, 'server-filesystem/dist/index.js'), ROOT],
    everything: ['node', join(NM, 'server-everything/dist/index.js'), 'stdio'],
  };
  beforeAll(async () => {
    requireKeychain();
    w = makeWorld();
    for (const [id, command] of Object.entries(servers)) {
      const r = await w.conn(['add', 'custom', '--name', `live-${id}`, '--', ...command]);
      expect(r.code, r.stderr).toBe(0);
    }
    const t = await w.conn(['test', ...Object.keys(servers).map((id) => `live-${id}`), '--tools', '--json']);
    expect(t.code, t.stderr).toBe(0);
    live = Object.fromEntries((JSON.parse(t.stdout) as { name: string; tools: { name: string; class: string }[] }[]).map((r) => [r.name.slice(5), r.tools]));
  }, 60_000);
  afterAll(() => w?.cleanup());

  it.each(Object.keys(servers))("%s: the preset's table has every live tool, in the class its annotations give", (id) => {
    const table = presets.require(id).tools!;
    expect(live[id]!.length).toBeGreaterThan(0);
    for (const tool of live[id]!) {
      expect(Object.hasOwn(table, tool.name), tool.name).toBe(true);
      // The live class is from the server's annotations (a custom connection has no table).
      expect(classifyTool({ name: tool.name }, table), tool.name).toBe(tool.class);
    }
  });
});

// github/github-mcp-server, pkg/github/__toolsnaps__ (commit 64a49f3, v1.10.1+3): one snapshot per tool
// with its annotations. readOnlyHint is right on every read, but 25 writes carry no destructiveHint
// (create_pull_request, push_files, …), so without the table `readwrite` would deny them.
describe('github tool classes', () => {
  const table = presets.require('github').tools;
  const tools = (names: string[]): Tool[] => names.map((name) => ({ name }));

  it('classes the read tools read, so a read agent keeps them', () => {
    expect(table).toBeDefined();
    const reads = ['get_file_contents', 'search_code', 'search_repositories', 'search_issues', 'search_pull_requests',
      'list_issues', 'issue_read', 'pull_request_read', 'list_pull_requests', 'get_commit', 'list_commits',
      'get_repository_tree', 'get_me', 'actions_list', 'actions_get', 'get_job_logs'];
    expect(deniedTools(tools(reads), 'read', table)).toEqual([]);
  });

  it('lets readwrite create and update (unannotated by the server) but keeps deletes and merges for full', () => {
    const writes = ['create_pull_request', 'push_files', 'create_or_update_file', 'create_branch', 'add_issue_comment',
      'issue_write', 'update_pull_request', 'create_issue'];
    const destructive = ['merge_pull_request', 'delete_file', 'delete_repository', 'label_write', 'projects_write',
      'actions_run_trigger', 'pull_request_review_write'];
    expect(deniedTools(tools(writes), 'read', table)).toEqual(writes);
    expect(deniedTools(tools(writes), 'readwrite', table)).toEqual([]);
    expect(deniedTools(tools(destructive), 'readwrite', table)).toEqual(destructive);
    expect(deniedTools(tools([...writes, ...destructive]), 'full', table)).toEqual([]);
  });

  it('classes no tool read whose name says it changes something', () => {
    for (const [name, cls] of Object.entries(table!)) {
      if (/^(create|update|delete|add|remove|merge|push|fork|star|unstar|request|assign|dismiss|mark|set|resolve|unresolve|submit|reprioritize)_|_write$|_trigger$/.test(name)) {
        expect(cls, name).not.toBe('read');
      }
    }
  });
});

// microsoft/playwright-mcp README.md Tools section (commit 7e0457a, @playwright/mcp 0.0.79), generated from
// the server's tool definitions: readOnlyHint only on inspection tools, every other tool non-destructive.
describe('playwright tool classes', () => {
  const table = presets.require('playwright').tools;
  const tools = (names: string[]): Tool[] => names.map((name) => ({ name }));

  it('lets a read agent open and inspect pages, and nothing that types, clicks or runs code', () => {
    expect(table).toBeDefined();
    const reads = ['browser_navigate', 'browser_navigate_back', 'browser_snapshot', 'browser_take_screenshot',
      'browser_console_messages', 'browser_network_requests', 'browser_wait_for', 'browser_verify_text_visible'];
    const writes = ['browser_click', 'browser_type', 'browser_fill_form', 'browser_file_upload', 'browser_press_key'];
    expect(deniedTools(tools(reads), 'read', table)).toEqual([]);
    expect(deniedTools(tools(writes), 'read', table)).toEqual(writes);
    expect(deniedTools(tools(writes), 'readwrite', table)).toEqual([]);
    expect(deniedTools(tools(['browser_evaluate', 'browser_run_code_unsafe']), 'readwrite', table)).toEqual(['browser_evaluate', 'browser_run_code_unsafe']);
  });
});

// sooperset/mcp-atlassian src/mcp_atlassian/servers/{jira,confluence}.py (commit 436b37e, v0.23.0+39), mounted
// under the jira and confluence namespaces: readOnlyHint on every read, but destructiveHint on plain edits.
describe('atlassian tool classes', () => {
  const table = presets.require('atlassian').tools;
  const tools = (names: string[]): Tool[] => names.map((name) => ({ name }));

  it('keeps the reads for a read agent, ordinary edits for readwrite, deletes for full', () => {
    expect(table).toBeDefined();
    const reads = ['jira_get_issue', 'jira_search', 'jira_get_transitions', 'jira_get_all_projects', 'confluence_search',
      'confluence_get_page', 'confluence_get_comments', 'confluence_get_page_children'];
    const writes = ['jira_create_issue', 'jira_update_issue', 'jira_transition_issue', 'jira_add_comment',
      'jira_assign_issue', 'confluence_create_page', 'confluence_update_page', 'confluence_add_comment'];
    const destructive = ['jira_delete_issue', 'confluence_delete_page', 'confluence_delete_attachment'];
    expect(deniedTools(tools(reads), 'read', table)).toEqual([]);
    expect(deniedTools(tools(writes), 'read', table)).toEqual(writes);
    expect(deniedTools(tools(writes), 'readwrite', table)).toEqual([]);
    expect(deniedTools(tools(destructive), 'readwrite', table)).toEqual(destructive);
  });
});

// Each server's tool list as its source (or, for a hosted server, its vendor's reference) gives it, by the
// class conn should give each tool. None of these is in devDependencies (uvx, or npx with a token), so the
// lists are encoded here from the source the preset's note cites.
interface SourceList {
  repo: string;
  read: string[];
  write: string[];
  destructive: string[];
  /** Tools the table keeps for older versions of the server (not in the cited source). */
  older?: string[];
}
const FROM_SOURCE: Record<string, SourceList> = {
  // modelcontextprotocol/servers src/git/src/mcp_server_git/server.py (commit 76d64c8, 0.6.2), GitTools + annotations.
  git: {
    repo: 'modelcontextprotocol/servers',
    read: ['git_status', 'git_diff_unstaged', 'git_diff_staged', 'git_diff', 'git_log', 'git_show', 'git_branch'],
    write: ['git_commit', 'git_add', 'git_create_branch', 'git_checkout'],
    destructive: ['git_reset'],
    older: ['git_init'],
  },
  // src/fetch/src/mcp_server_fetch/server.py (0.6.3): one tool, unannotated.
  fetch: { repo: 'modelcontextprotocol/servers', read: ['fetch'], write: [], destructive: [] },
  // src/time/src/mcp_server_time/server.py (0.6.2): TimeTools, both readOnlyHint.
  time: { repo: 'modelcontextprotocol/servers', read: ['get_current_time', 'convert_time'], write: [], destructive: [] },
  // src/sequentialthinking/index.ts (0.6.2): readOnlyHint.
  'sequential-thinking': { repo: 'modelcontextprotocol/servers', read: ['sequentialthinking'], write: [], destructive: [] },
  // zencoderai/slack-mcp-server index.ts (commit 460899c): 8 registerTool calls, unannotated.
  slack: {
    repo: 'zencoderai/slack-mcp-server',
    read: ['slack_list_channels', 'slack_get_channel_history', 'slack_get_thread_replies', 'slack_get_users', 'slack_get_user_profile'],
    write: ['slack_post_message', 'slack_reply_to_thread', 'slack_add_reaction'],
    destructive: [],
  },
  // GongRzhe/Gmail-MCP-Server src/index.ts (commit a890d19, v1.1.11): 19 tools in ListTools, unannotated.
  gmail: {
    repo: 'GongRzhe/Gmail-MCP-Server',
    read: ['read_email', 'search_emails', 'list_email_labels', 'list_filters', 'get_filter'],
    write: ['send_email', 'draft_email', 'modify_email', 'batch_modify_emails', 'create_label', 'update_label',
      'get_or_create_label', 'create_filter', 'create_filter_from_template', 'download_attachment'],
    destructive: ['delete_email', 'batch_delete_emails', 'delete_label', 'delete_filter'],
  },
  // brave/brave-search-mcp-server src/tools/index.ts (commit 471532c): 9 tools, openWorldHint only.
  'brave-search': {
    repo: 'brave/brave-search-mcp-server',
    read: ['brave_web_search', 'brave_local_search', 'brave_video_search', 'brave_image_search', 'brave_news_search',
      'brave_summarizer', 'brave_llm_context', 'brave_place_search', 'brave_answers'],
    write: [],
    destructive: [],
  },
  // bytebase/dbhub src/tools/builtin-tools.ts (commit d91080f, v1.2.1): two default tools, two opt-in.
  postgres: { repo: 'bytebase/dbhub', read: ['search_objects', 'explain_sql', 'health_check'], write: [], destructive: ['execute_sql'] },
  // The resend-mcp 2.22.0 package from npm (resend/resend-mcp src/tools/, built): 105 registerTool calls; a few
  // reads carry readOnlyHint, nothing else is annotated. manage-events creates and removes event definitions.
  resend: {
    repo: 'resend/resend-mcp',
    read: [
      'get-automation', 'get-automation-runs', 'get-broadcast', 'get-contact', 'get-contact-import',
      'get-contact-property', 'get-domain', 'get-domain-claim', 'get-email', 'get-email-metrics', 'get-log',
      'get-received-email', 'get-received-email-attachment', 'get-segment', 'get-sent-email-attachment',
      'get-suppression', 'get-template', 'get-tiptap-json-content', 'get-topic', 'get-webhook', 'get-webhook-event',
      'list-api-keys', 'list-broadcast-clicked-links', 'list-broadcast-recipients', 'list-broadcasts',
      'list-contact-imports', 'list-contact-properties', 'list-contact-segments', 'list-contact-topics',
      'list-contacts', 'list-domains', 'list-emails', 'list-logs', 'list-oauth-grants',
      'list-received-email-attachments', 'list-received-emails', 'list-segments', 'list-sent-email-attachments',
      'list-suppressions', 'list-templates', 'list-topics', 'list-webhook-event-attempts', 'list-webhook-events',
      'list-webhooks',
    ],
    write: [
      'add-contact-to-segment', 'add-suppression', 'batch-add-suppressions', 'compose-broadcast', 'compose-template',
      'connect-to-editor', 'create-api-key', 'create-automation', 'create-broadcast', 'create-contact',
      'create-contact-import', 'create-contact-property', 'create-domain', 'create-domain-claim', 'create-segment',
      'create-template', 'create-topic', 'create-webhook', 'disconnect-from-editor', 'duplicate-automation',
      'duplicate-broadcast', 'duplicate-template', 'publish-template', 'replay-webhook-event', 'send-batch-emails',
      'send-broadcast', 'send-email', 'send-event', 'share-email', 'update-api-key', 'update-automation',
      'update-broadcast', 'update-contact', 'update-contact-property', 'update-contact-topics', 'update-domain',
      'update-email', 'update-segment', 'update-template', 'update-topic', 'update-webhook', 'verify-domain',
      'verify-domain-claim',
    ],
    destructive: [
      'batch-remove-suppressions', 'cancel-broadcast', 'cancel-email', 'manage-events', 'remove-api-key',
      'remove-automation', 'remove-broadcast', 'remove-contact', 'remove-contact-from-segment',
      'remove-contact-property', 'remove-domain', 'remove-segment', 'remove-suppression', 'remove-template',
      'remove-topic', 'remove-webhook', 'revoke-oauth-grant', 'rotate-webhook-signing-secret',
    ],
  },
  // Google's Maps Grounding Lite MCP reference (developers.google.com/maps/ai/grounding-lite/reference).
  'google-maps': {
    repo: 'developers.google.com/maps/ai/grounding-lite',
    read: ['search_places', 'lookup_weather', 'compute_routes', 'resolve_names', 'resolve_maps_urls'],
    write: [],
    destructive: [],
  },
};

describe('tool tables checked against each server\'s source', () => {
  it.each(Object.keys(FROM_SOURCE))('%s: the table holds exactly the source\'s tools, in their classes', (id) => {
    const src = FROM_SOURCE[id]!;
    const table = presets.require(id).tools;
    expect(table).toBeDefined();
    const expected: Record<string, string> = {};
    for (const cls of ['read', 'write', 'destructive'] as const) for (const name of src[cls]) expected[name] = cls;
    const { older = [] } = src;
    const current = Object.fromEntries(Object.entries(table!).filter(([name]) => !older.includes(name)));
    expect(current).toEqual(expected);
    for (const name of older) expect(Object.hasOwn(table!, name), name).toBe(true);
  });

  it.each(Object.keys(FROM_SOURCE))('%s: read denies every write and delete, readwrite only deletes, full nothing', (id) => {
    const src = FROM_SOURCE[id]!;
    const table = presets.require(id).tools;
    // As the server lists them: no annotation, or none that would give these classes without the table.
    const listed: Tool[] = [...src.read, ...src.write, ...src.destructive].map((name) => ({ name }));
    expect(deniedTools(listed, 'read', table).sort()).toEqual([...src.write, ...src.destructive].sort());
    expect(deniedTools(listed, 'readwrite', table).sort()).toEqual([...src.destructive].sort());
    expect(deniedTools(listed, 'full', table)).toEqual([]);
  });
});

// Servers whose own annotations are right, so they need no table (README "Permission levels").
// nspady/google-calendar-mcp src/tools/registry.ts and src/server.ts (commit 0f2c9c5, v2.6.1).
const RO = { readOnlyHint: true };
const W = { readOnlyHint: false, destructiveHint: false };
const D = { readOnlyHint: false, destructiveHint: true };
const SELF_ANNOTATING: Record<string, { name: string; annotations: Tool['annotations'] }[]> = {
  'google-calendar': [
    ...['list-calendars', 'list-events', 'search-events', 'get-event', 'list-colors', 'get-freebusy', 'get-current-time']
      .map((name) => ({ name, annotations: RO })),
    ...['create-event', 'create-events', 'respond-to-event'].map((name) => ({ name, annotations: W })),
    ...['update-event', 'delete-event', 'manage-accounts'].map((name) => ({ name, annotations: D })),
  ],
};

describe('self-annotating servers', () => {
  it.each(Object.keys(SELF_ANNOTATING))('%s: no table; its annotations keep the reads for read and deletes for full', (id) => {
    expect(presets.require(id).tools).toBeUndefined();
    const tools = SELF_ANNOTATING[id]!;
    const reads = tools.filter((t) => t.annotations?.readOnlyHint === true).map((t) => t.name);
    expect(reads.length).toBeGreaterThan(0);
    expect(deniedTools(tools, 'read', undefined)).toEqual(tools.filter((t) => !reads.includes(t.name)).map((t) => t.name));
    expect(deniedTools(tools, 'full', undefined)).toEqual([]);
  });
});

describe('README "Permission levels" names each handled preset and its source', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  it.each([
    ['github', 'github/github-mcp-server'], ['playwright', 'microsoft/playwright-mcp'],
    ['atlassian', 'sooperset/mcp-atlassian'], ['google-calendar', 'nspady/google-calendar-mcp'],
    ...Object.entries(FROM_SOURCE).map(([id, src]): [string, string] => [id, src.repo]),
  ])('%s: %s', (id, repo) => {
    expect(readme).toContain(repo);
    expect(presets.require(id).notes!.some((n) => n.startsWith('Tool classes:') && n.includes(repo))).toBe(true);
  });
});
