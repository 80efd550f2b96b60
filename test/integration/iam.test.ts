// byok iam against the emulator: provision per geography then a real call with the stored key;
// the generated policy is exactly sufficient; faults at each step converge on re-run without
// losing a secret or leaving extra keys; --print-commands reaches the same state with the real CLI.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBedrockPolicy } from '../../src/core/iam-policy.js';
import { mask } from '../../src/core/credentials.js';
import { runInProcess, tempConfig, type TestEnv } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { scanForSecrets } from '../helpers/secret-scan.js';
import { run } from '../helpers/spawn.js';

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

async function freshWorkspace(geography: string, region: string) {
  const acct = await emu.control.createAccount();
  const t = tempConfig();
  temps.push(t);
  const env = { ...t.env, ...emu.clientEnv, AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey, BYOK_IAM_PROPAGATION_POLL_MS: '20' };
  const outputs: string[] = [];
  const byok = async (args: string[], extra: Record<string, string | undefined> = {}) => {
    const r = await runInProcess(args, { env: { ...env, ...extra } });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  expect((await byok(['workspace', 'create', 'ws', '--plan', 'enterprise'])).code).toBe(0);
  expect((await byok(['config', 'set', 'geography', geography])).code).toBe(0);
  expect((await byok(['config', 'set', 'region', region])).code).toBe(0);
  return { acct, t, env, byok, outputs };
}

async function userKeys(accountId: string, user = 'byok-bedrock') {
  const st = await emu.control.state();
  return st.accounts.find((a) => a.accountId === accountId)?.users.find((u) => u.name === user)?.accessKeys ?? [];
}

describe('provision', () => {
  it.each([
    ['global', 'eu-central-1'],
    ['us', 'us-west-1'],
    ['eu', 'eu-west-1'],
    ['apac', 'ap-southeast-2'],
  ])('%s from %s: provisions, stores, and the stored key invokes through the route', async (geography, region) => {
    const w = await freshWorkspace(geography, region);
    const r = await w.byok(['iam', 'provision', '--json']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.steps.map((s: { step: string }) => s.step)).toEqual(expect.arrayContaining(['user', 'policy', 'access-key', 'test']));
    // The stored key, alone (no admin variables), through byok's own invoke.
    const inv = await w.byok(['invoke', '--json', '--task', 'plan', 'Plan the migration.'], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    expect(inv.code, inv.stderr).toBe(0);
    expect(JSON.parse(inv.stdout)).toMatchObject({ servedBy: 'byok' });
    // Idempotent: a second run changes nothing and creates no key.
    const again = JSON.parse((await w.byok(['iam', 'provision', '--json'])).stdout);
    expect(again.steps.filter((s: { state: string }) => s.state === 'created')).toEqual([]);
    expect(await userKeys(w.acct.accountId)).toHaveLength(1);
    expect(scanForSecrets([w.acct.admin.secretAccessKey], { dirs: [w.t.env.BYOK_CONFIG_DIR!], texts: w.outputs })).toEqual([]);
  });
});

describe('the generated policy is exactly sufficient', () => {
  it.each([
    ['us', 'us-east-1', 'us.anthropic.claude-opus-4-5-20251101-v1:0', 'opus'],
    ['eu', 'eu-central-1', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'sonnet'],
    ['global', 'ap-northeast-1', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'sonnet'],
  ] as const)('%s from %s: works whole, fails without any one statement or destination ARN', async (geography, region, modelId, model) => {
    const build = async (accountId: string) => {
      // Invocation only: the read-only discovery statements are not needed to invoke.
      const p = buildBedrockPolicy({ geography, region, accountId, models: [model], withDiscovery: false });
      if (!p.ok) throw new Error(p.error.reason);
      return p.value.document;
    };
    const doc = await build('000000000000');
    // Build per-account variants.
    const cases: ((d: typeof doc) => void)[] = [];
    doc.Statement.forEach((_, i) => cases.push((d) => d.Statement.splice(i, 1)));
    doc.Statement.forEach((st, i) => {
      if (Array.isArray(st.Resource) && st.Resource.length > 1) st.Resource.forEach((_, j) => cases.push((d) => (d.Statement[i]!.Resource as string[]).splice(j, 1)));
    });
    // Whole policy, in its own account: ok.
    {
      const a = await emu.control.createAccount();
      const d = await build(a.accountId);
      const r = await callIn(a, d, region, modelId);
      expect(r).toBe('ok');
    }
    for (const mutate of cases) {
      const a = await emu.control.createAccount();
      const d = structuredClone(await build(a.accountId));
      mutate(d);
      expect(await callIn(a, d, region, modelId)).toBe('AccessDeniedException');
    }
  });
  async function callIn(a: { admin: { accessKeyId: string; secretAccessKey: string } }, policy: object, region: string, modelId: string) {
    const iam = new IAMClient(sdkConfig(emu, 'us-east-1', a.admin));
    await iam.send(new CreateUserCommand({ UserName: 'u' }));
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }))).Policy!.Arn!;
    await iam.send(new AttachUserPolicyCommand({ UserName: 'u', PolicyArn: arn }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }))).AccessKey!;
    const rt = new BedrockRuntimeClient(sdkConfig(emu, region, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }));
    return rt.send(new ConverseCommand({ modelId, messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 1 } })).then(() => 'ok', (e: Error) => e.name);
  }
});

describe('faults at each step converge on re-run', () => {
  const faults = [
    { name: 'throttling', spec: { error: { code: 'Throttling' } } },
    { name: 'a 5xx', spec: { error: { code: 'ServiceFailure' } } },
    { name: 'a dropped connection', spec: { drop: true } },
  ];
  const steps = [
    { geography: 'us', region: 'us-east-1', operation: 'CreateUser' },
    { geography: 'apac', region: 'ap-northeast-1', operation: 'PutUserPolicy' },
    { geography: 'eu', region: 'eu-west-1', operation: 'CreatePolicy' },
    { geography: 'eu', region: 'eu-west-1', operation: 'AttachUserPolicy' },
    { geography: 'us', region: 'us-east-1', operation: 'CreateAccessKey' },
  ];
  for (const st of steps) {
    for (const f of faults) {
      it(`${f.name} on ${st.operation}`, async () => {
        const w = await freshWorkspace(st.geography, st.region);
        await emu.control.addFault({ service: 'iam', operation: st.operation, accountId: w.acct.accountId, count: 1, ...f.spec });
        const first = await w.byok(['iam', 'provision', '--json']);
        expect(first.code, 'the faulted run fails').not.toBe(0);
        expect(first.stdout + first.stderr).not.toMatch(/\n\s+at /);
        const second = await w.byok(['iam', 'provision', '--json']);
        expect(second.code, second.stderr + second.stdout).toBe(0);
        const keys = await userKeys(w.acct.accountId);
        expect(keys).toHaveLength(1);
        expect(keys[0]!.status).toBe('Active');
        const shown = JSON.parse((await w.byok(['credentials', 'show', '--json'])).stdout);
        expect(shown.accessKeyId).toBe(mask(keys[0]!.id));
        expect((await w.byok(['invoke', '--json', 'hi'], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined })).code).toBe(0);
      });
    }
  }
});

describe('keys', () => {
  it('two keys already: says so and offers rotation; rotate-key replaces the key only after testing the new one', async () => {
    const w = await freshWorkspace('us', 'us-east-1');
    expect((await w.byok(['iam', 'provision'])).code).toBe(0);
    const before = (await userKeys(w.acct.accountId))[0]!.id;
    const rot = await w.byok(['iam', 'rotate-key', '--json']);
    expect(rot.code, rot.stderr).toBe(0);
    const after = await userKeys(w.acct.accountId);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(before);
    expect(JSON.parse((await w.byok(['credentials', 'show', '--json'])).stdout).accessKeyId).toBe(mask(after[0]!.id));
    // A second key made outside byok: provision must not delete it, and says what to do.
    const iam = new IAMClient(sdkConfig(emu, 'us-east-1', w.acct.admin));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'byok-bedrock' }));
    const full = await w.byok(['iam', 'create-access-key']);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/two access keys/);
    expect(full.stderr).toMatch(/rotate-key/);
    expect(await userKeys(w.acct.accountId)).toHaveLength(2);
  });

  it('a failed test during rotation keeps the old key working', async () => {
    const w = await freshWorkspace('us', 'us-east-1');
    expect((await w.byok(['iam', 'provision'])).code).toBe(0);
    const old = (await userKeys(w.acct.accountId))[0]!.id;
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.acct.accountId, error: { code: 'AccessDeniedException' }, count: 10 });
    const rot = await w.byok(['iam', 'rotate-key']);
    expect(rot.code).not.toBe(0);
    await emu.control.clearFaults();
    const keys = await userKeys(w.acct.accountId);
    expect(keys.map((k) => k.id)).toEqual([old]);
    expect(JSON.parse((await w.byok(['credentials', 'show', '--json'])).stdout).accessKeyId).toBe(mask(old));
    expect((await w.byok(['invoke', 'hi'], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined })).code).toBe(0);
  });

  it('waits, visibly and boundedly, while IAM propagates a new key', async () => {
    const w = await freshWorkspace('us', 'us-east-1');
    // Long enough that even a slow, loaded machine checks the key before IAM "propagates" it, and
    // well inside the retries' window (100+200+300+400x6 ms = 3 s).
    await emu.control.iamPropagationDelay(1_000);
    try {
      const r = await w.byok(['iam', 'provision'], { BYOK_IAM_PROPAGATION_POLL_MS: '100' });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/not active yet/);
    } finally {
      await emu.control.iamPropagationDelay(0);
    }
  });
});

describe('setup with provisioning', () => {
  it('setup --non-interactive --provision-with-profile creates the IAM user and key and saves a working workspace', async () => {
    const acct = await emu.control.createAccount();
    const t = tempConfig();
    temps.push(t);
    const env = { ...t.env, ...emu.clientEnv, AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey, BYOK_IAM_PROPAGATION_POLL_MS: '20' };
    const r = await runInProcess(['setup', '--non-interactive', '--name', 'prov', '--plan', 'byoc', '--provision-with-profile', '', '--geography', 'us', '--region', 'us-east-2', '--policy', 'strict', '--json'], { env });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ workspace: 'prov', connectionTest: { ok: true } });
    expect(JSON.parse((await runInProcess(['credentials', 'show', '--json'], { env })).stdout)).toMatchObject({ source: 'iam', iamUserName: 'byok-bedrock' });
    expect((await runInProcess(['invoke', 'hi'], { env: { ...env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } })).code).toBe(0);
  });
});

describe('refusals', () => {
  it.each([
    [['iam', 'provision', '--user-name', 'bad name!']],
    [['iam', 'provision', '--tag', 'novalue']],
    [['iam', 'provision', '--geography', 'eu', '--region', 'us-east-1']],
    [['iam', 'policy-document', '--geography', 'us', '--region', 'us-east-1', '--account', '12']],
    [['iam', 'policy-document', '--geography', 'mars', '--region', 'us-east-1', '--account', '123456789012']],
    [['iam', 'provision', '--models', 'haiku']],
  ])('%j exits 2', async (args) => {
    const w = await freshWorkspace('us', 'us-east-1');
    const r = await w.byok(args);
    expect(r.code, r.stderr).toBe(2);
  });
  it('a member cannot provision the owner BYOK', async () => {
    const w = await freshWorkspace('us', 'us-east-1');
    await w.byok(['workspace', 'add-member', 'bob']);
    expect((await w.byok(['iam', 'provision'], { BYOK_USER: 'bob' })).code).toBe(2);
  });
});

describe('--print-commands', () => {
  it.each([['apac', 'ap-northeast-1'], ['us', 'us-east-1'], ['eu', 'eu-west-1']])('%s: runs unmodified with the real AWS CLI and reaches the same state', async (geography, region) => {
    const w = await freshWorkspace(geography, region);
    const printed = await w.byok(['iam', 'provision', '--print-commands']);
    expect(printed.code, printed.stderr).toBe(0);
    const script = join(w.t.dir, 'provision.sh');
    // The only change: `byok` is this checkout's binary. No file may hold the secret.
    const body = printed.stdout.replace('| byok credentials', `| "${process.execPath}" "${BYOK_BIN}" credentials`);
    expect(printed.stdout).not.toMatch(/>\s*\S+\.txt/);
    writeFileSync(script, `set -e\ncd "${w.t.dir}"\n${body}\n`);
    const env = { PATH: process.env.PATH, HOME: w.t.dir, ...w.env, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' };
    const r = await run('/bin/sh', [script], { env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const st = (await emu.control.state()).accounts.find((a) => a.accountId === w.acct.accountId)!;
    const user = st.users.find((u) => u.name === 'byok-bedrock')!;
    expect(user.accessKeys).toHaveLength(1);
    if (geography === 'apac') expect(user.inlinePolicies).toEqual(['byok-bedrock-invoke']);
    else expect(user.attached).toEqual([`arn:aws:iam::${w.acct.accountId}:policy/byok-bedrock-invoke-byok-bedrock`]);
    // Same state as provision: a provision run now finds everything in place.
    const again = JSON.parse((await w.byok(['iam', 'provision', '--json'])).stdout);
    expect(again.steps.filter((s: { state: string }) => s.state === 'created' || s.state === 'updated')).toEqual([]);
    expect((await w.byok(['invoke', 'hi'], { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined })).code).toBe(0);
  });

  it('when byok cannot store the new secret, the printed commands delete the key again', async () => {
    const w = await freshWorkspace('us', 'us-east-1');
    const printed = await w.byok(['iam', 'provision', '--print-commands']);
    const script = join(w.t.dir, 'provision.sh');
    writeFileSync(script, `set -e\ncd "${w.t.dir}"\n${printed.stdout.replace('| byok credentials', `| "${process.execPath}" "${BYOK_BIN}" credentials`)}\n`);
    // A key that does not open this config: byok refuses to write (exit 3).
    const env = { PATH: process.env.PATH, HOME: w.t.dir, ...w.env, BYOK_KEY: Buffer.alloc(32, 7).toString('base64'), AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' };
    const r = await run('/bin/sh', [script], { env, timeoutMs: 120_000 });
    expect(r.code).not.toBe(0);
    expect(await userKeys(w.acct.accountId)).toEqual([]);
  });
});
