#!/usr/bin/env node
// Thin launcher: the real program is the esbuild bundle in dist/ (built by `npm install` via `prepare`).
import module from 'node:module';
// Compile cache makes repeated starts (a shell hook on every `cd`) cheaper where Node supports it.
module.enableCompileCache?.();
await import('../dist/cli.js');
