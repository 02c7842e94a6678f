#!/usr/bin/env node
// Thin launcher: the real program is the esbuild bundle in dist/ (built by `npm install` via `prepare`).
// `--help` and `--version` are answered here from files written at build time; dist/fast.js answers
// `conn render` when nothing changed; everything else loads the full CLI.
import { readFileSync } from 'node:fs';
import module from 'node:module';

const args = process.argv.slice(2);
if (args.length === 0 || (args.length === 1 && (args[0] === '--help' || args[0] === '-h'))) {
  process.stdout.write(readFileSync(new URL('../dist/help.txt', import.meta.url), 'utf8'));
} else if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  // Compile cache makes repeated starts cheaper where Node supports it (>= 22.1).
  module.enableCompileCache?.();
  const { tryFast } = args[0] === 'render' ? await import('../dist/fast.js') : { tryFast: async () => false };
  if (!(await tryFast(args))) await import('../dist/cli.js');
}
