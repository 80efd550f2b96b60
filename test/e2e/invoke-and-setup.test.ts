// The pieces together, through the built binary against the emulator: non-interactive setup
// from a shell script, credential_process for the real AWS CLI, and invoke's fallback decisions
// over a table of injected errors, each with the outcome the product's rules give.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { scanForSecrets } from '../helpers/secret-scan.js';
import { run } from '../helpers/spawn.js';

let emu: TestEmulator;
let t: TestEnv;
let env: Record<string, string | undefined>;
let platform: { accessKeyId: string; secretAccessKey: string; accountId: string };
const outputs: string[] = [];

async function byok(args: string[], o: { stdin?: string; extraEnv?: Record<string, string> } = {}) {
  const r = await run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, ...o.extraEnv }, stdin: o.stdin });
  outputs.push(r.stdout, r.stderr);
  return r;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  t = tempConfig();
  env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  const p = await emu.control.createAccount();
  platform = p.admin;
  // The non-interactive path, from a shell script, CI=true, no TTY: must finish, never prompt.
  const script = join(t.dir, 'setup.sh');
  writeFileSync(script, `#!/bin/sh\nset -e\nnode "${BYOK_BIN}" setup --non-interactive --name bank --plan enterprise --from-env --geography eu --region eu-west-1 --policy strict\nprintf '%s\\n' "$PLATFORM_SECRET" | node "${BYOK_BIN}" credentials set --platform --regions eu-west-1,eu-central-1 --access-key-id "$PLATFORM_KEY" --secret-access-key-stdin\n`);
  chmodSync(script, 0o755);
  const r = await run('/bin/sh', [script], { env: { ...env, CI: 'true', AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey, PLATFORM_KEY: platform.accessKeyId, PLATFORM_SECRET: platform.secretAccessKey }, timeoutMs: 60_000 });
  outputs.push(r.stdout, r.stderr);
  if (r.code !== 0) throw new Error(`setup script failed: ${r.stderr}`);
}, 120_000);
afterAll(async () => {
  await emu.close();
  t.cleanup();
});

describe('setup --non-interactive', () => {
  it('configured the workspace and tested the connection', async () => {
    const cfg = JSON.parse((await byok(['config', 'show', '--json'])).stdout);
    expect(cfg).toMatchObject({ workspace: 'bank', geography: 'eu', region: 'eu-west-1', policy: 'strict', lastConnectionTest: { ok: true } });
  });
  it('a missing answer is exit 2 naming the flag, and nothing blocks', async () => {
    const r = await run(process.execPath, [BYOK_BIN, 'setup', '--non-interactive', '--name', 'other', '--plan', 'scale', '--from-env', '--geography', 'us'], { env: { ...env, CI: 'true', AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey }, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--region/);
    const p = await run(process.execPath, [BYOK_BIN, 'setup', '--name', 'other', '--plan', 'free'], { env: { ...env, CI: 'true' }, timeoutMs: 30_000 });
    expect(p.code).toBe(2);
    expect(p.stderr).toMatch(/Scale/);
  });
});

describe('credential-process', () => {
  it('serves the real AWS CLI through credential_process', async () => {
    const awsConfig = join(t.dir, 'aws-config');
    writeFileSync(awsConfig, `[profile byok]\nregion = eu-west-1\ncredential_process = ${process.execPath} ${BYOK_BIN} credential-process\n`);
    const r = await run('aws', ['sts', 'get-caller-identity', '--profile', 'byok', '--output', 'json'], { env: { ...env, AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_MAX_ATTEMPTS: '1' } });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ Account: emu.admin.accountId });
    const raw = JSON.parse((await byok(['credential-process'])).stdout);
    expect(raw).toMatchObject({ Version: 1 });
    expect(raw.AccessKeyId).toMatch(/^ASIA/);
    expect(new Date(raw.Expiration).getTime()).toBeGreaterThan(Date.now());
  });
});

describe('invoke decides by the fallback rules (error x operation x policy), as policy evaluate does', () => {
  // The expected outcome of each case is written here from the product's rules (DESIGN §4.3), not
  // read from byok: a fallback only when (1) the error is retryable — credential expiration,
  // throttling, a 5xx or the model-not-ready/timeout family; never validation, permission or model
  // errors —, (2) the operation is eligible — reads; writes only when marked; never an autonomous
  // write in production —, and (3) the policy is allow or warn. Exit (DESIGN §2): 0 when the
  // platform served the request, 4 when AWS refused the identity, 1 for any other failure.
  type Case = { code: string; policy: 'allow' | 'warn' | 'strict'; kind: 'read' | 'write'; extra?: string[]; expected: 'fallback' | 'fail'; exit: 0 | 1 | 4 };
  const cases: Case[] = [
    { code: 'ThrottlingException', policy: 'allow', kind: 'read', expected: 'fallback', exit: 0 },
    { code: 'ThrottlingException', policy: 'strict', kind: 'read', expected: 'fail', exit: 1 },
    { code: 'ServiceUnavailableException', policy: 'warn', kind: 'read', expected: 'fallback', exit: 0 },
    { code: 'ServiceUnavailableException', policy: 'strict', kind: 'write', extra: ['--fallback-eligible'], expected: 'fail', exit: 1 },
    { code: 'InternalServerException', policy: 'allow', kind: 'write', expected: 'fail', exit: 1 },
    { code: 'InternalServerException', policy: 'allow', kind: 'write', extra: ['--fallback-eligible'], expected: 'fallback', exit: 0 },
    { code: 'InternalServerException', policy: 'allow', kind: 'write', extra: ['--fallback-eligible', '--autonomous', '--environment', 'production'], expected: 'fail', exit: 1 },
    { code: 'InternalServerException', policy: 'allow', kind: 'write', extra: ['--fallback-eligible', '--autonomous', '--environment', 'staging'], expected: 'fallback', exit: 0 },
    { code: 'ExpiredTokenException', policy: 'allow', kind: 'read', expected: 'fallback', exit: 0 },
    { code: 'ModelTimeoutException', policy: 'allow', kind: 'read', expected: 'fallback', exit: 0 },
    { code: 'ModelNotReadyException', policy: 'warn', kind: 'read', expected: 'fallback', exit: 0 },
    { code: 'AccessDeniedException', policy: 'allow', kind: 'read', expected: 'fail', exit: 4 },
    { code: 'ValidationException', policy: 'allow', kind: 'read', expected: 'fail', exit: 1 },
    { code: 'ModelErrorException', policy: 'allow', kind: 'read', expected: 'fail', exit: 1 },
  ];
  for (const c of cases) {
    it(`${c.code} under ${c.policy}, ${[c.kind, ...(c.extra ?? [])].join(' ')}: ${c.expected}`, async () => {
      await byok(['policy', 'set', c.policy]);
      await byok(['policy', 'confirm']);
      await emu.control.clearFaults();
      await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code: c.code }, durationMs: 120_000 });
      // policy evaluate exposes the same decision (DESIGN §4.3), and it too must match the rules.
      expect(JSON.parse((await byok(['policy', 'evaluate', '--json', '--error-code', c.code, '--operation-kind', c.kind, ...(c.extra ?? [])])).stdout).decision).toBe(c.expected);
      const before = JSON.parse((await byok(['audit', 'list', '--json', '--type', 'fallback'])).stdout).events.length;
      const r = await byok(['invoke', '--json', '--operation-kind', c.kind, ...(c.extra ?? []), 'Summarise the change window.']);
      const out = JSON.parse(r.stdout);
      expect(out.fallback.decision).toBe(c.expected);
      expect(r.code).toBe(c.exit);
      if (c.expected !== 'fallback') expect(out.error.hint.length).toBeGreaterThan(20);
      const events = JSON.parse((await byok(['audit', 'list', '--json', '--type', 'fallback'])).stdout).events;
      if (c.expected === 'fallback') {
        expect(out.servedBy).toBe('platform');
        expect(events.length).toBe(before + 1);
        const ev = events.at(-1).details;
        for (const f of ['originalErrorCode', 'platformEndpoint', 'user', 'workspace', 'conversation', 'model', 'inputTokens', 'outputTokens', 'region']) expect(ev, f).toHaveProperty(f);
        expect(ev.originalErrorCode).toBe(c.code);
        expect(ev.region).toBe('eu-west-1');
        expect(out.attempts.every((a: { region: string }) => a.region === 'eu-west-1')).toBe(true);
        if (c.policy === 'warn') expect(JSON.parse((await byok(['policy', 'show', '--json'])).stdout).confirmationRequired).toBe(true);
      } else {
        expect(events.length).toBe(before);
        expect(out.attempts).toHaveLength(1);
      }
    });
  }

  // Issue 9: the code is AWS's modeled answer; free text in the message may narrow it, never widen
  // it into a retryable one (DESIGN §4.3: never a validation or permission error).
  it.each([
    ['ValidationException', 'token expired'],
    ['AccessDeniedException', 'The security token included in the request is expired'],
  ])('a message never makes a non-retryable code retryable: %s saying "%s" under allow does not fall back', async (code, message) => {
    await byok(['policy', 'set', 'allow']);
    await emu.control.clearFaults();
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code, message }, durationMs: 120_000 });
    const before = JSON.parse((await byok(['audit', 'list', '--json', '--type', 'fallback'])).stdout).events.length;
    try {
      const r = await byok(['invoke', '--json', 'Summarise the change window.']);
      const out = JSON.parse(r.stdout);
      expect(out.attempts[0].error).toMatchObject({ code, message }); // the injected fault is what BYOK got
      expect(out.fallback.decision).toBe('fail');
      expect(out.servedBy).toBeNull();
      expect(out.attempts).toHaveLength(1);
      expect(out.error.category).not.toBe('session-expired');
      expect(JSON.parse((await byok(['audit', 'list', '--json', '--type', 'fallback'])).stdout).events.length).toBe(before);
    } finally {
      await emu.control.clearFaults();
    }
  });

  it('BYOK recovers by itself: without the fault the same request is served by BYOK', async () => {
    await emu.control.clearFaults();
    await byok(['policy', 'set', 'allow']);
    const out = JSON.parse((await byok(['invoke', '--json', 'hello'])).stdout);
    expect(out.servedBy).toBe('byok');
  });

  it('an audit log that cannot be written stops the fallback: a directory in its place is local state (exit 3) and nothing is sent', async () => {
    await byok(['policy', 'set', 'allow']);
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: emu.admin.accountId, error: { code: 'ThrottlingException' }, durationMs: 120_000 });
    const audit = join(t.env.BYOK_CONFIG_DIR!, 'audit.jsonl');
    const saved = readFileSync(audit);
    rmSync(audit);
    mkdirSync(audit); // a directory where the log should be: appending fails, even for root
    try {
      const r = await byok(['invoke', '--json', 'hello']);
      expect(r.code).toBe(3);
      expect(r.stdout + r.stderr).toMatch(/is a directory/);
      expect(r.stdout + r.stderr).not.toMatch(/"servedBy":\s*"platform"/);
    } finally {
      rmSync(audit, { recursive: true });
      writeFileSync(audit, saved, { mode: 0o600 });
      await emu.control.clearFaults();
    }
  });

  it('refuses a prompt carrying raw credentials, sending nothing', async () => {
    const r = await byok(['invoke', `use key ${platform.accessKeyId} to fix it`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/raw cloud credentials/);
  });

  it('nothing written or printed contains a secret', () => {
    const found = scanForSecrets([emu.admin.secretAccessKey, platform.secretAccessKey], { dirs: [t.env.BYOK_CONFIG_DIR!], texts: outputs.filter((o) => !o.includes('"Version": 1') && !o.includes('"Version":1')) });
    expect(found).toEqual([]);
  });
});
