#!/usr/bin/env node
// npm run demo: byok end to end against its own AWS emulator, in a throw-away config dir.
// Starts the emulator, sets up a workspace non-interactively, tests the connection, then shows
// the fallback policy at work under an injected throttle: strict refuses, allow falls back in
// the same region with an audit event, and the audit log verifies. Cleans up after itself.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/byok.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'byok-demo-'));
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
let emulator;
let failed = false;

function cleanup() {
  if (emulator && emulator.exitCode === null) emulator.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function step(title, explain) {
  console.log(`\n${bold(`▶ ${title}`)}`);
  if (explain) console.log(`  ${explain}`);
}

/** One argument as a shell reads it back: the printed command runs as printed. */
function shellQuote(a) {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function byok(args, env, { stdin, expect = 0 } = {}) {
  console.log(`  $ byok ${args.map(shellQuote).join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { env, input: stdin ?? '', encoding: 'utf8' });
  const out = `${r.stdout}${r.stderr}`.trimEnd();
  if (out) console.log(out.split('\n').map((l) => `    ${l}`).join('\n'));
  if (r.status !== expect) {
    console.log(`  ✗ expected exit ${expect}, got ${r.status}`);
    failed = true;
    throw new Error(`byok ${args.join(' ')} exited ${r.status}`);
  }
  return r;
}

async function control(url, path, body) {
  const res = await fetch(`${url}/_emulator/${path}`, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) throw new Error(`emulator control ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

try {
  step('Start the AWS emulator', 'IAM, STS, Bedrock and Bedrock Runtime on 127.0.0.1, SigV4-verified, with fault injection.');
  emulator = spawn(process.execPath, [bin, 'emulator', 'start', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: emulator.stdout });
    let buf = '';
    rl.on('line', (line) => {
      buf += line;
      try {
        resolve(JSON.parse(buf));
        rl.close();
      } catch {
        /* the JSON document spans several lines */
      }
    });
    emulator.on('exit', (code) => reject(new Error(`emulator exited ${code}`)));
    setTimeout(() => reject(new Error('emulator did not start within 20 s')), 20_000).unref();
  });
  const url = started.url;
  console.log(`  emulator at ${url}`);

  const platform = await control(url, 'accounts', {});
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    NO_COLOR: '1',
    CI: 'true',
    BYOK_CONFIG_DIR: join(dir, 'config'),
    BYOK_KEY: randomBytes(32).toString('base64'),
    BYOK_KEYRING: 'off',
    BYOK_USER: 'demo-admin',
    BYOK_PLATFORM_ENDPOINT_URL: url,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...started.env,
  };
  const byokKeys = { AWS_ACCESS_KEY_ID: started.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: started.admin.secretAccessKey };

  step('byok setup --non-interactive', 'The CI path: every answer from flags and environment variables, no prompt. Credentials come from the environment (never a flag value). The workspace starts at warn: a fallback is allowed, and the next session must re-confirm.');
  byok(['setup', '--non-interactive', '--name', 'acme-bank', '--plan', 'enterprise', '--from-env', '--geography', 'eu', '--region', 'eu-west-1', '--policy', 'warn'], { ...env, ...byokKeys });

  step('Platform credentials', 'A self-hosted platform keeps its own Bedrock credentials, with the regions it serves; a fallback may only use the same region.');
  byok(['credentials', 'set', '--platform', '--regions', 'eu-west-1', '--access-key-id', platform.admin.accessKeyId, '--secret-access-key-stdin'], env, { stdin: `${platform.admin.secretAccessKey}\n` });

  step('byok test-connection', 'Credentials valid, both models answer through the EU inference profile, permissions right.');
  byok(['test-connection'], env);

  step('byok models check', 'Per model: availability, the live inference profile against byok\'s table, the use-case form, and a one-token call (the only conclusive check).');
  byok(['models', 'check'], env);

  step('byok policy set strict', 'From warn to strict, as banks and BYOC deployments run: a BYOK failure is surfaced, never retried on other credentials.');
  byok(['policy', 'set', 'strict'], env);

  await control(url, 'faults', { service: 'bedrock-runtime', accountId: started.admin.accountId, error: { code: 'ThrottlingException' }, durationMs: 600_000 });
  step('byok invoke under an injected throttle (strict)', 'Bedrock answers ThrottlingException for the BYOK account; strict refuses the fallback (exit 1).');
  byok(['invoke', '--operation-kind', 'read', 'Summarise the overnight incident report.'], env, { expect: 1 });

  step('byok policy set allow, then invoke again', 'Now a throttled read may be retried once on the platform credentials, in eu-west-1 only, after its audit event is written.');
  byok(['policy', 'set', 'allow'], env);
  byok(['invoke', '--operation-kind', 'read', 'Summarise the overnight incident report.'], env);

  step('byok audit list --type fallback, then --type fallback-completed', 'The fallback event, written before the retry: original error code, platform endpoint, user, workspace, conversation, model, input tokens (estimated; output tokens are not known yet, so null), region. Then the event after it, with the token counts Bedrock reported.');
  byok(['audit', 'list', '--type', 'fallback'], env);
  byok(['audit', 'list', '--type', 'fallback-completed'], env);

  step('byok audit verify', 'The hash chain and the head sealed in the encrypted config agree: nothing edited, removed, reordered or cut off.');
  byok(['audit', 'verify'], env);
  console.log(`\n${bold('✓ demo complete')}`);
} catch (e) {
  failed = true;
  console.error(`\n✗ demo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  cleanup();
}
process.exit(failed ? 1 : 0);
