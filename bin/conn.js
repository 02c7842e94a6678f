#!/usr/bin/env node
// Thin launcher: the real program is the esbuild bundle in dist/ (built by `npm install` via `prepare`).
// dist/fast.js answers `conn render` with nothing changed, `--help` and `--version` on its own;
// everything else loads the full CLI.
import module from 'node:module';
// Compile cache makes repeated starts (a shell hook on every `cd`) cheaper where Node supports it (≥ 22.1).
module.enableCompileCache?.();
const { tryFast } = await import('../dist/fast.js');
if (!(await tryFast(process.argv.slice(2)))) await import('../dist/cli.js');
