// Start-up time of local commands beside `node -e 0`, measured on this machine in one run.
// Prints medians; asserts nothing (tests never assert on wall-clock time).
// Run: npm run bench   (builds first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/byok.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'byok-bench-'));
const env = { ...process.env, BYOK_CONFIG_DIR: join(dir, 'cfg'), BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off', BYOK_USER: 'bench', NO_COLOR: '1' };
const runs = Number(process.env.BENCH_RUNS ?? 25);

function time(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function bench(label, args) {
  time(args); // warm the file cache
  const xs = Array.from({ length: runs }, () => time(args));
  return { label, median: median(xs), min: Math.min(...xs) };
}

time([bin, 'workspace', 'create', 'bench', '--plan', 'scale']);
const rows = [
  bench('node -e 0', ['-e', '0']),
  bench('byok --version', [bin, '--version']),
  bench('byok policy show', [bin, 'policy', 'show']),
  bench('byok route --task plan --geography eu --region eu-west-1', [bin, 'route', '--task', 'plan', '--geography', 'eu', '--region', 'eu-west-1']),
];
const base = rows[0].median;
console.log(`startup, ${runs} runs each, median (min) in ms, ratio to node -e 0 — ${process.version}, ${new Date().toISOString()}`);
for (const r of rows) console.log(`${r.label.padEnd(60)} ${r.median.toFixed(1).padStart(7)} (${r.min.toFixed(1)})  ${(r.median / base).toFixed(2)}x`);
rmSync(dir, { recursive: true, force: true });
