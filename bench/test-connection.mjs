// Round trips on `byok test-connection`'s critical path, measured in one run against the emulator:
//   (wall time with L ms injected per AWS call − wall time with none) / L
// In a geography (US, EU, APAC), byok reads each inference profile's destinations
// (GetInferenceProfile, beside GetCallerIdentity) before it sends a prompt through the profile, so
// that no prompt goes to a profile AWS now routes outside the geography; then Converse and
// ConverseStream for both models run at once: ~2 with a cached STS session. Without one,
// GetSessionToken must come first: ~3. A Global workspace has no destinations to check: one round
// trip fewer. One call after another would be 7 or more. Prints figures; asserts nothing (tests
// never assert on wall time).
// Run: npm run bench   (builds first), or after a build: node bench/test-connection.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/byok.js', import.meta.url));
const L = Number(process.env.BENCH_LATENCY_MS ?? 300);
const runs = Number(process.env.BENCH_RUNS ?? 9);
const dir = mkdtempSync(join(tmpdir(), 'byok-bench-tc-'));

const emulator = spawn(process.execPath, [bin, 'emulator', 'start', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const started = await new Promise((resolve, reject) => {
  emulator.on('error', reject);
  emulator.on('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  createInterface({ input: emulator.stdout }).once('line', (l) => resolve(JSON.parse(l)));
});
const control = async (method, route, body) => {
  const r = await fetch(`${started.url}/_emulator/${route}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  if (!r.ok) throw new Error(`${route}: ${r.status} ${await r.text()}`);
  return r.json();
};

const account = await control('POST', 'accounts', {});
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

function byok(args, stdin = '') {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) reject(new Error(`byok ${args.join(' ')} exited ${code}: ${err}${out}`));
      else resolve({ ms, out });
    });
    child.stdin.end(stdin);
  });
}
const setCredentials = () => byok(['credentials', 'set', '--access-key-id', account.admin.accessKeyId, '--secret-access-key-stdin'], `${account.admin.secretAccessKey}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(cached, geography) {
  await byok(['config', 'set', 'geography', geography]);
  const wall = { 0: [], [L]: [] };
  let source = '';
  for (let i = 0; i < runs; i++) {
    for (const latency of [0, L]) {
      if (cached) await byok(['test-connection']); // leaves a cached session
      else await setCredentials(); // a new key setting drops the cached session
      const fault = latency ? await control('POST', 'faults', { accountId: account.accountId, latencyMs: latency, durationMs: 600_000 }) : null;
      const r = await byok(['test-connection', '--json']);
      if (fault) await control('DELETE', 'faults');
      const report = JSON.parse(r.out);
      source = report.credentials.source;
      wall[latency].push(r.ms);
    }
  }
  const m0 = median(wall[0]);
  const mL = median(wall[L]);
  // Each run with latency is paired with the run without it just before: the median of the
  // paired differences is steadier than the difference of medians on a busy machine.
  const trips = median(wall[L].map((x, i) => (x - wall[0][i]) / L));
  return { source, m0, mL, trips };
}

try {
  await byok(['workspace', 'create', 'bench', '--plan', 'enterprise']);
  await byok(['config', 'set', 'geography', 'us']);
  await byok(['config', 'set', 'region', 'us-east-1']);
  await setCredentials();
  await byok(['test-connection']); // warm the file cache
  const rows = [
    ['US, cached session', await measure(true, 'us'), 2.2],
    ['US, no cached session', await measure(false, 'us'), 3.2],
    ['Global, cached session', await measure(true, 'global'), 1.2],
  ];
  console.log(`test-connection critical path, ${runs} runs each, L = ${L} ms per AWS call — ${process.version}, ${new Date().toISOString()}`);
  console.log('AWS calls: GetCallerIdentity, GetInferenceProfile for each model (not in Global), Converse and ConverseStream for each model; GetSessionToken first without a cached session');
  console.log(`${'workspace'.padEnd(24)} ${'credentials'.padEnd(16)} ${'no latency'.padStart(10)} ${`+${L} ms/call`.padStart(13)} ${'round trips'.padStart(11)} ${'aim'.padStart(6)}`);
  for (const [label, r, aim] of rows) {
    console.log(`${label.padEnd(24)} ${r.source.padEnd(16)} ${`${r.m0.toFixed(0)} ms`.padStart(10)} ${`${r.mL.toFixed(0)} ms`.padStart(13)} ${r.trips.toFixed(2).padStart(11)} ${`≤ ${aim}`.padStart(6)}`);
  }
  console.log('round trips: the median over runs of (wall time with the latency − the run without it just before) ÷ the latency.');
} finally {
  emulator.kill();
  rmSync(dir, { recursive: true, force: true });
}
