// npm run e2e:claude-code — opt-in: Claude Code itself through `byok gateway`, against the emulator.
// Installs @anthropic-ai/claude-code into a cache outside the repo (BYOK_E2E_CACHE, default
// ~/.cache/byok-e2e/claude-code), starts the emulator and a gateway for an EU workspace, runs
// `claude -p` with CLAUDE_CODE_USE_BEDROCK=1, ANTHROPIC_BEDROCK_BASE_URL=<gateway> and
// AWS_BEARER_TOKEN_BEDROCK=<token>, and reports: did it answer, which model IDs it asked for, which
// the gateway refused (us. probes) and whether any request reached the emulator outside the EU.
// Exit 0 only when it answered and nothing left the EU.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/byok.js', import.meta.url));
const cache = process.env.BYOK_E2E_CACHE ?? join(homedir(), '.cache', 'byok-e2e', 'claude-code');
const version = process.env.CLAUDE_CODE_VERSION ?? 'latest';
const prompt = process.env.CLAUDE_PROMPT ?? 'Reply with one short sentence: what is a data residency rule?';
const EU = new Set(['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3']);

const say = (s) => process.stdout.write(`${s}\n`);
mkdirSync(cache, { recursive: true });
const claudeBin = [join(cache, 'node_modules/@anthropic-ai/claude-code/bin/claude.exe'), join(cache, 'node_modules/.bin/claude')].find((p) => existsSync(p));
if (!claudeBin || process.env.CLAUDE_CODE_REINSTALL) {
  say(`installing @anthropic-ai/claude-code@${version} into ${cache} ...`);
  execFileSync('npm', ['install', '--prefix', cache, '--no-audit', '--no-fund', `@anthropic-ai/claude-code@${version}`], { stdio: 'inherit' });
}
const claude = [join(cache, 'node_modules/@anthropic-ai/claude-code/bin/claude.exe'), join(cache, 'node_modules/.bin/claude')].find((p) => existsSync(p));
const claudeVersion = execFileSync(claude, ['--version'], { encoding: 'utf8' }).trim();

const dir = mkdtempSync(join(tmpdir(), 'byok-e2e-cc-'));
const children = [];
const stop = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('exit', () => {
  stop();
  if (!process.env.BYOK_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
});

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

const env = { PATH: process.env.PATH, HOME: dir, ...emu.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', BYOK_CONFIG_DIR: join(dir, 'cfg'), BYOK_KEY: randomBytes(32).toString('base64'), BYOK_KEYRING: 'off', BYOK_USER: 'alice', NO_COLOR: '1' };
const byok = (args, stdin) => execFileSync(process.execPath, [bin, ...args], { env, input: stdin ?? '', encoding: 'utf8' });
byok(['workspace', 'create', 'eu-bank', '--plan', 'enterprise']);
byok(['config', 'set', 'geography', 'eu']);
byok(['config', 'set', 'region', 'eu-west-1']);
byok(['credentials', 'set', '--access-key-id', acct.admin.accessKeyId, '--secret-access-key-stdin'], `${acct.admin.secretAccessKey}\n`);
byok(['policy', 'set', 'strict']);
byok(['workspace', 'add-member', 'dev1']);
const { token } = JSON.parse(byok(['gateway', 'token', 'create', '--user', 'dev1', '--json']));

const logFile = join(dir, 'gateway.log');
const gateway = spawn(process.execPath, [bin, 'gateway', 'start', '--json'], { env, stdio: ['ignore', 'pipe', openSync(logFile, 'w')] });
children.push(gateway);
const gw = await firstLine(gateway);
say(`emulator ${emu.url}; gateway ${gw.url} for workspace eu-bank (EU, eu-west-1, strict); Claude Code ${claudeVersion}`);

async function runClaude(label, extraEnv) {
  const before = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).length;
  const emuBefore = (await control('GET', 'requests')).requests.length;
  const started = Date.now();
  const run = await new Promise((resolve) => {
    const p = spawn(claude, ['-p', prompt], {
      env: { PATH: process.env.PATH, HOME: join(dir, 'home'), CLAUDE_CODE_USE_BEDROCK: '1', ANTHROPIC_BEDROCK_BASE_URL: gw.url, AWS_BEARER_TOKEN_BEDROCK: token, AWS_REGION: 'eu-west-1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1', DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), Number(process.env.CLAUDE_TIMEOUT_MS ?? 120_000));
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  await new Promise((r) => setTimeout(r, 300));
  const lines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.startsWith('{')).slice(before).map((l) => JSON.parse(l)).filter((l) => l.requestId);
  const requests = (await control('GET', 'requests')).requests.slice(emuBefore).filter((r) => r.service === 'bedrock-runtime' || r.service === 'bedrock');
  const outside = requests.filter((r) => (r.region && !EU.has(r.region)) || (r.routedTo ?? []).some((d) => !EU.has(d)));
  const answered = run.code === 0 && /Hello from the byok emulator/.test(run.out);
  const us = lines.filter((l) => typeof l.model === 'string' && l.model.startsWith('us.'));
  say('');
  say(`=== ${label} ===`);
  say(`claude -p exit ${run.code} after ${seconds} s; stdout: ${JSON.stringify(run.out.trim().slice(0, 160))}`);
  if (run.err.trim()) say(`claude stderr: ${JSON.stringify(run.err.trim().slice(0, 300))}`);
  say('gateway requests (one JSON line each, summarised):');
  for (const l of lines) say(`  ${String(l.status).padEnd(4)} ${String(l.operation).padEnd(30)} ${String(l.model ?? '-').padEnd(46)} ${l.error ? `${l.error}${l.reason ? ` (${String(l.reason).slice(0, 60)})` : ''}` : l.profile ? `served by ${l.servedBy} via ${l.profile} from ${l.region}` : 'answered from the workspace'}`);
  say(`emulator (the upstream) saw ${requests.length} Bedrock request(s): ${requests.map((r) => `${r.operation} ${r.modelId ?? ''} from ${r.region} -> [${(r.routedTo ?? []).join(',')}] ${r.status}`).join('; ')}`);
  say(`answered: ${answered ? 'yes' : 'no'} | us. model IDs asked for: ${us.length}, refused: ${us.filter((l) => l.status >= 400).length} | requests at the emulator outside the EU: ${outside.length}`);
  return { answered, outside: outside.length, usServed: us.filter((l) => l.status < 400).length };
}

const a = await runClaude('1. Claude Code as installed (it reads the gateway\'s inference-profile list)', {});
const b = await runClaude('2. Claude Code pinned to a us. model (ANTHROPIC_MODEL, as a US team\'s settings would)', { ANTHROPIC_MODEL: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', ANTHROPIC_SMALL_FAST_MODEL: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' });
say('');
say(`SUMMARY: answered: ${a.answered ? 'yes' : 'NO'}; us. probes served: ${a.usServed + b.usServed} (all refused: ${a.usServed + b.usServed === 0 ? 'yes' : 'NO'}); requests at the emulator outside the EU: ${a.outside + b.outside}`);
process.exitCode = a.answered && a.outside + b.outside === 0 && a.usServed + b.usServed === 0 ? 0 : 1;
stop();
