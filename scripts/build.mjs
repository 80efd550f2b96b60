// Bundles the CLI and the library with esbuild, and writes the library's type declarations.
// Why a bundler: commander + chalk + conf loaded as separate
// modules start ~2.5x slower than `node -e 0`; bundled they start ~1.5x (measured, see bench/).
// The AWS SDK and @inquirer/prompts stay external and are only reached by dynamic import() from
// the commands that need them; the emulator is its own entry point. Minified: conf brings ajv,
// semver and fast-uri (~370 KB of the 600 KB bundle), and parsing half the bytes took local
// commands from ~2.1x to ~1.8x `node -e 0` (bench/startup.mjs, 25 runs, 2026-11-25).
// The library (`import { openByok } from 'byok'`, src/index.ts) shares chunks with the CLI; its
// .d.ts files (dist/types) come from tsc --emitDeclarationOnly, run beside esbuild and skipped when
// no source file is newer than the last declarations written.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const typesEntry = join(dist, 'types', 'index.d.ts');

function newestSource(dir) {
  let newest = 0;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestSource(p) : st.mtimeMs);
  }
  return newest;
}

const typesCurrent = existsSync(typesEntry) && statSync(typesEntry).mtimeMs >= Math.max(newestSource(join(root, 'src')), statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(join(root, 'tsconfig.build.json')).mtimeMs);

// Everything but the declarations is rebuilt from nothing.
if (existsSync(dist)) for (const n of readdirSync(dist)) if (n !== 'types' || !typesCurrent) rmSync(join(dist, n), { recursive: true, force: true });

const types = typesCurrent
  ? Promise.resolve()
  : new Promise((resolve, reject) => {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const child = spawn(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc (declarations) exited with ${code}`))));
    });

await build({
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'emulator/main': 'src/emulator/main.ts', index: 'src/index.ts' },
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
await types;
