// Start-up time and peak memory of local commands beside `node -e 0`, measured on this machine in
// one run. Paired: each round runs `node -e 0` and then the command, and the ratio is taken per
// round, so a burst of load from elsewhere hits both sides of a pair; the figure is the median of
// those ratios (issue 12's targets: --version ≤ 1.2×, policy show / route / policy evaluate ≤ 1.5×,
// credential-process with a cached session ≤ 1.5×, peak memory ≤ 1.2× node's). Prints figures;
// asserts nothing (tests never assert on wall-clock time).
// Run: npm run bench   (builds first). BENCH_RUNS=N for more rounds.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// BENCH_BIN=/path/to/other/checkout/bin/byok.js measures another build (e.g. before a change) with the same rounds.
const bin = process.env.BENCH_BIN ?? fileURLToPath(new URL('../bin/byok.js', import.meta.url));
const rssPreload = fileURLToPath(new URL('./rss.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'byok-bench-'));
const rssFile = join(dir, 'rss');
const runs = Number(process.env.BENCH_RUNS ?? 25);

// The emulator stands in for STS, once, so credential-process has a cached session to serve.
const emulator = spawn(process.execPath, [bin, 'emulator', 'start', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const started = await new Promise((resolve, reject) => {
  emulator.on('error', reject);
  emulator.on('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  createInterface({ input: emulator.stdout }).once('line', (l) => resolve(JSON.parse(l)));
});
const account = await (await fetch(`${started.url}/_emulator/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();

const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...started.env,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  BYOK_CONFIG_DIR: join(dir, 'cfg'),
  BYOK_KEY: randomBytes(32).toString('base64'),
  BYOK_KEYRING: 'off',
  BYOK_USER: 'bench',
  NO_COLOR: '1',
};

function once(args, stdin) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', rssPreload, ...args], { env: { ...env, BENCH_RSS_FILE: rssFile }, input: stdin, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [kib, cpuUs] = readFileSync(rssFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  writeFileSync(rssFile, '');
  return { ms, kib, cpu: cpuUs / 1000 };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const setup = (args, stdin) => once([bin, ...args], stdin);
setup(['workspace', 'create', 'bench', '--plan', 'scale']);
setup(['config', 'set', 'geography', 'eu']);
setup(['config', 'set', 'region', 'eu-west-1']);
setup(['credentials', 'set', '--access-key-id', account.admin.accessKeyId, '--secret-access-key-stdin'], `${account.admin.secretAccessKey}\n`);
// Platform credentials and allow, so the evaluated throttling falls back (exit 0) with the config read.
setup(['credentials', 'set', '--platform', '--regions', 'eu-west-1', '--access-key-id', account.admin.accessKeyId, '--secret-access-key-stdin'], `${account.admin.secretAccessKey}\n`);
setup(['policy', 'set', 'allow']);
setup(['credential-process']); // fetches and caches the STS session the measured runs reuse

// Issue 12's targets, on time (wall clock); peak memory ≤ 1.2× node's for every one of them.
const commands = [
  ['byok --version', ['--version'], 1.2],
  ['byok policy show', ['policy', 'show'], 1.5],
  ['byok route --task plan', ['route', '--task', 'plan'], 1.5],
  ['byok policy evaluate --error-code ThrottlingException', ['policy', 'evaluate', '--error-code', 'ThrottlingException', '--operation-kind', 'read'], 1.5],
  ['byok credential-process (cached session)', ['credential-process'], 1.5],
];
const MEMORY_TARGET = 1.2;

const node = ['-e', '0'];
once(node); // warm the file cache
for (const [, args] of commands) once([bin, ...args]);

const rows = commands.map(([label, , target]) => ({ label, target, pairs: [] }));
for (let i = 0; i < runs; i++) {
  // Interleaved: every round measures each command against its own `node -e 0` right before it.
  commands.forEach(([, args], c) => rows[c].pairs.push({ base: once(node), cmd: once([bin, ...args]) }));
}

const nodeRuns = rows.flatMap((r) => r.pairs.map((p) => p.base));
console.log(`startup: ${runs} paired rounds per command, medians — ${process.version}, ${new Date().toISOString()}`);
console.log(`${'command'.padEnd(56)} ${'ms'.padStart(7)} ${'node ms'.padStart(8)} ${'time'.padStart(6)} ${'target'.padStart(7)} ${'MiB'.padStart(6)} ${'memory'.padStart(7)} ${'cpu ms'.padStart(7)} ${'cpu'.padStart(6)}`);
console.log(`${'node -e 0'.padEnd(56)} ${median(nodeRuns.map((x) => x.ms)).toFixed(1).padStart(7)} ${''.padStart(8)} ${'1.00x'.padStart(6)} ${''.padStart(7)} ${(median(nodeRuns.map((x) => x.kib)) / 1024).toFixed(1).padStart(6)} ${'1.00x'.padStart(7)} ${median(nodeRuns.map((x) => x.cpu)).toFixed(1).padStart(7)} ${'1.00x'.padStart(6)}`);
const missed = [];
for (const r of rows) {
  const ms = median(r.pairs.map((p) => p.cmd.ms));
  const baseMs = median(r.pairs.map((p) => p.base.ms));
  const ratio = median(r.pairs.map((p) => p.cmd.ms / p.base.ms));
  const mib = median(r.pairs.map((p) => p.cmd.kib)) / 1024;
  const mem = median(r.pairs.map((p) => p.cmd.kib / p.base.kib));
  const cpuMs = median(r.pairs.map((p) => p.cmd.cpu));
  const cpu = median(r.pairs.map((p) => p.cmd.cpu / p.base.cpu));
  if (ratio > r.target) missed.push(`${r.label}: time ${ratio.toFixed(2)}x > ${r.target}x`);
  if (mem > MEMORY_TARGET) missed.push(`${r.label}: memory ${mem.toFixed(2)}x > ${MEMORY_TARGET}x`);
  console.log(`${r.label.padEnd(56)} ${ms.toFixed(1).padStart(7)} ${baseMs.toFixed(1).padStart(8)} ${`${ratio.toFixed(2)}x`.padStart(6)} ${`≤ ${r.target}x`.padStart(7)} ${mib.toFixed(1).padStart(6)} ${`${mem.toFixed(2)}x`.padStart(7)} ${cpuMs.toFixed(1).padStart(7)} ${`${cpu.toFixed(2)}x`.padStart(6)}`);
}
console.log('ms: the command\'s median wall time; node ms: the median of the node -e 0 runs paired with it (one just before each of its runs).');
console.log(`time, memory and cpu: the median over rounds of (command ÷ the node -e 0 run just before it); MiB and cpu ms: medians of the runs themselves (peak RSS and user + system CPU time, from process.resourceUsage() at exit). target: issue 12's, on time; memory ≤ ${MEMORY_TARGET}x for all.`);
console.log(missed.length === 0 ? 'Every target met in this run.' : `Missed in this run: ${missed.join('; ')}.`);
console.log('The targets are on time (wall clock). On a shared or noisy host, wall time swings with the neighbours; the CPU-time ratio moves much less and shows whether a change did anything.');

// What `byok --version` loads (issue 12: no command module, no AWS SDK, no prompt library).
const modulesFile = join(dir, 'modules');
writeFileSync(modulesFile, '');
spawnSync(process.execPath, ['--import', fileURLToPath(new URL('./list-modules.mjs', import.meta.url)), bin, '--version'], { env: { ...env, BENCH_MODULES_FILE: modulesFile }, stdio: 'ignore' });
const root = fileURLToPath(new URL('..', import.meta.url));
const loaded = [...new Set(readFileSync(modulesFile, 'utf8').split('\n').filter(Boolean))]
  .map((u) => fileURLToPath(u))
  .filter((f) => !f.endsWith('list-modules.mjs'))
  .map((f) => ({ f: f.startsWith(root) ? f.slice(root.length) : f, kib: statSync(f).size / 1024 }));
console.log(`\nbyok --version loads ${loaded.length} files, ${loaded.reduce((n, x) => n + x.kib, 0).toFixed(0)} KiB:`);
// A bundle chunk is named by hash; its source map says what it holds (byok's files, packages).
const holds = (f) => {
  try {
    const { sources } = JSON.parse(readFileSync(join(root, `${f}.map`), 'utf8'));
    return [...new Set(sources.map((x) => (x.includes('node_modules/') ? x.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+).*$/, '$1') : x.replace(/^(\.\.\/)+/, ''))))].join(', ');
  } catch {
    return '';
  }
};
for (const x of loaded) console.log(`  ${x.f} (${x.kib.toFixed(0)} KiB)${holds(x.f) ? `: ${holds(x.f)}` : ''}`);

emulator.kill();
rmSync(dir, { recursive: true, force: true });
