// `npm run demo` (scripts/demo.sh) follows conn's colour rule: escape codes only on a terminal, and
// never with NO_COLOR (piped: no escape codes at all).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pty from '@lydell/node-pty';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/world.js';

const DEMO = join(ROOT, 'scripts/demo.sh');
const ESC = '\x1b';
// Colour and bold (SGR); a progress line may still erase itself on a terminal, which is not colour.
const SGR = /\x1b\[[0-9;]*m/;
const env = (extra: Record<string, string>) => {
  const e: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', TERM: 'xterm', ...extra };
  return e;
};

function onTerminal(extra: Record<string, string>): Promise<{ code: number; out: string }> {
  const term = pty.spawn('bash', [DEMO], { cols: 200, rows: 50, cwd: ROOT, env: env(extra) });
  let out = '';
  term.onData((d) => (out += d));
  return new Promise((resolve) => term.onExit(({ exitCode }) => resolve({ code: exitCode, out })));
}

describe('scripts/demo.sh colours', () => {
  it('prints no escape codes when its output is piped', () => {
    const r = spawnSync('bash', [DEMO], { cwd: ROOT, env: env({}), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('$ conn presets');
    expect(r.stdout).not.toContain(ESC);
  }, 120_000);

  it('prints no escape codes on a terminal with NO_COLOR=1, and bold command lines without it', async () => {
    const plain = await onTerminal({ NO_COLOR: '1' });
    expect(plain.code, plain.out).toBe(0);
    expect(plain.out).toContain('$ conn presets');
    expect(plain.out).not.toMatch(SGR);
    const bold = await onTerminal({});
    expect(bold.code, bold.out).toBe(0);
    expect(bold.out).toContain(`${ESC}[1m$ conn presets`);
  }, 180_000);
});
