// Bundles src/ into dist/ with one lazily loaded chunk per command, so `conn render`'s unchanged
// path never loads the MCP SDK, conf or the keychain binding.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

// Stale chunks from earlier builds must not ship.
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { cli: 'src/cli.ts', fast: 'src/fast.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // jsonc-parser's main entry is UMD with dynamic requires; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  // Native binding: resolved from node_modules at run time.
  external: ['@napi-rs/keyring'],
  banner: { js: "import { createRequire as __connCreateRequire } from 'node:module'; const require = __connCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
});

// The top-level help as commander prints it, so bin/conn.js can answer `conn --help` without loading it.
const help = execFileSync(process.execPath, ['dist/cli.js', '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
writeFileSync(new URL('../dist/help.txt', import.meta.url), help);
