// Bundles src/ into dist/ with one lazily loaded chunk per command, so `conn render`'s unchanged
// path never loads the MCP SDK, conf or the keychain binding.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/cli.ts' },
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
