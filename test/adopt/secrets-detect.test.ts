import { describe, expect, it } from 'vitest';
import { argValues, detectSecret, referencedVar, type ValueSite } from '../../src/adopt/secrets-detect.js';

const ctx = {
  secretNames: new Map([['NOTION_TOKEN', 'notion'], ['DSN', 'postgres']]),
  plainNames: new Set(['GITHUB_TOOLSETS', 'JIRA_USERNAME']),
};

// [site, key, value, expected rule (undefined = not a secret)]
const cases: [ValueSite, string, string, string | undefined][] = [
  ['env', 'NOTION_TOKEN', 'whatever-it-is', 'known-name'],
  ['env', 'DSN', 'postgres://localhost/db', 'known-name'],
  ['env', 'MY_API_TOKEN', 'abc', 'name-pattern'],
  ['env', 'openai_key', 'abc', 'name-pattern'],
  ['env', 'CLIENT_SECRET', 'abc', 'name-pattern'],
  ['env', 'DB_PASSWORD', 'hunter2', 'name-pattern'],
  ['env', 'LOG_LEVEL', 'debug', undefined],
  ['env', 'GITHUB_TOOLSETS', 'repos,issues', undefined],
  ['env', 'GH', 'ghp_abcdefgh12345678', 'token-prefix'],
  ['env', 'X', 'github_pat_11ABCDEFG0123456789', 'token-prefix'],
  ['env', 'X', 'ntn_123456789abcdef', 'token-prefix'],
  ['env', 'X', 'xoxb-1234-5678-abcdefgh', 'token-prefix'],
  ['env', 'X', 'xoxp-1234-5678-abcdefgh', 'token-prefix'],
  ['env', 'X', 'lin_api_abcdef123456', 'token-prefix'],
  ['env', 'X', 'sk_live_abcdef123456', 'token-prefix'],
  ['env', 'X', 'rk_live_abcdef123456', 'token-prefix'],
  ['env', 'X', 'sbp_0123456789abcdef', 'token-prefix'],
  ['env', 'X', 're_123456789_abcdef', 'token-prefix'],
  ['env', 'X', 'sntryu_0123456789abcdef', 'token-prefix'],
  ['env', 'X', 'AIzaSyA0123456789abcdefghij', 'token-prefix'],
  ['env', 'X', 're_index', undefined],
  ['env', 'X', 'sk_learn_is_a_library', undefined],
  ['env', 'JIRA_USERNAME', 'ghp_abcdefgh12345678', 'token-prefix'],
  ['header', 'Authorization', 'Bearer abc', 'authorization'],
  ['header', 'authorization', 'Basic dXNlcjpwYXNz', 'authorization'],
  ['header', 'X-API-Key', 'abc', 'name-pattern'],
  ['header', 'Accept', 'application/json', undefined],
  ['url', 'url', 'https://user:pw@example.com/mcp', 'url-credentials'],
  ['url', 'url', 'https://example.com/mcp?api_key=abc123', 'url-credentials'],
  ['url', 'url', 'https://example.com/mcp?page=2', undefined],
  // Issue 23: what real configs hold.
  ['arg', 'arg 3', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.abcdefghijklmnop0123', 'token-prefix'],
  ['env', 'X', 'gho_abcdefgh12345678', 'token-prefix'],
  ['header', 'CONTEXT7', 'ctx7sk-0123abcd-4567-89ef', 'token-prefix'],
  ['arg', 'arg 2', 'postgresql://admin:pw1@db.internal:5432/app', 'url-credentials'],
  ['env', 'SMTP_PASS', 'hunter2', 'name-pattern'],
  ['env', 'PASSPHRASE', 'correct horse', 'name-pattern'],
  ['env', 'COMPASS_URL', 'https://compass.example.com', undefined],
  ['env', 'PASSTHROUGH_MODE', 'all', undefined],
  ['env', 'MAX_NEW_TOKENS', '512', undefined],
  ['env', 'DEFAULT_MINIMUM_TOKENS', '100', undefined],
  ['env', 'USE_API_KEY', 'true', undefined],
  ['env', 'API_KEY', 'YOUR_API_KEY_HERE', undefined],
  ['env', 'APILLON_API_KEY', '<APILLON_API_KEY>', undefined],
  ['env', 'TOKEN', '<paste-your-token>', undefined],
  ['env', 'TOKEN', '${TOKEN:-}', undefined],
  ['env', 'TOKEN', '${input:token}', undefined],
  ['env', 'TOKEN', '${process.env.TOKEN}', undefined],
  ['header', 'X-Api-Key', '{env:API_KEY}', undefined],
  ['arg', 'arg 3', 'postgresql://me:pw@localhost/db', 'url-credentials'],
  ['arg', 'api-key', 'abc', 'name-pattern'],
  // References hold no secret: never flagged, whatever the name.
  ['env', 'NOTION_TOKEN', '${NOTION_TOKEN}', undefined],
  ['env', 'API_KEY', '${env:API_KEY}', undefined],
  ['env', 'API_KEY', '{env:API_KEY}', undefined],
  ['header', 'Authorization', 'Bearer ${TOKEN}', undefined],
  ['env', 'API_KEY', '${input:api-key}', undefined],
  ['env', 'API_KEY', '', undefined],
];

describe('detectSecret', () => {
  it.each(cases)('%s %s=%s → %s', (site, key, value, rule) => {
    const found = detectSecret(site, key, value, ctx);
    expect(found?.rule).toBe(rule);
    if (found) expect(found.reason).not.toContain(value);
  });

  it('names the vendor for a token prefix and the preset for a known name', () => {
    expect(detectSecret('env', 'X', 'ghp_abcdefgh12345678')!.reason).toBe('GitHub token (ghp_…)');
    expect(detectSecret('env', 'NOTION_TOKEN', 'x', ctx)!.reason).toBe('known secret field of preset notion');
    expect(detectSecret('env', 'MY_SECRET', 'x')!.reason).toBe('name contains SECRET');
  });
});

describe('referencedVar', () => {
  it.each([
    ['${A}', 'A'],
    ['${env:B_2}', 'B_2'],
    ['{env:C}', 'C'],
    [' ${D} ', 'D'],
    ['Bearer ${E}', undefined],
    ['$F', undefined],
    ['plain', undefined],
  ])('%s → %s', (value, name) => expect(referencedVar(value)).toBe(name));
});

describe('argValues', () => {
  it('keys values by flag, in both --flag=value and --flag value forms', () => {
    expect(argValues(['-y', 'pkg', '--api-key=abc', '--token', 'xyz', '--port', '8080'])).toEqual([
      { key: 'arg 2', value: 'pkg', index: 1 },
      { key: 'api-key', value: 'abc', index: 2 },
      { key: 'token', value: 'xyz', index: 4 },
      { key: 'arg 7', value: '8080', index: 6 },
    ]);
  });
});
