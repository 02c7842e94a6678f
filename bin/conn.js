#!/usr/bin/env node
// Thin launcher: the real program is the esbuild bundle in dist/ (built by `npm install` via `prepare`).
// CommonJS on purpose (bin/package.json): an ES module entry costs every start a few milliseconds of
// loader set-up, and the hottest invocations never need it. `--help` and `--version` are answered
// from files written at build time; dist/fast.cjs answers `conn render` when nothing changed, dist/list.cjs `conn list`,
// dist/serve.cjs `conn serve` (an agent waits for its start);
// everything else loads the full CLI (an ES module bundle with per-command chunks).
'use strict';
const { readFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
/** Straight to fd 1 (creating process.stdout on a pipe costs more than the rest of `--help`). */
const print = (text) => {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off);
  } catch (err) {
    if (err.code !== 'EPIPE') process.stdout.write(buf.subarray(off));
  }
};
const dist = join(__dirname, '..', 'dist');
if (args.length === 0 || (args.length === 1 && (args[0] === '--help' || args[0] === '-h'))) {
  print(readFileSync(join(dist, 'help.txt'), 'utf8'));
} else if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  print(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else {
  // Compile cache makes repeated starts cheaper where Node supports it (>= 22.1).
  require('node:module').enableCompileCache?.();
  const fast =
    args[0] === 'render' ? require(join(dist, 'fast.cjs')).tryFast(args.slice(1))
    : args[0] === 'list' || args[0] === 'ls' ? require(join(dist, 'list.cjs')).tryList(args.slice(1))
    : args[0] === 'serve' ? require(join(dist, 'serve.cjs')).tryServe(args.slice(1))
    : Promise.resolve(false);
  fast.catch(() => false).then((done) => done || import('../dist/cli.js'));
}
