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
  // A compile cache makes repeated starts cheaper: Node's own where it has one (>= 22.1), else ours
  // for the CommonJS files of dist/ (compiling dist/render.cjs is ~15 ms of a render that writes).
  const Module = require('node:module');
  if (Module.enableCompileCache) Module.enableCompileCache();
  else if (!process.env.CONN_NO_COMPILE_CACHE) compileCache(Module);
  const fast =
    args[0] === 'render' ? require(join(dist, 'fast.cjs')).tryFast(args.slice(1))
    : args[0] === 'list' || args[0] === 'ls' ? require(join(dist, 'list.cjs')).tryList(args.slice(1))
    : args[0] === 'serve' ? require(join(dist, 'serve.cjs')).tryServe(args.slice(1))
    : Promise.resolve(false);
  fast.catch(() => false).then((done) => done || import('../dist/cli.js'));
}

/**
 * Node 20: V8's code cache for the two large CommonJS files of dist/ (render.cjs, serve.cjs; the small
 * ones compile faster than a cache loads), kept in the user's own cache folder (never a shared temp
 * dir: a planted cache would be code run as the user). A cache V8 rejects (another Node, a rebuilt
 * file) is written again after a run that succeeded, with the functions that ran compiled.
 */
function compileCache(Module) {
  const cached = new Set([join(dist, 'render.cjs'), join(dist, 'serve.cjs')]);
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    if (!cached.has(filename)) return compile.call(this, content, filename);
    const { homedir } = require('node:os');
    const { mkdirSync, renameSync, writeFileSync } = require('node:fs');
    const vm = require('node:vm');
    const base =
      process.platform === 'darwin' ? join(homedir(), 'Library', 'Caches')
      : process.platform === 'win32' ? (process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'))
      : (process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'));
    const file = join(base, 'conn', `v8-${process.version}`, filename.slice(dist.length + 1));
    let cachedData;
    try {
      cachedData = readFileSync(file);
    } catch {}
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (!cachedData || script.cachedDataRejected) {
      // Only after a run that succeeded: a failed command leaves nothing behind, not even a cache.
      process.once('exit', (code) => {
        if (code !== 0) return;
        try {
          mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
          const tmp = `${file}.${process.pid}`;
          writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
          renameSync(tmp, file);
        } catch {} // a cache that cannot be written is only slower
      });
    }
    return script.runInThisContext().call(this.exports, this.exports, Module.createRequire(filename), this, filename, dist);
  };
}
