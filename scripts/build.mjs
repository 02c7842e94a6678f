// Bundles src/ into dist/ with one lazily loaded chunk per command, so `conn render`'s unchanged
// path never loads the MCP SDK, zod or the keychain binding. Builds into a staging folder and swaps
// it in at the end: stale chunks never ship, and a running conn never sees a half-built dist/.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const stage = `${dist}.build-${process.pid}`;
rmSync(stage, { recursive: true, force: true });

// Node built-ins. Those Node has loaded before any user code runs cost nothing to require; the
// others (crypto, child_process, net, tty, fs/promises…) are required on first use, so a command that
// never hashes never loads node:crypto. Such a shim exports nothing of its own: its prototype is a
// proxy that loads the module when a property is first read. esbuild's import helper (__toESM)
// copies a module's own properties, one getter each, for every importing file; with none to copy,
// an import costs nothing (copying crypto's ~60 exports twice was a fifth of the unchanged render).
// In the ES module bundle every built-in goes through require(): an ESM import of a built-in builds
// a facade that reads every export once (fs.promises, fs.ReadStream…), loading modules nobody uses.
const PRELOADED = new Set(['buffer', 'events', 'fs', 'module', 'path', 'timers', 'url', 'util']);
const builtins = (format) => ({
  name: 'builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      // Inside a shim, and `await import('node:x')` (loaded when it runs anyway): the real module.
      if (args.namespace === 'builtin' || args.kind === 'dynamic-import') return { path: args.path, external: true };
      if (format === 'cjs' && PRELOADED.has(args.path.slice(5))) return { path: args.path, external: true };
      return { path: args.path, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      // Already loaded by Node: required as it is. (Not re-exported by name: reading every export up
      // front would trip the getters Node 22+ puts on deprecated ones, like fs.F_OK, and print warnings.)
      if (PRELOADED.has(args.path.slice(5))) return { contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' };
      // __esModule is answered without loading: __toESM may ask.
      return {
        contents: `let m; const load = () => (m ??= require(${JSON.stringify(args.path)}));
module.exports = Object.create(new Proxy({}, { get: (_, key) => (key === '__esModule' ? undefined : load()[key]) }));`,
        loader: 'js',
      };
    });
  },
});

// conn always builds its own \`new Chalk({ level })\` from its own TTY/NO_COLOR check, so chalk's
// start-up detection (which loads node:tty and node:os) is replaced by a stub saying "no colour".
const quietChalk = {
  name: 'quiet-chalk',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, () => ({ path: 'supports-color', namespace: 'quiet-chalk' }));
    b.onLoad({ filter: /.*/, namespace: 'quiet-chalk' }, () => ({
      contents: 'export const stdout = false; export const stderr = false; export default { stdout, stderr };',
      loader: 'js',
    }));
  },
};

// string-width and wrap-ansi set up an Intl.Segmenter and Unicode-property regexes (RGI_Emoji) when
// they load: ~30 ms, as much as the rest of `conn list`. In the CommonJS hot paths each is loaded on
// first use: wrap-ansi when a table is wider than the terminal, string-width on the first string that
// is not plain ASCII (colour codes aside), which is measured by its length, as string-width would.
const lazyWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^(string-width|wrap-ansi)$/ }, (args) => ({ path: args.path, namespace: 'lazy-width' }));
    b.onLoad({ filter: /^wrap-ansi$/, namespace: 'lazy-width' }, () => ({
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      contents: `let real;
export default function wrapAnsi(text, columns, options) {
  real ??= require('./node_modules/wrap-ansi/index.js').default;
  return real(text, columns, options);
}`,
      loader: 'js',
    }));
    b.onLoad({ filter: /^string-width$/, namespace: 'lazy-width' }, () => ({
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      contents: `const SGR = /\\u001b\\[[0-9;]*m/g;
const PLAIN = /^[\\x20-\\x7e]*$/;
let real;
export default function stringWidth(text, options) {
  if (typeof text === 'string' && options === undefined) {
    const visible = text.includes('\\u001b') ? text.replace(SGR, '') : text;
    if (PLAIN.test(visible)) return visible.length;
  }
  real ??= require('./node_modules/string-width/index.js').default;
  return real(text, options);
}`,
      loader: 'js',
    }));
  },
};

/** An import of another dist/ entry, left to be loaded from beside the output at run time. */
const besideInDist = (path, target) => ({
  name: 'beside-in-dist',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }, () => ({ path: target, external: true }));
  },
});

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  // jsonc-parser's main entry is UMD with dynamic requires; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
};

await build({
  ...common,
  entryPoints: { cli: 'src/cli.ts' },
  splitting: true,
  outdir: stage,
  chunkNames: 'chunks/[name]-[hash]',
  // Native binding: resolved from node_modules at run time.
  external: ['@napi-rs/keyring'],
  plugins: [builtins('esm'), quietChalk],
  banner: { js: "import { createRequire as __connCreateRequire } from 'node:module'; const require = __connCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
});

// The hot paths as CommonJS, so starting them needs no ES module loader: measured on Node 20, the
// loader's resolve/link/compile of the chunks is about a quarter of a render that writes.
const commonjs = {
  ...common,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  outdir: stage,
  define: { 'import.meta.url': '__connModuleUrl' },
  banner: { js: "const __connModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  // `import()` becomes require(): loading a CommonJS file through the ES module loader would undo the point.
  supported: { 'dynamic-import': false },
  sourcemap: 'linked',
};

// dist/fast.cjs: the unchanged render (the shell hook on every `cd`), one small file; dist/list.cjs: `conn list`.
await build({
  ...commonjs,
  entryPoints: { fast: 'src/fast.ts', list: 'src/list-entry.ts' },
  external: ['@napi-rs/keyring'],
  plugins: [builtins('cjs'), quietChalk, lazyWidth, besideInDist('./render-entry.js', './render.cjs')],
});

// dist/render.cjs: a render that found a change, without commander. Third-party code it reaches only
// on rare paths (zod when a catalog is written, the MCP SDK's OAuth refresh, proper-lockfile, yaml for
// the Continue and Goose writers, and the prompter deps carries: @inquirer/prompts, a megabyte of code
// a render never runs) is required from node_modules when used instead of being parsed on every start;
// conn's own modules are all inside, so its error classes are one copy.
await build({
  ...commonjs,
  entryPoints: { render: 'src/render-entry.ts' },
  external: ['@napi-rs/keyring', 'zod', '@modelcontextprotocol/client', '@modelcontextprotocol/server', 'proper-lockfile', '@inquirer/prompts', 'yaml'],
  plugins: [builtins('cjs'), quietChalk, lazyWidth],
});

// dist/serve.cjs: `conn serve` the same way (an agent starting a proxy entry waits for it). The stdio
// proxy needs no SDK; a remote upstream and the http-api bridge require it from node_modules.
await build({
  ...commonjs,
  entryPoints: { serve: 'src/serve-entry.ts' },
  external: ['@napi-rs/keyring', 'zod', '@modelcontextprotocol/client', '@modelcontextprotocol/server', 'proper-lockfile', '@inquirer/prompts'],
  plugins: [builtins('cjs'), quietChalk, lazyWidth],
});

// The top-level help as commander prints it, so bin/conn.js can answer `conn --help` without loading it.
const help = execFileSync(process.execPath, [`${stage}/cli.js`, '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
writeFileSync(`${stage}/help.txt`, help);

// Built-in presets, validated now (a broken one fails the build) so the CLI reads them without zod.
await build({ ...common, entryPoints: ['scripts/normalize-presets.ts'], outfile: `${stage}/normalize-presets.mjs` });
execFileSync(process.execPath, [`${stage}/normalize-presets.mjs`, `${stage}/presets.json`], { stdio: 'inherit' });
rmSync(`${stage}/normalize-presets.mjs`);

// The hot CommonJS files must be ASCII: one non-ASCII byte (a `→` in a comment esbuild kept) makes Node
// decode the whole file into a two-byte string, which costs a render that writes ~4 ms of reading,
// scanning and garbage collection. esbuild escapes non-ASCII in code; only comments can carry it.
for (const name of ['fast.cjs', 'list.cjs', 'render.cjs', 'serve.cjs']) {
  const text = readFileSync(`${stage}/${name}`, 'latin1');
  const at = text.search(/[^\x00-\x7f]/);
  if (at >= 0) {
    const line = text.slice(0, at).split('\n').length;
    throw new Error(`dist/${name}:${line} has a non-ASCII character (in a comment of the source it came from): write it in ASCII`);
  }
}

rmSync(dist, { recursive: true, force: true });
renameSync(stage, dist);
