// byok test-connection, models check, doctor and credentials in use, against the emulator with
// faults injected for real: every troubleshooting case of the product document is provoked and
// its category and hint asserted; 24 emulated hours of a long-term key never see an expired token.
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/cli/context.js';
import { buildBedrockPolicy } from '../../src/core/iam-policy.js';
import { MODELS } from '../../src/core/models.js';
import { runInProcess, tempConfig, type TestEnv, type TestRun } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { scanForSecrets } from '../helpers/secret-scan.js';
import { run } from '../helpers/spawn.js';

const hasAws = spawnSync('aws', ['--version']).status === 0;
/** The product document's own check: `aws sts get-caller-identity` with the same keys (the real AWS CLI). */
async function awsCallerIdentity(c: Creds): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run('aws', ['sts', 'get-caller-identity', '--output', 'json'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' },
  });
}

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.control.clearFaults();
  await emu.control.clearProfileChanges();
  // Tests that move the emulator's clock put it back, so the next test signs at the host's time.
  const { offsetMs } = await emu.control.clock();
  if (offsetMs !== 0) await emu.control.advanceClock(-offsetMs);
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

interface Check { name: string; ok: boolean; status: string; detail: string; category: string | null; hint: string | null; steps: string[]; permission: { action: string; resource: string; statement: unknown } | null }
type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiresAt?: string };

interface Ws {
  accountId: string;
  admin: { accessKeyId: string; secretAccessKey: string };
  env: Record<string, string>;
  outputs: string[];
  byok(args: string[], o?: { now?: Date; stdin?: string; env?: Record<string, string | undefined> }): Promise<TestRun>;
  json(args: string[], o?: { now?: Date; env?: Record<string, string | undefined> }): Promise<{ code: number; body: { ok: boolean; checks: Check[]; [k: string]: unknown } }>;
  setCredentials(c: Creds, now?: Date): Promise<void>;
}

async function workspace(o: { geography?: string; region?: string; useCaseSubmitted?: boolean; owner?: string } = {}): Promise<Ws> {
  const acct = await emu.control.createAccount({ useCaseSubmitted: o.useCaseSubmitted });
  const t = tempConfig();
  temps.push(t);
  const env = { ...t.env, ...emu.clientEnv };
  const outputs: string[] = [];
  const byok: Ws['byok'] = async (args, opts = {}) => {
    const r = await runInProcess(args, { env: { ...env, ...opts.env }, now: opts.now, stdin: opts.stdin });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const owner = o.owner ? { BYOK_USER: o.owner } : {};
  expect((await byok(['workspace', 'create', 'ws', '--plan', 'enterprise'], { env: owner })).code).toBe(0);
  expect((await byok(['config', 'set', 'geography', o.geography ?? 'us'], { env: owner })).code).toBe(0);
  expect((await byok(['config', 'set', 'region', o.region ?? 'us-east-1'], { env: owner })).code).toBe(0);
  const w: Ws = {
    accountId: acct.accountId,
    admin: acct.admin,
    env,
    outputs,
    byok,
    async json(args, opts = {}) {
      const r = await byok([...args, '--json'], opts);
      expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
      return { code: r.code, body: JSON.parse(r.stdout) };
    },
    async setCredentials(c, now) {
      const args = ['credentials', 'set', '--access-key-id', c.accessKeyId, '--secret-access-key-stdin'];
      if (c.sessionToken) args.push('--session-token-stdin', '--expires-at', c.expiresAt!);
      const r = await byok(args, { stdin: `${c.secretAccessKey}\n${c.sessionToken ?? ''}\n`, now });
      expect(r.code, r.stderr).toBe(0);
    },
  };
  return w;
}

/** A least-privilege BYOK user from byok's own policy (optionally mutated), with one access key. */
async function bedrockUser(w: Ws, geography: 'global' | 'us' | 'eu' | 'apac', region: string, mutate?: (doc: { Statement: { Resource: string | string[] }[] }) => void, o: { discovery?: boolean } = {}): Promise<Creds> {
  const p = buildBedrockPolicy({ geography, region, accountId: w.accountId, models: ['sonnet', 'opus'], withDiscovery: o.discovery });
  if (!p.ok) throw new Error(p.error.reason);
  const doc = structuredClone(p.value.document) as unknown as { Statement: { Resource: string | string[] }[] };
  mutate?.(doc);
  const iam = new IAMClient(sdkConfig(emu, 'us-east-1', w.admin));
  await iam.send(new CreateUserCommand({ UserName: 'byok-bedrock' }));
  const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'byok-bedrock', PolicyDocument: JSON.stringify(doc) }))).Policy!.Arn!;
  await iam.send(new AttachUserPolicyCommand({ UserName: 'byok-bedrock', PolicyArn: arn }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'byok-bedrock' }))).AccessKey!;
  iam.destroy();
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

const check = (body: { checks: Check[] }, name: string): Check => {
  const c = body.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name} in ${body.checks.map((x) => x.name).join(', ')}`);
  return c;
};
const failed = (body: { checks: Check[] }) => body.checks.filter((c) => c.status === 'fail');

describe('a healthy least-privilege setup', () => {
  it('test-connection passes every check in parallel, records the result, and doctor and models check agree', async () => {
    const w = await workspace({ geography: 'us', region: 'us-east-1' });
    const creds = await bedrockUser(w, 'us', 'us-east-1');
    await w.setCredentials(creds);
    const { code, body } = await w.json(['test-connection']);
    expect(code, JSON.stringify(body)).toBe(0);
    expect(body.ok).toBe(true);
    expect(body.checks.map((c) => c.name)).toEqual(['credentials', 'sonnet.converse', 'sonnet.converse-stream', 'opus.converse', 'opus.converse-stream', 'permissions']);
    expect(body.checks.every((c) => c.ok && c.status === 'pass' && c.category === null && c.hint === null)).toBe(true);
    expect(body.identity).toEqual({ account: w.accountId, arn: `arn:aws:iam::${w.accountId}:user/byok-bedrock` });
    expect(body.credentials).toMatchObject({ kind: 'long-term', source: 'new-session' });
    if (hasAws) {
      const cli = await awsCallerIdentity(creds);
      expect(cli.code, cli.stderr).toBe(0);
      expect(JSON.parse(cli.stdout)).toMatchObject({ Account: w.accountId, Arn: (body.identity as { arn: string }).arn });
    }
    expect(body.routes).toEqual([
      expect.objectContaining({ model: 'sonnet', inferenceProfileId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', region: 'us-east-1' }),
      expect.objectContaining({ model: 'opus', inferenceProfileId: 'us.anthropic.claude-opus-4-5-20251101-v1:0', region: 'us-east-1' }),
    ]);

    // The second run uses the cached session; config show reports it and the last result.
    const again = await w.json(['test-connection']);
    expect(again.body.credentials).toMatchObject({ source: 'cached-session' });
    const shown = (await w.json(['config', 'show'])).body as unknown as { credentials: { source: string; kind: string }; session_token_expires_at: string; lastConnectionTest: { ok: boolean; at: string } };
    expect(shown.credentials).toMatchObject({ kind: 'long-term', source: 'stdin' });
    expect(shown.session_token_expires_at).toBe((again.body.credentials as { session_token_expires_at: string }).session_token_expires_at);
    expect(shown.lastConnectionTest.ok).toBe(true);

    const doctor = await w.json(['doctor']);
    expect(doctor.code, JSON.stringify(failed(doctor.body))).toBe(0);
    expect(doctor.body.checks.map((c) => c.name)).toEqual(['owner-configured', 'byok-enabled', 'plan-eligible', 'owner-credentials', 'session-token-expiry', 'model-access', 'iam-permissions', 'region', 'connection']);

    // byok's default policy includes the read-only discovery actions: models check sees everything.
    const full = await w.json(['models', 'check']);
    expect(full.code, JSON.stringify(failed(full.body))).toBe(0);
    expect(full.body.checks.every((c) => c.status === 'pass'), JSON.stringify(full.body.checks.filter((c) => c.status !== 'pass'))).toBe(true);

    // Without the discovery actions (--no-discovery), models check names each missing one and still invokes.
    const nd = await workspace({ geography: 'us', region: 'us-east-1' });
    await nd.setCredentials(await bedrockUser(nd, 'us', 'us-east-1', undefined, { discovery: false }));
    const models = await nd.json(['models', 'check']);
    expect(models.code, JSON.stringify(failed(models.body))).toBe(0);
    expect(check(models.body, 'sonnet.invoke').status).toBe('pass');
    const avail = check(models.body, 'sonnet.availability');
    expect(avail.status).toBe('warn');
    expect(avail.permission?.action).toBe('bedrock:GetFoundationModelAvailability');
    expect(check(models.body, 'use-case-form').permission?.action).toBe('bedrock:GetUseCaseForModelAccess');
    // test-connection says the destinations were not verified, and still passes.
    const tc = await nd.json(['test-connection']);
    expect(tc.code).toBe(0);
    expect(check(tc.body, 'sonnet.profile')).toMatchObject({ status: 'warn', ok: true });
    expect(scanForSecrets([creds.secretAccessKey], { dirs: [w.env.BYOK_CONFIG_DIR!], texts: w.outputs })).toEqual([]);
  });

  it('models check with the discovery actions reads availability, the live profiles and the form', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1' });
    await w.setCredentials(w.admin);
    // Before the first invocation the Marketplace agreement is not in place: a warning, and the
    // one-token invocation (which subscribes) is the conclusive check (reference/aws.md §4.2).
    const first = await w.json(['models', 'check']);
    expect(first.code, JSON.stringify(failed(first.body))).toBe(0);
    expect(check(first.body, 'sonnet.availability')).toMatchObject({ status: 'warn', ok: true });
    expect(check(first.body, 'sonnet.availability').detail).toContain('agreement NOT_AVAILABLE');
    expect(check(first.body, 'sonnet.invoke').status).toBe('pass');
    const { code, body } = await w.json(['models', 'check', '--refresh-catalog']);
    expect(code, JSON.stringify(failed(body))).toBe(0);
    expect(body.catalog).toMatchObject({ source: 'live' });
    expect(body.useCaseForm).toEqual({ submitted: true });
    for (const m of ['sonnet', 'opus'] as const) {
      expect(check(body, `${m}.availability`).status).toBe('pass');
      expect(check(body, `${m}.profile`).detail).toContain('ACTIVE');
      expect(check(body, `${m}.invoke`).status).toBe('pass');
    }
    const models = body.models as { model: string; profile: { destinations: string[]; difference: unknown } }[];
    expect(models.find((m) => m.model === 'sonnet')!.profile.difference).toBeNull();
  });
});

describe('a global profile as AWS describes it', () => {
  it("the live profile list never narrows a global profile to its source region: its region-less model ARN means any commercial region", async () => {
    const w = await workspace({ geography: 'global', region: 'eu-west-1' });
    await w.setCredentials(w.admin);
    const { code, body } = await w.json(['models', 'check', '--refresh-catalog']);
    expect(code, JSON.stringify(failed(body))).toBe(0);
    const models = body.models as { model: string; profile: { destinations: string[] } }[];
    for (const m of ['sonnet', 'opus']) expect(models.find((x) => x.model === m)!.profile.destinations).toEqual(['*']);
    expect(check(body, 'sonnet.profile').detail).toContain('any commercial region');
    // Routing then uses the live list byok kept: still any commercial region, not eu-west-1 only.
    const route = await w.json(['route', '--model', 'sonnet']);
    expect(route.code).toBe(0);
    expect((route.body as unknown as { destinations: string[] }).destinations).toEqual(['*']);
  });
});

describe('troubleshooting: each case provoked, its category and hint', () => {
  it('no model access: Opus not available in the region', async () => {
    const w = await workspace({ geography: 'us', region: 'us-east-1' });
    await w.setCredentials(w.admin);
    await emu.control.modelAccess({ accountId: w.accountId, availability: { modelId: MODELS.opus.modelId, region: 'us-east-1', status: 'NOT_AVAILABLE' } });
    const { code, body } = await w.json(['test-connection']);
    expect(code).toBe(1);
    expect(failed(body).map((c) => c.name)).toEqual(['opus.converse', 'opus.converse-stream']);
    const c = check(body, 'opus.converse');
    expect(c.category).toBe('model-access-denied');
    expect(c.detail).toContain("You don't have access to the model");
    expect(c.hint).toContain('Check that both Sonnet 4.5 and Opus 4.5 models are enabled');
    expect(check(body, 'sonnet.converse').ok).toBe(true);
    // Not an IAM problem: permissions are not blamed.
    expect(check(body, 'permissions').category).toBeNull();

    const doctor = await w.json(['doctor']);
    expect(doctor.code).toBe(1);
    expect(check(doctor.body, 'model-access')).toMatchObject({ status: 'fail', category: 'model-access-denied' });

    const models = await w.json(['models', 'check']);
    expect(models.code).toBe(1);
    expect(check(models.body, 'opus.availability')).toMatchObject({ status: 'warn', category: 'model-access-denied' });
    expect(check(models.body, 'opus.availability').detail).toContain('region NOT_AVAILABLE');
    expect(check(models.body, 'opus.invoke').category).toBe('model-access-denied');
  });

  it('use-case form missing: found, then submitted with request-access, then access works', async () => {
    const w = await workspace({ geography: 'global', region: 'eu-west-1', useCaseSubmitted: false });
    await w.setCredentials(w.admin);
    const { code, body } = await w.json(['test-connection']);
    expect(code).toBe(1);
    const c = check(body, 'sonnet.converse');
    expect(c.category).toBe('model-access-denied');
    expect(c.detail).toContain('Model use case details have not been submitted');
    expect(c.hint).toMatch(/use-case form has not been submitted.*byok models request-access/);

    const models = await w.json(['models', 'check']);
    expect(check(models.body, 'use-case-form')).toMatchObject({ status: 'fail', category: 'model-access-denied' });
    expect(models.body.useCaseForm).toEqual({ submitted: false });

    const bad = await w.byok(['models', 'request-access', '--company-name', 'x'.repeat(129), '--yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('at most 128 characters');
    const mars = await w.byok(['models', 'request-access', '--region', 'mars', '--company-name', 'x', '--yes']);
    expect(mars.code).toBe(2);
    expect(mars.stderr).toContain('not an AWS region name');
    const put = await w.json(['models', 'request-access', '--company-name', 'Example Bank', '--company-website', 'https://bank.example', '--intended-users', 'internal', '--industry', 'Financial services', '--use-cases', 'Internal coding assistant.', '--yes']);
    expect(put.code, JSON.stringify(put.body)).toBe(0);
    expect(put.body).toMatchObject({ submitted: true, account: w.accountId });
    expect((await emu.control.state()).accounts.find((a) => a.accountId === w.accountId)!.useCaseSubmitted).toBe(true);
    expect((await w.json(['test-connection'])).code).toBe(0);
  });

  it('a policy missing one destination region: the action, the ARN and the statement that grants it', async () => {
    const w = await workspace({ geography: 'us', region: 'us-east-1' });
    const missing = `arn:aws:bedrock:us-west-2::foundation-model/${MODELS.sonnet.modelId}`;
    const creds = await bedrockUser(w, 'us', 'us-east-1', (doc) => {
      for (const st of doc.Statement) if (Array.isArray(st.Resource)) st.Resource = st.Resource.filter((r) => r !== missing);
    });
    await w.setCredentials(creds);
    const { code, body } = await w.json(['test-connection']);
    expect(code).toBe(1);
    expect(failed(body).map((c) => c.name)).toEqual(['sonnet.converse', 'sonnet.converse-stream', 'permissions']);
    const conv = check(body, 'sonnet.converse');
    expect(conv.category).toBe('iam-permission');
    expect(conv.permission).toMatchObject({ action: 'bedrock:InvokeModel', resource: missing });
    expect(conv.permission!.statement).toMatchObject({ Effect: 'Allow', Action: 'bedrock:InvokeModel' });
    expect([conv.permission!.statement as { Resource: string | string[] }].flatMap((st) => st.Resource)).toContain(missing);
    expect(check(body, 'sonnet.converse-stream').permission).toMatchObject({ action: 'bedrock:InvokeModelWithResponseStream', resource: missing });
    const perm = check(body, 'permissions');
    expect(perm.category).toBe('iam-permission');
    expect(perm.detail).toContain(`bedrock:InvokeModel on ${missing}`);
    expect(perm.hint).toContain('Check that model ARNs in the policy match the models you');
    expect(check(body, 'opus.converse').ok).toBe(true);
    const doctor = await w.json(['doctor']);
    expect(check(doctor.body, 'iam-permissions')).toMatchObject({ status: 'fail', category: 'iam-permission' });
  });

  it('a wrong secret: refused outright, exit 4, and the secret is never printed', async () => {
    const w = await workspace();
    const wrong = `${w.admin.secretAccessKey.slice(0, -4)}abcd`;
    await w.setCredentials({ accessKeyId: w.admin.accessKeyId, secretAccessKey: wrong });
    const { code, body } = await w.json(['test-connection']);
    expect(code).toBe(4);
    const c = check(body, 'credentials');
    expect(c.category).toBe('credential-invalid');
    expect(c.detail).toContain('SignatureDoesNotMatch');
    expect(c.hint).toContain('Verify access key ID and secret access key are correct');
    expect(c.hint).toContain('aws sts get-caller-identity');
    if (hasAws) {
      // The step the hint gives agrees with byok: the real CLI refuses the same key the same way.
      const cli = await awsCallerIdentity({ accessKeyId: w.admin.accessKeyId, secretAccessKey: wrong });
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toContain('SignatureDoesNotMatch');
    }
    const doctor = await w.json(['doctor']);
    expect(doctor.code).toBe(4);
    expect(check(doctor.body, 'owner-credentials').category).toBe('credential-invalid');
    // One refused key is one problem: the checks that could not run say why, and none contradicts the settings (new-user review).
    expect(check(doctor.body, 'session-token-expiry')).toMatchObject({ status: 'skip', detail: 'not checked: the key itself was refused (owner-credentials)' });
    expect(check(doctor.body, 'model-access')).toMatchObject({ status: 'skip', detail: 'not checked: AWS refused the credentials (owner-credentials)' });
    expect(check(doctor.body, 'iam-permissions')).toMatchObject({ status: 'skip', detail: 'not checked: AWS refused the credentials (owner-credentials)' });
    expect(check(doctor.body, 'connection').status).toBe('skip');
    expect((doctor.body.checks as { status: string }[]).filter((c) => c.status === 'fail')).toHaveLength(1);
    // The refused key's hint says each step once.
    const hint = check(doctor.body, 'owner-credentials').hint as string;
    expect(hint.split('aws sts get-caller-identity').length - 1).toBe(1);
    const human = await w.byok(['test-connection']);
    expect(human.code).toBe(4);
    expect(human.stdout + human.stderr).toContain('hint:');
    expect(scanForSecrets([wrong, w.admin.secretAccessKey], { dirs: [w.env.BYOK_CONFIG_DIR!], texts: w.outputs })).toEqual([]);
  });

  it('an expired ASIA token: byok sees the expiry and makes no call (exit 4)', async () => {
    const w = await workspace();
    const sts = new STSClient(sdkConfig(emu, 'us-east-1', w.admin));
    const s = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    sts.destroy();
    await w.setCredentials({ accessKeyId: s.AccessKeyId!, secretAccessKey: s.SecretAccessKey!, sessionToken: s.SessionToken!, expiresAt: s.Expiration!.toISOString() });
    // Any call the account makes now would be answered with an error the test could see.
    await emu.control.addFault({ accountId: w.accountId, count: 100, error: { code: 'ServiceUnavailableException' } });
    const later = new Date(s.Expiration!.getTime() + 60_000);
    const { code, body } = await w.json(['test-connection'], { now: later });
    expect(code).toBe(4);
    const c = check(body, 'credentials');
    expect(c.category).toBe('session-expired');
    expect(c.detail).toContain('no call was made');
    expect(c.hint).toContain('Temporary (ASIA) credentials cannot be refreshed');
    expect(body.checks.filter((x) => x.name !== 'credentials' && x.name !== 'permissions').every((x) => x.status === 'skip')).toBe(true);
    // Nothing was asked of AWS, so nothing is put as AWS's answer (new-user review).
    const human = await w.byok(['test-connection'], { now: later });
    expect(human.stdout + human.stderr).toContain('no call was made to AWS, so nothing else could be checked');
    expect(human.stdout + human.stderr).not.toContain('AWS refused');
    expect(body).toMatchObject({ refused: true, noCallMade: true });
    const doctor = await w.json(['doctor'], { now: later });
    expect(check(doctor.body, 'session-token-expiry')).toMatchObject({ status: 'fail', category: 'session-expired' });
    // invoke checks the expiry before its call too (strict policy: no fallback either): exit 4, how to reconfigure.
    const inv = await w.byok(['invoke', 'hi'], { now: later });
    expect(inv.code).toBe(4);
    expect(inv.stderr).toContain('no call was made');
    expect(inv.stderr).toContain('Reconfigure with new ones: byok credentials set');
    expect(inv.stderr).toContain('BYOK call not made (session-expired)');
    const invJson = JSON.parse((await w.byok(['invoke', 'hi', '--json'], { now: later })).stdout) as { attempts: { error: Record<string, unknown> }[] };
    expect(invJson.attempts[0]!.error).toMatchObject({ local: true, status: null, category: 'session-expired' });
    expect(inv.stderr).not.toMatch(/BYOK call failed: ExpiredTokenException/);
    const faults = (await emu.control.listFaults()).faults as { remaining?: number }[];
    expect(faults[0]).toMatchObject({ remaining: 100 });
  });

  it('an expired ASIA token under allow: the fallback is taken (session-expired is retryable), and nothing says AWS answered', async () => {
    const w = await workspace();
    const sts = new STSClient(sdkConfig(emu, 'us-east-1', w.admin));
    const s = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    sts.destroy();
    await w.setCredentials({ accessKeyId: s.AccessKeyId!, secretAccessKey: s.SecretAccessKey!, sessionToken: s.SessionToken!, expiresAt: s.Expiration!.toISOString() });
    const platform = await emu.control.createAccount({});
    const later = new Date(s.Expiration!.getTime() + 60_000);
    // The platform call is signed at `later`: the emulator's clock goes there too (put back after the test).
    await emu.control.advanceClock(later.getTime() - new Date((await emu.control.clock()).now).getTime());
    expect((await w.byok(['credentials', 'set', '--platform', '--regions', 'us-east-1', '--access-key-id', platform.admin.accessKeyId, '--secret-access-key-stdin'], { stdin: `${platform.admin.secretAccessKey}\n`, now: later })).code).toBe(0);
    expect((await w.byok(['policy', 'set', 'allow'], { now: later })).code).toBe(0);
    const inv = await w.byok(['invoke', 'hi'], { now: later, env: { BYOK_PLATFORM_ENDPOINT_URL: emu.url } });
    expect(inv.code, inv.stderr).toBe(0);
    expect(inv.stderr).toContain('BYOK call not made (session-expired: the stored key had expired); served by platform credentials in us-east-1');
    expect(inv.stderr).not.toMatch(/BYOK failed \(ExpiredTokenException\)/);
    const events = (await w.json(['audit', 'list'], { now: later })).body.events as { type: string; details: Record<string, unknown> }[];
    const fallback = events.find((e) => e.type === 'fallback')!;
    expect(fallback.details).toMatchObject({ originalErrorCode: 'ExpiredTokenException', originalErrorLocal: true, category: 'session-expired' });
  });

  it('an ASIA token AWS has expired although its recorded expiry is later: session-expired, exit 4', async () => {
    const w = await workspace();
    const sts = new STSClient(sdkConfig(emu, 'us-east-1', w.admin));
    const s = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    sts.destroy();
    const emuNow = new Date((await emu.control.clock()).now);
    // The admin typed a later expiry than the token really has.
    await w.setCredentials({ accessKeyId: s.AccessKeyId!, secretAccessKey: s.SecretAccessKey!, sessionToken: s.SessionToken!, expiresAt: new Date(emuNow.getTime() + 12 * 3600_000).toISOString() }, emuNow);
    await emu.control.advanceClock(20 * 60_000);
    const later = new Date(emuNow.getTime() + 20 * 60_000);
    const { code, body } = await w.json(['test-connection'], { now: later });
    expect(code).toBe(4);
    const c = check(body, 'credentials');
    expect(c.category).toBe('session-expired');
    expect(c.detail).toMatch(/ExpiredToken/);
    expect(c.hint).toContain('Temporary credentials (ASIA) cannot be refreshed');
  });

  it.each([
    ['throttling', 'ThrottlingException', 'throttled', 'AWS throttled the call'],
    ['a 5xx', 'ServiceUnavailableException', 'service-unavailable', 'transient server-side error'],
    ['a 500', 'InternalServerException', 'service-unavailable', 'transient server-side error'],
  ])('%s on Bedrock Runtime: category and hint, the credentials still pass (exit 1)', async (_label, errorCode, category, lead) => {
    const w = await workspace();
    await w.setCredentials(w.admin);
    await emu.control.addFault({ service: 'bedrock-runtime', accountId: w.accountId, durationMs: 60_000, error: { code: errorCode } });
    const { code, body } = await w.json(['test-connection']);
    expect(code).toBe(1);
    expect(check(body, 'credentials').ok).toBe(true);
    for (const name of ['sonnet.converse', 'sonnet.converse-stream', 'opus.converse', 'opus.converse-stream']) {
      const c = check(body, name);
      expect(c.category, name).toBe(category);
      expect(c.detail).toContain(errorCode);
      expect(c.hint).toContain(lead);
    }
    expect(check(body, 'permissions')).toMatchObject({ status: 'skip', category: null });
    const doctor = await w.json(['doctor']);
    expect(check(doctor.body, 'connection')).toMatchObject({ status: 'fail', category });
  });

  it('an error event in the middle of the response stream fails only the ConverseStream probe', async () => {
    const w = await workspace();
    await w.setCredentials(w.admin);
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'ConverseStream', accountId: w.accountId, durationMs: 60_000, midStream: true, error: { code: 'ModelStreamErrorException' } });
    const { code, body } = await w.json(['test-connection']);
    expect(code).toBe(1);
    expect(failed(body).map((c) => c.name)).toEqual(['sonnet.converse-stream', 'opus.converse-stream']);
    expect(check(body, 'sonnet.converse-stream').detail).toContain('ModelStreamErrorException');
    expect(check(body, 'sonnet.converse').ok).toBe(true);
  });

  it('AWS unreachable: every check says no answer came (not a Bedrock error), and no command calls it a bug', async () => {
    const w = await workspace();
    await w.setCredentials(w.admin);
    const closed = Object.fromEntries(Object.keys(emu.clientEnv).filter((k) => k.startsWith('AWS_ENDPOINT_URL')).map((k) => [k, 'http://127.0.0.1:1']));
    const tc = await w.byok(['test-connection', '--json'], { env: closed });
    expect(tc.code).toBe(1);
    const body = JSON.parse(tc.stdout) as { checks: Check[] };
    expect(check(body, 'credentials')).toMatchObject({ status: 'fail', category: 'service-unavailable' });
    expect(check(body, 'credentials').hint).toContain('No answer from AWS (ECONNREFUSED)');
    // The advice is the network's, never an outage's or a quota's: AWS judged nothing.
    for (const c of body.checks.filter((x) => x.status === 'fail')) {
      expect(c.hint, c.name).toContain('AWS_ENDPOINT_URL');
      expect(c.hint, c.name).not.toMatch(/Health Dashboard|quota|IAM policy/);
    }
    // doctor says why its other checks did not run: a session could not be had, not a refused key.
    const doc = await w.byok(['doctor', '--json'], { env: closed });
    const dc = JSON.parse(doc.stdout) as { checks: Check[] };
    expect(check(dc, 'session-token-expiry')).toMatchObject({ status: 'skip', detail: 'not checked: getting a session failed (service-unavailable; owner-credentials says why)' });
    expect(JSON.stringify(dc.checks)).not.toContain('was refused');
    // Only the control plane unreachable: the profile checks cannot read the destinations, and
    // that is the network too, not a permission to add.
    const noControl = await w.byok(['test-connection', '--json'], { env: { AWS_ENDPOINT_URL_BEDROCK: 'http://127.0.0.1:1' } });
    const unverified = (JSON.parse(noControl.stdout) as { checks: Check[] }).checks.filter((x) => x.name.endsWith('.profile') && x.status === 'warn');
    expect(unverified.map((c) => c.name).sort()).toEqual(['opus.profile', 'sonnet.profile']);
    for (const c of unverified) {
      expect(c.hint, c.name).toContain('AWS_ENDPOINT_URL');
      expect(c.hint, c.name).not.toMatch(/put-policy|GetInferenceProfile/);
    }
    const refresh = await w.byok(['credentials', 'refresh'], { env: closed });
    expect(refresh.code).toBe(1);
    expect(refresh.stderr).toContain('could not reach AWS: ECONNREFUSED');
    expect(refresh.stderr).toContain('AWS_ENDPOINT_URL');
    expect(refresh.stderr).not.toMatch(/Health Dashboard|quota/);
    expect(refresh.stderr).not.toMatch(/bug in byok|\n\s+at /);
    const j = await w.byok(['credentials', 'refresh', '--json'], { env: closed });
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { kind: 'aws', code: 'ECONNREFUSED', category: 'service-unavailable' } });
  });

  it('a region outside the geography: config refuses it; a stored one is never called', async () => {
    const w = await workspace({ geography: 'eu', region: 'eu-west-1' });
    await w.setCredentials(w.admin);
    const set = await w.byok(['config', 'set', 'region', 'us-east-1', '--json']);
    expect(set.code).toBe(2);
    expect(JSON.parse(set.stderr || set.stdout)).toMatchObject({ error: { code: 'region-outside-geography' } });
    // A config that holds one anyway (written before byok's table changed): route refuses, nothing is sent.
    const ctx = createContext({ io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false }, env: w.env, osUser: 'alice' });
    await ctx.store().update((d) => {
      d.workspaces.ws!.region = 'us-east-1';
    });
    await emu.control.addFault({ accountId: w.accountId, service: 'bedrock-runtime', count: 100, error: { code: 'InternalServerException' } });
    const { code, body } = await w.json(['test-connection']);
    expect(code).toBe(1);
    const r = check(body, 'sonnet.route');
    expect(r.category).toBe('region-mismatch');
    expect(r.detail).toContain('us-east-1');
    expect(r.hint).toMatch(/eu-/);
    expect(body.checks.some((c) => c.name.endsWith('.converse'))).toBe(false);
    expect(((await emu.control.listFaults()).faults as { remaining: number }[])[0]!.remaining).toBe(100);
    const doctor = await w.json(['doctor']);
    expect(check(doctor.body, 'region')).toMatchObject({ status: 'fail', category: 'region-mismatch' });
  });

  it("a member of a workspace whose owner has no BYOK: the owner's step, for the member", async () => {
    const w = await workspace({ owner: 'bob' });
    expect((await w.byok(['workspace', 'add-member', 'alice'], { env: { BYOK_USER: 'bob' } })).code).toBe(0);
    const { code, body } = await w.json(['doctor']);
    expect(code).toBe(1);
    expect(body.role).toBe('member');
    const c = check(body, 'owner-configured');
    expect(c.category).toBe('owner-not-configured');
    expect(c.detail).toContain('bob');
    expect(c.hint).toContain('Verify workspace owner has configured BYOK');
    expect(check(body, 'connection').status).toBe('skip');
    const tc = await w.json(['test-connection']);
    expect(tc.code).toBe(1);
    expect(check(tc.body, 'owner-configured').category).toBe('owner-not-configured');
    // Once bob configures it, alice inherits it.
    await w.byok(['credentials', 'set', '--access-key-id', w.admin.accessKeyId, '--secret-access-key-stdin'], { stdin: `${w.admin.secretAccessKey}\n`, env: { BYOK_USER: 'bob' } });
    expect((await w.json(['test-connection'])).code).toBe(0);
  });
});

describe('credentials that refresh themselves', () => {
  it('a long-term key runs through 24 emulated hours of test-connections without an expired token', async () => {
    const w = await workspace();
    await w.setCredentials(await bedrockUser(w, 'us', 'us-east-1'));
    const start = new Date((await emu.control.clock()).now);
    const sources: string[] = [];
    const expiries = new Set<string>();
    // Every hour for 24 hours, plus a run three minutes before each 12-hour session expires
    // (inside the five-minute refresh window: byok must not use the cached session then).
    const minutes = [...Array.from({ length: 25 }, (_, h) => h * 60), 717, 1434].sort((a, b) => a - b);
    let elapsed = 0;
    for (const m of minutes) {
      await emu.control.advanceClock(m * 60_000 - elapsed);
      elapsed = m * 60_000;
      const now = new Date(start.getTime() + elapsed);
      const { code, body } = await w.json(['test-connection'], { now });
      expect(code, `${m} min: ${JSON.stringify(failed(body))}`).toBe(0);
      expect(body.checks.some((c) => c.category === 'session-expired')).toBe(false);
      const cr = body.credentials as { source: string; session_token_expires_at: string };
      sources.push(cr.source);
      expiries.add(cr.session_token_expires_at);
      // A cached session is never used within five minutes of its expiry.
      if (cr.source === 'cached-session') expect(new Date(cr.session_token_expires_at).getTime() - now.getTime(), `${m} min`).toBeGreaterThan(5 * 60_000);
    }
    expect(sources[0]).toBe('new-session');
    // New sessions at 0, 717 and 1434 minutes; every other run used the cache.
    expect(sources.map((src, i) => (src === 'new-session' ? minutes[i] : null)).filter((x) => x !== null)).toEqual([0, 717, 1434]);
    expect(expiries.size).toBe(sources.filter((s) => s === 'new-session').length);
  });

  it('credentials import reads a profile from the AWS shared config; a missing profile is exit 2 with nothing stored', async () => {
    const w = await workspace();
    const file = join(w.env.BYOK_CONFIG_DIR!, '..', 'aws-credentials');
    writeFileSync(file, `[bank]\naws_access_key_id = ${w.admin.accessKeyId}\naws_secret_access_key = ${w.admin.secretAccessKey}\n`);
    const env = { AWS_SHARED_CREDENTIALS_FILE: file };
    const missing = await w.byok(['credentials', 'import', '--profile', 'nope'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Could not read credentials from AWS profile "nope"');
    expect(JSON.parse((await w.byok(['credentials', 'show', '--json'])).stdout)).toMatchObject({ configured: false });
    const r = await w.byok(['credentials', 'import', '--profile', 'bank', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'long-term', source: 'profile' });
    expect((await w.json(['test-connection'])).code).toBe(0);
    expect(scanForSecrets([w.admin.secretAccessKey], { dirs: [w.env.BYOK_CONFIG_DIR!], texts: w.outputs })).toEqual([]);
  });

  it('a cached session AWS stops accepting is replaced once, and the test runs again', async () => {
    const w = await workspace();
    await w.setCredentials(w.admin);
    const first = await w.json(['test-connection']);
    expect(first.body.credentials).toMatchObject({ source: 'new-session' });
    await emu.control.addFault({ service: 'sts', operation: 'GetCallerIdentity', accountId: w.accountId, count: 1, error: { code: 'ExpiredToken' } });
    const { code, body } = await w.json(['test-connection']);
    expect(code, JSON.stringify(failed(body))).toBe(0);
    expect(body.sessionRenewed).toBe(true);
    expect(body.credentials).toMatchObject({ source: 'new-session' });
  });

  it('credentials refresh forces a new session; an ASIA key cannot be refreshed', async () => {
    const w = await workspace();
    await w.setCredentials(w.admin);
    expect((await w.json(['test-connection'])).body.credentials).toMatchObject({ source: 'new-session' });
    const r = await w.json(['credentials', 'refresh']);
    expect(r.code, JSON.stringify(r.body)).toBe(0);
    expect((await w.json(['test-connection'])).body.credentials).toMatchObject({ source: 'cached-session' });
    const sts = new STSClient(sdkConfig(emu, 'us-east-1', w.admin));
    const s = (await sts.send(new GetSessionTokenCommand({}))).Credentials!;
    sts.destroy();
    await w.setCredentials({ accessKeyId: s.AccessKeyId!, secretAccessKey: s.SecretAccessKey!, sessionToken: s.SessionToken!, expiresAt: s.Expiration!.toISOString() });
    const asia = await w.byok(['credentials', 'refresh']);
    expect(asia.code).toBe(2);
    expect(asia.stderr).toContain('cannot be refreshed');
  });
});

describe('AWS changes an inference profile: the live list wins, inside the geography only', () => {
  const SONNET_US = `us.${MODELS.sonnet.modelId}`;
  it('a destination AWS adds: the call fails on its ARN, models check keeps the live list, put-policy covers it; one that leaves the geography is never used', async () => {
    const w = await workspace({ geography: 'us', region: 'us-east-1' });
    const admin = { AWS_ACCESS_KEY_ID: w.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: w.admin.secretAccessKey, BYOK_IAM_PROPAGATION_POLL_MS: '20' };
    const prov = await w.byok(['iam', 'provision', '--with-discovery', '--json'], { env: admin });
    expect(prov.code, prov.stderr + prov.stdout).toBe(0);
    expect((await w.json(['test-connection'])).code).toBe(0);

    // AWS adds us-west-1 as a destination of the US Sonnet profile from us-east-1.
    await emu.control.changeProfile({ profileId: SONNET_US, sourceRegion: 'us-east-1', destinations: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'] });
    const broken = await w.json(['test-connection']);
    expect(broken.code).toBe(1);
    expect(check(broken.body, 'sonnet.converse').permission).toMatchObject({ action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:us-west-1::foundation-model/${MODELS.sonnet.modelId}` });

    const models = await w.json(['models', 'check']);
    const prof = check(models.body, 'sonnet.profile');
    expect(prof).toMatchObject({ status: 'warn' });
    expect(prof.detail).toContain('AWS adds us-west-1');
    expect(prof.hint).toContain('byok iam put-policy');
    expect(check(models.body, 'catalog-stored').detail).toContain('changed');
    const route = await w.json(['route', '--model', 'sonnet']);
    expect(route.body).toMatchObject({ inferenceProfileId: SONNET_US, destinations: ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'] });
    const audit = JSON.parse((await w.byok(['audit', 'list', '--json'])).stdout) as { events: { type: string }[] };
    expect(audit.events.map((e) => e.type)).toContain('catalog-updated');

    const put = await w.json(['iam', 'put-policy', '--with-discovery'], { env: admin });
    expect(put.code, JSON.stringify(put.body)).toBe(0);
    expect((put.body.steps as { step: string; state: string }[]).find((st) => st.step === 'policy')?.state).toBe('updated');
    expect((await w.json(['test-connection'])).code).toBe(0);

    // AWS starts routing the profile to eu-west-1: byok learns it and stops using the profile.
    await emu.control.changeProfile({ profileId: SONNET_US, sourceRegion: 'us-east-1', destinations: ['us-east-1', 'eu-west-1'] });
    const leak = await w.json(['models', 'check']);
    expect(leak.code).toBe(1);
    expect(check(leak.body, 'sonnet.profile')).toMatchObject({ status: 'fail', category: 'region-mismatch' });
    expect(check(leak.body, 'sonnet.profile').detail).toContain('eu-west-1');
    const refused = await w.byok(['route', '--model', 'sonnet', '--json']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stderr || refused.stdout)).toMatchObject({ error: { code: 'profile-leaves-geography' } });
    // Nothing more goes through it: a fault on every runtime call stays untouched by invoke and test-connection.
    // (ValidationException: not retried by the SDK, so each call uses the fault exactly once.)
    await emu.control.addFault({ accountId: w.accountId, service: 'bedrock-runtime', operation: 'Converse', count: 100, error: { code: 'ValidationException' } });
    const inv = await w.byok(['invoke', '--model', 'sonnet', 'hi']);
    expect(inv.code).toBe(2);
    // The refusal says what happened and never names the region outside the geography (advice never crosses it).
    expect(inv.stderr).toContain('outside the US geography');
    expect(inv.stderr).not.toContain('eu-west-1');
    const tc = await w.json(['test-connection']);
    expect(check(tc.body, 'sonnet.route')).toMatchObject({ status: 'fail', category: 'region-mismatch' });
    expect(tc.body.checks.some((c) => c.name === 'sonnet.converse')).toBe(false);
    const converses = ((await emu.control.listFaults()).faults as { remaining: number }[])[0]!.remaining;
    expect(converses, 'only the opus probe used the Converse fault').toBe(99);
  });
});

describe('invoke decides on facts, and on the configuration as it is when it falls back', () => {
  async function withPlatform(name: string) {
    const w = await workspace({ geography: 'us', region: 'us-east-1' });
    if (name !== 'ws') {
      expect((await w.byok(['workspace', 'create', name, '--plan', 'scale'])).code).toBe(0);
      await w.byok(['config', 'set', 'geography', 'us']);
      await w.byok(['config', 'set', 'region', 'us-east-1']);
    }
    await w.setCredentials(w.admin);
    const p = await emu.control.createAccount();
    const r = await w.byok(['credentials', 'set', '--platform', '--regions', 'us-east-1', '--access-key-id', p.admin.accessKeyId, '--secret-access-key-stdin'], { stdin: `${p.admin.secretAccessKey}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect((await w.byok(['policy', 'set', 'allow'])).code).toBe(0);
    const env = { BYOK_PLATFORM_ENDPOINT_URL: emu.url };
    const fallbacks = async () => (JSON.parse((await w.byok(['audit', 'list', '--json', '--type', 'fallback'])).stdout) as { events: unknown[] }).events.length;
    return { w, env, fallbacks };
  }

  it("a refused key never falls back, whatever the workspace is called (the name is not evidence)", async () => {
    const { w, env, fallbacks } = await withPlatform('throttled-overloaded-lab');
    await emu.control.addFault({ service: 'sts', accountId: w.accountId, count: 5, error: { code: 'AccessDenied' } });
    const r = await w.byok(['invoke', '--json', 'hi'], { env });
    expect(r.code, r.stdout).toBe(4);
    const out = JSON.parse(r.stdout) as { servedBy: string | null; error: { category: string; hint: string }; fallback: { decision: string } };
    expect(out.servedBy).toBeNull();
    expect(out.fallback.decision).toBe('fail');
    expect(out.error.category).toBe('iam-permission');
    expect(await fallbacks()).toBe(0);
  });

  it('strict set while the BYOK call is in flight stops the fallback', async () => {
    const { w, env, fallbacks } = await withPlatform('ws');
    // Every SDK attempt (3) is throttled, slowly: the call is in flight for well over a second.
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'Converse', accountId: w.accountId, count: 3, latencyMs: 500, error: { code: 'ThrottlingException' } });
    const inflight = w.byok(['invoke', '--json', 'hi'], { env });
    await new Promise((r) => setTimeout(r, 400));
    expect((await w.byok(['policy', 'set', 'strict'])).code).toBe(0);
    const r = await inflight;
    const out = JSON.parse(r.stdout) as { servedBy: string | null; fallback: { decision: string; reasons: string[] } };
    expect(out.servedBy).toBeNull();
    expect(out.fallback.decision).toBe('fail');
    expect(out.fallback.reasons.join(' ')).toContain('configuration changed');
    expect(await fallbacks()).toBe(0);
    // Under allow, with nothing changing, the same failure does fall back: the test above is not vacuous.
    await w.byok(['policy', 'set', 'allow']);
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'Converse', accountId: w.accountId, count: 3, error: { code: 'ThrottlingException' } });
    const ok = JSON.parse((await w.byok(['invoke', '--json', 'hi'], { env })).stdout) as { servedBy: string };
    expect(ok.servedBy).toBe('platform');
    expect(await fallbacks()).toBe(1);
  });

  it('a stream that broke after printing part of the reply is not retried (two replies would mix)', async () => {
    const { w, env, fallbacks } = await withPlatform('ws');
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'ConverseStream', accountId: w.accountId, count: 1, midStream: true, error: { code: 'ThrottlingException' } });
    const r = await w.byok(['invoke', '--stream', 'stream me please'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('already streamed');
    expect(await fallbacks()).toBe(0);
  });
});
