// Bundles the CLI and the library with esbuild, and writes the library's type declarations.
// Why a bundler: commander + chalk + conf loaded as separate ESM modules start ~2.5x slower than
// `node -e 0` (measured, see bench/). The AWS SDK and @inquirer/prompts stay external and are only
// reached by import() from the commands that need them. Minified: parsing fewer bytes is start-up.
// The library (`import { openByok } from 'byok'`, src/index.ts) and the emulator are ESM with
// shared chunks; the CLI is one CommonJS file with a V8 code cache (why: below). The library's
// .d.ts files (dist/types) come from tsc --emitDeclarationOnly, run beside esbuild and skipped when
// no source file is newer than the last declarations written.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
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

const external = ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*', '@inquirer/prompts', '@napi-rs/keyring', 'proper-lockfile', 'https-proxy-agent', 'http-proxy-agent', 'proxy-from-env'];

// The library and the emulator: ESM with shared chunks (they are imported, not started per command).
const library = build({
  entryPoints: { 'emulator/main': 'src/emulator/main.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  chunkNames: 'chunks/[name]-[hash]',
  external,
  banner: { js: "import { createRequire as __byokCreateRequire } from 'node:module'; const require = __byokCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The CLI: one CommonJS file, because it is started once per command and its start-up is
// measured (issue 12: local commands ≤ 1.5× `node -e 0`). Measured here (paired runs, 2026-11-27):
// the ESM loader's per-module resolve and translate, and its facades over node: builtins, cost
// more than all of `policy show`'s own work; the same code as one CommonJS file started by
// bin/byok.js with a V8 code cache is ~35% faster. A command's code still runs only when that
// command runs: esbuild turns each import() of byok's own modules into a lazy initialiser, and
// what the read path never needs stays outside the file and loads on first use: the AWS SDK, the
// prompt library, conf (with its schema validator, for writes) and the emulator (its own entry).
const cli = build({
  entryPoints: { 'cli/main': 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: true,
  external: [...external, 'conf'],
  plugins: [
    {
      name: 'emulator-entry',
      setup(b) {
        // Loaded by bin/byok.js's import() (below), so relative to bin/.
        b.onResolve({ filter: /\/emulator\/main\.js$/ }, () => ({ path: '../dist/emulator/main.js', external: true }));
      },
    },
    {
      // env-paths (the config directory's default) asks node:os for the home directory when it
      // loads, and is imported by the store, which every command loads; most runs name the
      // directory (BYOK_CONFIG_DIR) and never need it. Here the store gets a function that loads
      // env-paths on its first call.
      name: 'env-paths-on-first-call',
      setup(b) {
        b.onResolve({ filter: /^env-paths$/ }, (a) => (a.namespace === 'byok-lazy-env-paths' ? undefined : { path: 'env-paths', namespace: 'byok-lazy-env-paths' }));
        b.onLoad({ filter: /.*/, namespace: 'byok-lazy-env-paths' }, () => ({
          contents: "export default function envPaths(...a) { return require('env-paths').default(...a); }",
          loader: 'js',
          resolveDir: root,
        }));
      },
    },
    {
      // commander requires node:child_process when it loads, for executable subcommands, which
      // byok has none of; child_process loads node:net, node:dgram and the stream classes. Here
      // commander gets it on first use instead.
      name: 'commander-lazy-child-process',
      setup(b) {
        b.onResolve({ filter: /^node:child_process$/ }, (a) => (/[\\/]commander[\\/]/.test(a.importer) ? { path: 'lazy-child-process', namespace: 'byok-lazy' } : undefined));
        b.onLoad({ filter: /.*/, namespace: 'byok-lazy' }, () => ({
          contents: "let m; module.exports = new Proxy({}, { get: (_t, p) => (m ??= require('node:' + 'child_process'))[p] });",
          loader: 'js',
        }));
      },
    },
  ],
  write: false,
  logLevel: 'warning',
});
const [, cliBuilt] = await Promise.all([library, cli]);

// Node 20 drops a script's import() callback when V8 compiles it from a code cache
// (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so the CLI file holds no import(): each one (all of
// them load packages or entries outside the file) becomes a call of `__byok`, the function
// bin/byok.js hands the file: its own import(), resolved from bin/. Same length, so the source
// map still fits. Any other `import(` in the file stops the build.
const main = join(dist, 'cli', 'main.cjs');
mkdirSync(join(dist, 'cli'), { recursive: true });
// The file holds the function bin/byok.js runs, wrapper and all: CommonJS's parameters plus
// `__byok`, the wrapper on a line of its own (so the source map moves down one line, below). bin/byok.js
// then hands V8 the file as it is, one string with no concatenation to flatten, decoded as Latin-1
// (a copy, no UTF-8 validation): that needs a file of ASCII only, which esbuild writes (its
// default charset escapes everything else) and this build checks. Measured (paired runs,
// 2026-11-28): `policy show` 1.1–1.4 ms faster, ~100 fewer page faults, than wrapping at start-up.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname, __byok) {\n';
const WRAPPER_TAIL = '\n})';
for (const out of cliBuilt.outputFiles) {
  let text = out.text;
  if (out.path === main) {
    text = text.replace(/\bimport\((?="[^"]+"\))/g, '__byok(');
    const left = /.{0,40}\bimport\(.{0,40}/.exec(text);
    if (left) throw new Error(`the CLI bundle has an import() bin/byok.js cannot serve: ${left[0]}`);
    const wide = /[^\x00-\x7f]/.exec(text);
    if (wide) throw new Error(`the CLI bundle has a character outside ASCII (U+${wide[0].codePointAt(0).toString(16).padStart(4, '0')}) at ${wide.index}: bin/byok.js decodes it as Latin-1`);
    text = `${WRAPPER_HEAD}${text}${WRAPPER_TAIL}`;
  } else if (out.path === `${main}.map`) {
    // One line more above the bundle: the map's first line is empty.
    const map = JSON.parse(out.text);
    map.mappings = `;${map.mappings}`;
    text = JSON.stringify(map);
  }
  writeFileSync(out.path, text);
}

// The code caches bin/byok.js hands V8 with the CLI: the bytecode that the local read commands
// compile (run one after another in one process, so a cache also holds the functions those
// commands run, not only the top level), made by the same build as the file, with the same
// wrapper. Every function in a cache is deserialised on every start that uses it, so each of the
// commands people run often (issue 12's: policy, route, credential-process) gets a cache of its
// own group's runs, and every other command the default cache (`--help` and those reads). Measured
// by CPU time in paired runs (2026-11-28): `policy show` ~1–2 ms faster with its own cache than
// with the default one; a cache that also held the write commands was 20% larger and slower
// still, and a write command (lock, fsync: 100 ms or more) gains nothing measurable from one. The
// throwaway config those reads open is made first, by separate processes. V8 checks a cache
// against the source's length, its own version and flags; a refused cache means an ordinary compile.
const CACHES = {
  '': [['--help'], ['policy', 'show'], ['route', '--task', 'plan'], ['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read'], ['credential-process']],
  policy: [['policy', 'show'], ['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read']],
  route: [['route', '--task', 'plan']],
  'credential-process': [['credential-process']],
};
const cacheDir = mkdtempSync(join(tmpdir(), 'byok-build-cache-'));
const runNode = (args, env) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node ${args.slice(-4).join(' ')} (for the CLI's code cache) exited with ${code}: ${err.trim()}`))));
  });
try {
  const env = { PATH: process.env.PATH, HOME: cacheDir, NO_COLOR: '1', BYOK_CONFIG_DIR: join(cacheDir, 'config'), BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off', BYOK_USER: 'build', AWS_EC2_METADATA_DISABLED: 'true' };
  const byok = join(root, 'bin', 'byok.js');
  for (const args of [
    ['workspace', 'create', 'cache', '--plan', 'scale'],
    ['config', 'set', 'geography', 'eu'],
    ['config', 'set', 'region', 'eu-west-1'],
  ])
    await runNode([byok, ...args], env);
  // One process per cache: a cache holds everything its process compiled.
  const makeCache = (out, runs) => `
      const { readFileSync, writeFileSync } = require('node:fs');
      const { dirname } = require('node:path');
      const { createRequire } = require('node:module');
      const vm = require('node:vm');
      const file = ${JSON.stringify(main)};
      const bytes = readFileSync(file);
      const script = new vm.Script(bytes.toString('latin1'), { filename: file });
      const runs = ${JSON.stringify(runs)};
      const exit = process.exit;
      const next = (i) => {
        if (i === runs.length) {
          // bin/byok.js uses a cache only when this hash of the source and the data matches.
          const data = script.createCachedData();
          const sum = require('node:crypto').createHash('sha256').update(bytes).update(data).digest();
          writeFileSync(${JSON.stringify(out)}, Buffer.concat([sum, data]));
          exit(0);
        }
        process.argv = [process.execPath, file, ...runs[i]];
        process.exit = () => setImmediate(() => next(i + 1));
        const module = { exports: {} };
        script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), (s) => import(s));
      };
      next(0);`;
  await Promise.all(Object.entries(CACHES).map(([group, runs]) => runNode(['-e', makeCache(group === '' ? `${main}.cache` : `${main}.${group}.cache`, runs)], env)));
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
await types;
