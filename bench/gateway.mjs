// What `byok gateway` adds to a Bedrock call, measured in one run against the emulator: the same
// requests, one after another and interleaved, sent straight to the emulator (SigV4, as an SDK
// would) and through the gateway (bearer token); then the gateway's memory over 10,000 requests.
// Prints figures; asserts nothing (tests never assert on time). Goals (issue 13): p50 ≤ 2 ms and
// p99 ≤ 10 ms added, first byte within 5 ms, memory flat.
// Run: npm run build && node bench/gateway.mjs   (BENCH_N=requests per side, default 2000)
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';

const bin = fileURLToPath(new URL('../bin/byok.js', import.meta.url));
const N = Number(process.env.BENCH_N ?? 2000);
const MEM_N = Number(process.env.BENCH_MEM_N ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'byok-bench-gw-'));
const children = [];
const cleanup = () => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);

const firstLine = (child) => new Promise((resolve, reject) => {
  child.on('error', reject);
  child.on('exit', (code) => reject(new Error(`exited (${code})`)));
  createInterface({ input: child.stdout }).once('line', (l) => resolve(JSON.parse(l)));
});

const emulator = spawn(process.execPath, [bin, 'emulator', 'start', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(emulator);
const emu = await firstLine(emulator);
const control = async (method, route, body) => (await fetch(`${emu.url}/_emulator/${route}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) })).json();
const acct = await control('POST', 'accounts', {});

const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', BYOK_CONFIG_DIR: join(dir, 'cfg'), BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off', BYOK_USER: 'alice', NO_COLOR: '1' };
const byok = (args, stdin) => new Promise((resolve, reject) => {
  const p = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`byok ${args.join(' ')}: ${err}`))));
  p.stdin.end(stdin ?? '');
});
await byok(['workspace', 'create', 'bench', '--plan', 'enterprise']);
await byok(['config', 'set', 'geography', 'eu']);
await byok(['config', 'set', 'region', 'eu-west-1']);
await byok(['credentials', 'set', '--access-key-id', acct.admin.accessKeyId, '--secret-access-key-stdin'], `${acct.admin.secretAccessKey}\n`);
const { token } = JSON.parse(await byok(['gateway', 'token', 'create', '--user', 'alice', '--json']));
const gateway = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), bin, 'gateway', 'start', '--json'], { env, stdio: ['ignore', 'pipe', openSync(join(dir, 'gateway.log'), 'w')] });
children.push(gateway); // its stderr (one JSON line per request) goes to a file, as it would in use
const gw = await firstLine(gateway);

// ---- the two ways to call ----
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
class Sha256 {
  constructor(secret) { this.h = secret ? createHmac('sha256', Buffer.from(secret)) : createHash('sha256'); }
  update(d) { this.h.update(typeof d === 'string' ? d : Buffer.from(d)); }
  async digest() { return new Uint8Array(this.h.digest()); }
}
const signer = new SignatureV4({ service: 'bedrock', region: 'eu-west-1', credentials: { accessKeyId: acct.admin.accessKeyId, secretAccessKey: acct.admin.secretAccessKey }, sha256: Sha256, uriEscapePath: true });
const MODEL = encodeURIComponent('eu.anthropic.claude-sonnet-4-5-20250929-v1:0');
const invokeBody = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, messages: [{ role: 'user', content: 'Summarise the quarterly report' }] });
const converseBody = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Summarise the quarterly report' }] }], inferenceConfig: { maxTokens: 64 } });

async function call(via, op, body) {
  const base = new URL(via === 'direct' ? emu.url : gw.url);
  const path = `/model/${MODEL}/${op}`;
  let headers = { host: base.host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  const t0 = performance.now();
  if (via === 'direct') headers = (await signer.sign({ method: 'POST', protocol: 'http:', hostname: base.hostname, port: Number(base.port), path, query: {}, headers, body })).headers;
  else headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method: 'POST', path, headers, agent }, (res) => {
      let ttfb = null;
      res.on('data', () => { ttfb ??= performance.now() - t0; });
      res.on('end', () => (res.statusCode === 200 ? resolve({ total: performance.now() - t0, ttfb }) : reject(new Error(`${via} ${op}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const f = (x) => `${x.toFixed(2)} ms`.padStart(10);

for (let i = 0; i < 200; i++) { await call('direct', 'invoke', invokeBody); await call('gateway', 'invoke', invokeBody); } // warm up
const r = { direct: { invoke: [], stream: [], ttfb: [] }, gateway: { invoke: [], stream: [], ttfb: [] } };
for (let i = 0; i < N; i++) {
  for (const via of i % 2 === 0 ? ['direct', 'gateway'] : ['gateway', 'direct']) {
    r[via].invoke.push((await call(via, 'invoke', invokeBody)).total);
    const s = await call(via, 'converse-stream', converseBody);
    r[via].stream.push(s.total);
    r[via].ttfb.push(s.ttfb);
  }
}
console.log(`byok gateway bench: ${N} requests per side and kind, one at a time, interleaved; emulator and gateway are separate processes on this machine (${process.platform}, node ${process.version})`);
console.log(`${''.padEnd(38)}${'direct'.padStart(10)}${'gateway'.padStart(10)}${'added'.padStart(10)}`);
for (const [label, key] of [['InvokeModel latency', 'invoke'], ['ConverseStream latency (whole stream)', 'stream'], ['ConverseStream time to first byte', 'ttfb']]) {
  for (const p of [50, 99]) {
    const d = pct(r.direct[key], p);
    const g = pct(r.gateway[key], p);
    console.log(`${`${label} p${p}`.padEnd(38)}${f(d)}${f(g)}${f(g - d)}`);
  }
}

// ---- memory over MEM_N requests through the gateway (16 at a time) ----
const rss = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const samples = [[0, rss()]];
let done = 0;
const worker = async () => {
  while (done < MEM_N) {
    const k = ++done;
    await call('gateway', k % 2 ? 'invoke' : 'converse-stream', k % 2 ? invokeBody : converseBody);
    if (k % (MEM_N / 5) === 0) samples.push([k, rss()]);
  }
};
await Promise.all(Array.from({ length: 16 }, worker));
console.log(`gateway RSS over ${MEM_N} requests (half InvokeModel, half ConverseStream, 16 concurrent): ${samples.map(([n, m]) => `${n}: ${m.toFixed(1)} MB`).join(', ')}`);
agent.destroy();
gateway.kill('SIGTERM');
await new Promise((r) => gateway.once('exit', r));
cleanup();
process.exit(0);
