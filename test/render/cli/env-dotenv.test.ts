// `conn env --format dotenv` writes what kubectl's --from-env-file and docker's --env-file read:
// KEY=value with the value taken literally, so no quote ever becomes part of the secret.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeWorld, requireKeychain, type World } from '../../helpers/world.js';
import { addNotion, MEM_SERVER, ok, render, servers } from './helpers.js';

let w: World;
beforeEach(() => {
  requireKeychain();
  w = makeWorld();
});
afterEach(() => w.cleanup());

/** kubectl's env-file reading: split at the first `=`, the rest of the line is the value as is. */
const kubectlEnvFile = (text: string) => Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('conn env --format dotenv', () => {
  it('prints KEY=value lines that an env-file reader takes back to the exact value', async () => {
    const token = `ntn_"quoted" $HOME 'x' \\n`;
    await addNotion(w, token);
    const r = await ok(w, ['env', '--format', 'dotenv']);
    expect(r.stdout).toBe(`CONN_NOTION_NOTION_TOKEN=${token}\n`);
    expect(kubectlEnvFile(r.stdout)).toEqual({ CONN_NOTION_NOTION_TOKEN: token });
  });

  it('refuses a value that spans lines in one line, without printing it', async () => {
    await ok(w, ['add', 'notion', '--secret', 'NOTION_TOKEN=env:CONN_TEST_MULTILINE']);
    const r = await w.conn(['env', '--format', 'dotenv'], { env: { CONN_TEST_MULTILINE: 'ntn_first\nsecond_line' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    // A reference to the user's own variable is exported under that name (issue 23).
    expect(r.stderr).toBe('conn: the value of CONN_TEST_MULTILINE spans lines: the dotenv format cannot hold it (use --format shell or --format json)\n');
  });
});

describe('env-mode variable names', () => {
  it('refuses two connections that would share a variable (acme/PROD_TOKEN and acme-prod/TOKEN), naming both', async () => {
    const repo = w.gitRepo('api');
    await ok(w, ['add', 'custom', '--name', 'acme', '--secret-stdin', 'PROD_TOKEN', '--', 'node', MEM_SERVER], { input: 'acme_secret_value_1' });
    await ok(w, ['add', 'custom', '--name', 'acme-prod', '--secret-stdin', 'TOKEN', '--', 'node', MEM_SERVER], { input: 'acme_prod_secret_2' });

    const r = await render(w, repo, ['--secrets', 'env'], 1);
    expect(r.stderr).toBe('conn: connections acme and acme-prod would both use the variable CONN_ACME_PROD_TOKEN (rename one of them: conn edit acme-prod --rename NEW)\n');
    expect(servers(repo)).toEqual({});

    const env = await w.conn(['env', '--repo', repo]);
    expect(env.code).toBe(1);
    expect(env.stdout).toBe('');
    expect(env.stderr).toContain('CONN_ACME_PROD_TOKEN');
    expect(env.stderr).not.toMatch(/acme_secret_value_1|acme_prod_secret_2/);

    // Inline mode shares no variable: each server gets its own value.
    await render(w, repo, ['--secrets', 'inline']);
    expect(servers(repo)).toMatchObject({ acme: { env: { PROD_TOKEN: 'acme_secret_value_1' } }, 'acme-prod': { env: { TOKEN: 'acme_prod_secret_2' } } });
  });
});
