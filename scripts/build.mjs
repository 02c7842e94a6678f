// Bundles src/ into dist/ with one lazily loaded chunk per command, so `conn render`'s unchanged
// path never loads the MCP SDK, zod or the keychain binding. Builds into a staging folder and swaps
// it in at the end: stale chunks never ship, and a running conn never sees a half-built dist/.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const stage = `${dist}.build-${process.pid}`;
rmSync(stage, { recursive: true, force: true });

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
  banner: { js: "import { createRequire as __connCreateRequire } from 'node:module'; const require = __connCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
});

// The fast path (an unchanged render from a shell hook) as one file with no chunks: every module
// load counts when the whole budget is a few milliseconds over `node -e 0`.
await build({ ...common, entryPoints: { fast: 'src/fast.ts' }, outdir: stage, sourcemap: 'linked' });

// The top-level help as commander prints it, so bin/conn.js can answer `conn --help` without loading it.
const help = execFileSync(process.execPath, [`${stage}/cli.js`, '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
writeFileSync(`${stage}/help.txt`, help);

// Built-in presets, validated now (a broken one fails the build) so the CLI reads them without zod.
await build({ ...common, entryPoints: ['scripts/normalize-presets.ts'], outfile: `${stage}/normalize-presets.mjs` });
execFileSync(process.execPath, [`${stage}/normalize-presets.mjs`, `${stage}/presets.json`], { stdio: 'inherit' });
rmSync(`${stage}/normalize-presets.mjs`);

rmSync(dist, { recursive: true, force: true });
renameSync(stage, dist);
