// Bundles the CLI with esbuild. Why a bundler: commander + chalk + conf loaded as separate
// modules start ~2.5x slower than `node -e 0`; bundled they start ~1.5x (measured, see bench/).
// The AWS SDK and @inquirer/prompts stay external and are only reached by dynamic import() from
// the commands that need them; the emulator is its own entry point. Minified: conf brings ajv,
// semver and fast-uri (~370 KB of the 600 KB bundle), and parsing half the bytes took local
// commands from ~2.1x to ~1.8x `node -e 0` (bench/startup.mjs, 25 runs, 2026-11-25).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'emulator/main': 'src/emulator/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  chunkNames: 'chunks/[name]-[hash]',
  external: ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*', '@inquirer/prompts', '@napi-rs/keyring', 'proper-lockfile', 'https-proxy-agent', 'http-proxy-agent', 'proxy-from-env'],
  banner: { js: "import { createRequire as __byokCreateRequire } from 'node:module'; const require = __byokCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
