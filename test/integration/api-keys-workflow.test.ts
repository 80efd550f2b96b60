// Bedrock API keys as byok's second provider, end to end in-process against the emulator: stored,
// minted and renewed, used by invoke with the fallback policy, refused with AWS's answers and
// classified, refused by credential-process, created and revoked through IAM — and no key ever
// printed or written in plaintext.
import { CreateUserCommand, IAMClient, PutUserPolicyCommand, UpdateServiceSpecificCredentialCommand } from '@aws-sdk/client-iam';
import { getToken } from '@aws/bedrock-token-generator';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runInProcess, tempConfig, type TestEnv, type TestRun } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { scanForSecrets } from '../helpers/secret-scan.js';

// botocore sends AWS_BEARER_TOKEN_BEDROCK for bedrock (botocore/handlers.py get_bearer_auth_supported_services).
const cliReadsBearer = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0 && spawnSync('python3', ['-c', 'import botocore.handlers as h; print("bedrock" in h.get_bearer_auth_supported_services())'], { encoding: 'utf8' }).stdout.trim() === 'True';
function awsCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('aws', [...args, '--output', 'json'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, AWS_MAX_ATTEMPTS: '1', ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

let emu: TestEmulator;
const temps: TestEnv[] = [];
const printed: string[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.control.clearFaults();
  const c = await emu.control.clock();
  if (c.offsetMs !== 0) await emu.control.advanceClock(-c.offsetMs);
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

interface InvokeJson { ok: boolean; servedBy: 'byok' | 'platform' | null; attempts: { via: string; ok: boolean; error?: { code: string | null; category: string } }[]; error: { code: string | null; category: string; hint: string } | null; fallback: { decision: string } | null }

async function setup(o: { policy: 'allow' | 'strict'; region?: string; geography?: string; endpointRegion?: boolean }) {
  const region = o.region ?? 'us-east-1';
  const byokAcct = await emu.control.createAccount();
  const platformAcct = await emu.control.createAccount();
  const t = tempConfig();
  temps.push(t);
  // The emulator serves every region on one URL: a bearer request names its region in the path (src/emulator/bearer.ts).
  const env = { ...t.env, ...emu.clientEnv, ...(o.endpointRegion ? { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `${emu.url}/_region/${region}` } : {}), BYOK_PLATFORM_ENDPOINT_URL: emu.url };
  let offsetMs = 0;
  const byok = async (args: string[], opts: { stdin?: string; env?: Record<string, string | undefined> } = {}): Promise<TestRun> => {
    const r = await runInProcess(args, { env: { ...env, ...opts.env }, stdin: opts.stdin, now: new Date(Date.now() + offsetMs) });
    printed.push(r.stdout, r.stderr);
    expect(r.stderr, 'no stack trace').not.toMatch(/\n\s+at /);
    return r;
  };
  const must = async (args: string[], stdin?: string, extra?: Record<string, string>) => {
    const r = await byok(args, { stdin, env: extra });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  await must(['workspace', 'create', 'ws', '--plan', 'enterprise']);
  await must(['config', 'set', 'geography', o.geography ?? 'us']);
  await must(['config', 'set', 'region', region]);
  await must(['credentials', 'set', '--access-key-id', byokAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${byokAcct.admin.secretAccessKey}\n`);
  await must(['credentials', 'set', '--platform', '--regions', region, '--access-key-id', platformAcct.admin.accessKeyId, '--secret-access-key-stdin'], `${platformAcct.admin.secretAccessKey}\n`);
  await must(['policy', 'set', o.policy]);
  const invoke = async () => {
    const r = await byok(['invoke', '--json', 'Summarise the quarterly report']);
    return { code: r.code, out: JSON.parse(r.stdout) as InvokeJson };
  };
  const advance = async (ms: number) => {
    offsetMs += ms;
    await emu.control.advanceClock(ms);
  };
  const adminEnv = { AWS_ACCESS_KEY_ID: byokAcct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: byokAcct.admin.secretAccessKey };
  return { byok, must, invoke, advance, byokAcct, adminEnv, t };
}
const lastConverse = () => emu.state.requests.filter((r) => r.operation === 'Converse').at(-1)!;

describe('short-term keys minted by byok', () => {
  it('invoke sends a minted key (no SigV4) in the workspace region; config show says kind, region and expiry; the key is renewed 5 minutes before it expires', async () => {
    const s = await setup({ policy: 'strict', region: 'us-west-2' });
    const set = await s.must(['credentials', 'set', '--short-term-api-keys', '--json']);
    const j = JSON.parse(set.stdout) as { provider: string; apiKey: { kind: string; minted: boolean; region: string; expiresAt: string; key: string } };
    expect(j).toMatchObject({ provider: 'bedrock-api-key', apiKey: { kind: 'short-term', minted: true, region: 'us-west-2', key: 'bedrock-api-key-****************' } });
    const first = new Date(j.apiKey.expiresAt).getTime();
    expect(first - Date.now()).toBeLessThanOrEqual(12 * 3600_000);

    const r = await s.invoke();
    expect(r.code).toBe(0);
    expect(r.out).toMatchObject({ ok: true, servedBy: 'byok' });
    expect(lastConverse()).toMatchObject({ status: 200, accessKeyId: null, region: 'us-west-2', accountId: s.byokAcct.accountId });

    const show = JSON.parse((await s.must(['config', 'show', '--json'])).stdout) as { provider: string; apiKey: { kind: string; region: string; expiresAt: string } };
    expect(show).toMatchObject({ provider: 'bedrock-api-key', apiKey: { kind: 'short-term', region: 'us-west-2', expiresAt: j.apiKey.expiresAt } });

    // Four minutes before expiry: inside the 5-minute window, so the next call mints a new key.
    await s.advance(first - Date.now() - 4 * 60_000);
    expect((await s.invoke()).out).toMatchObject({ ok: true, servedBy: 'byok' });
    const later = JSON.parse((await s.must(['config', 'show', '--json'])).stdout) as { apiKey: { expiresAt: string } };
    expect(new Date(later.apiKey.expiresAt).getTime()).toBeGreaterThan(first);
  });

  it('an "expired" answer for a key byok mints is renewed, never fallen back from, even under allow', async () => {
    const s = await setup({ policy: 'allow' });
    await s.must(['credentials', 'set', '--short-term-api-keys']);
    // Bedrock's clock 13 hours ahead of byok's: every key byok mints is already expired there.
    await emu.control.advanceClock(13 * 3600_000);
    const r = await s.invoke();
    expect(r.code).not.toBe(0);
    expect(r.out.servedBy).toBeNull();
    expect(r.out.fallback?.decision, JSON.stringify(r.out)).toBe('fail');
    expect(r.out.attempts.every((a) => a.via === 'byok')).toBe(true);
    expect(r.out.attempts[0]!.error).toMatchObject({ code: 'AccessDeniedException', category: 'session-expired' });
    // The renewed key was refused too: not an expiry another credential fixes.
    expect(r.out.attempts).toHaveLength(2);
    expect(r.out.attempts[1]!.error).toMatchObject({ category: 'credential-invalid' });
    expect(r.out.error!.hint).toMatch(/byok minted a new key/);
  });

  it('credential-process refuses a workspace that uses an API key, and says what to use instead', async () => {
    const s = await setup({ policy: 'strict' });
    await s.must(['credentials', 'set', '--short-term-api-keys']);
    const r = await s.byok(['credential-process']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bearer token/);
    expect(r.stderr).toMatch(/AWS_BEARER_TOKEN_BEDROCK/);
  });
});

describe('keys the admin gives byok', () => {
  it('a short-term key made for another region is refused when stored (exit 2), and a malformed key is refused without being echoed', async () => {
    const s = await setup({ policy: 'strict', region: 'us-east-1' });
    const other = await getToken({ credentials: { accessKeyId: s.byokAcct.admin.accessKeyId, secretAccessKey: s.byokAcct.admin.secretAccessKey }, region: 'us-west-2' });
    const r = await s.byok(['credentials', 'set', '--bedrock-api-key-stdin'], { stdin: `${other}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/made for us-west-2/);
    const junk = `ABSK${'!'.repeat(50)}secretpart`;
    const bad = await s.byok(['credentials', 'set', '--bedrock-api-key-stdin'], { stdin: junk });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('secretpart');
    expect(JSON.parse((await s.must(['config', 'show', '--json'])).stdout)).toMatchObject({ provider: 'iam', apiKey: null });
  });

  it("a pasted short-term key (AWS's generator) works, and once expired falls back under allow: byok cannot renew it", async () => {
    const s = await setup({ policy: 'allow' });
    const k = await getToken({ credentials: { accessKeyId: s.byokAcct.admin.accessKeyId, secretAccessKey: s.byokAcct.admin.secretAccessKey }, region: 'us-east-1', expiresInSeconds: 600 });
    await s.must(['credentials', 'set', '--bedrock-api-key-stdin'], `${k}\n`);
    expect((await s.invoke()).out).toMatchObject({ ok: true, servedBy: 'byok' });
    await s.advance(601_000);
    const r = await s.invoke();
    expect(r.out).toMatchObject({ ok: true, servedBy: 'platform' });
    expect(r.out.attempts[0]!.error?.category).toBe('session-expired');
  });
});

describe('long-term keys through IAM', () => {
  it('create-api-key stores the key unseen and warns once; invoke uses it; revoked and expired keys are classified; strict never falls back', async () => {
    const s = await setup({ policy: 'strict', endpointRegion: true });
    await emu.control.modelAccess({ accountId: s.byokAcct.accountId, marketplaceSubscribed: true });
    const iam = new IAMClient(sdkConfig(emu, 'us-east-1', s.byokAcct.admin));
    await iam.send(new CreateUserCommand({ UserName: 'bedrock-key-user' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'bedrock-key-user', PolicyName: 'invoke', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:GetInferenceProfile', 'bedrock:ListInferenceProfiles'], Resource: '*' }] }) }));

    const bad = await s.byok(['iam', 'create-api-key', '--user-name', 'bedrock-key-user', '--expires-in', '0d'], { env: s.adminEnv });
    expect(bad.code).toBe(2);

    // The config cannot be written (its lock path is a file byok cannot take over): the key just
    // created is deleted again in IAM, so no one-time secret exists that nobody holds.
    const lock = join(s.t.env.BYOK_CONFIG_DIR!, 'config.lock');
    writeFileSync(lock, 'not a lock directory');
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const unstored = await s.byok(['iam', 'create-api-key', '--user-name', 'bedrock-key-user'], { env: s.adminEnv });
    rmSync(lock);
    expect(unstored.code, unstored.stderr).toBe(3);
    expect(unstored.stderr).toMatch(/could not be stored in the config .*deleted again in IAM, so no secret is lost/s);
    expect(Object.values(emu.state.data.serviceCredentials ?? {}).filter((x) => x.accountId === s.byokAcct.accountId)).toHaveLength(0);

    const c = await s.must(['iam', 'create-api-key', '--user-name', 'bedrock-key-user', '--expires-in', '30d'], undefined, s.adminEnv);
    expect(c.stderr + c.stdout).toMatch(/AWS recommends long-term Bedrock API keys for exploring Bedrock only/);
    const creds = Object.values(emu.state.data.serviceCredentials ?? {}).filter((x) => x.accountId === s.byokAcct.accountId);
    expect(creds).toHaveLength(1);
    const key = creds[0]!.secret;

    const first = await s.invoke();
    expect(first.out, JSON.stringify(first.out)).toMatchObject({ ok: true, servedBy: 'byok' });
    expect(lastConverse()).toMatchObject({ status: 200, accessKeyId: null });
    // The real AWS CLI takes the key byok created through IAM (botocore reads AWS_BEARER_TOKEN_BEDROCK).
    if (cliReadsBearer) {
      const cli = await awsCli(['bedrock-runtime', 'converse', '--model-id', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '--messages', '[{"role":"user","content":[{"text":"hi"}]}]'], { AWS_BEARER_TOKEN_BEDROCK: key, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `${emu.url}/_region/us-east-1`, AWS_DEFAULT_REGION: 'us-east-1' });
      expect(cli.code, cli.err).toBe(0);
      expect(lastConverse()).toMatchObject({ status: 200, accessKeyId: null });
    } else console.warn('SKIPPED: this AWS CLI cannot send AWS_BEARER_TOKEN_BEDROCK');
    const list = JSON.parse((await s.must(['iam', 'list-api-keys', '--user-name', 'bedrock-key-user', '--json'], undefined, s.adminEnv)).stdout) as { keys: { id: string; inWorkspace: boolean; expiresAt: string }[] };
    expect(list.keys).toEqual([expect.objectContaining({ id: creds[0]!.id, inWorkspace: true })]);
    const show = JSON.parse((await s.must(['config', 'show', '--json'])).stdout) as { apiKey: { kind: string; expiresAt: string; key: string } };
    expect(show.apiKey).toMatchObject({ kind: 'long-term', key: 'ABSK****************', expiresAt: list.keys[0]!.expiresAt });

    // Revoked out of band: Bedrock's "Authentication failed" → credential-invalid, no fallback, a hint about revocation.
    await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'bedrock-key-user', ServiceSpecificCredentialId: creds[0]!.id, Status: 'Inactive' }));
    await s.must(['policy', 'set', 'allow']);
    const revoked = await s.invoke();
    expect(revoked.code).toBe(4);
    expect(revoked.out).toMatchObject({ ok: false, servedBy: null, error: { category: 'credential-invalid' }, fallback: { decision: 'fail' } });
    expect(revoked.out.error!.hint).toMatch(/revoked/);
    await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'bedrock-key-user', ServiceSpecificCredentialId: creds[0]!.id, Status: 'Active' }));

    // Expired: byok knows the date, makes no call; session-expired — falls back under allow only.
    await s.advance(31 * 86_400_000);
    const expiredAllow = await s.invoke();
    expect(expiredAllow.out).toMatchObject({ ok: true, servedBy: 'platform' });
    expect(expiredAllow.out.attempts[0]!.error?.category).toBe('session-expired');
    await s.must(['policy', 'confirm']).catch(() => undefined);
    await s.must(['policy', 'set', 'strict']);
    const expiredStrict = await s.invoke();
    expect(expiredStrict.out).toMatchObject({ ok: false, servedBy: null, fallback: { decision: 'fail' } });
    expect(expiredStrict.out.attempts).toHaveLength(1);

    // revoke-api-key deletes it in IAM and the workspace forgets it.
    const rv = await s.must(['iam', 'revoke-api-key', '--user-name', 'bedrock-key-user', '--key-id', creds[0]!.id, '--json'], undefined, s.adminEnv);
    expect(JSON.parse(rv.stdout)).toMatchObject({ wasWorkspaceKey: true });
    expect(emu.state.data.serviceCredentials?.[creds[0]!.id]).toBeUndefined();
    expect(JSON.parse((await s.must(['config', 'show', '--json'])).stdout)).toMatchObject({ provider: 'iam', apiKey: null });

    // Nothing byok printed or wrote holds a key: the long-term secret, or any short-term / long-term key shape.
    expect(scanForSecrets([key], { dirs: [s.t.dir], texts: printed })).toEqual([]);
    const keyShapes = /bedrock-api-key-[A-Za-z0-9+/]{8}|ABSK[A-Za-z0-9+/]{8}/;
    for (const t of printed) expect(keyShapes.test(t)).toBe(false);
    const files = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? files(join(d, n)) : [join(d, n)]));
    for (const f of files(s.t.dir)) expect(keyShapes.test(readFileSync(f, 'latin1')), f).toBe(false);
  });
});

describe('test-connection with a Bedrock API key', () => {
  interface Report { ok: boolean; provider: string; identity: unknown; apiKey: { kind: string; key: string; madeFrom: string | null } | null; checks: { name: string; status: string; detail: string; category: string | null; hint: string | null }[] }
  it('checks the key with Bedrock itself (no STS), says so and what identity made it; a refused key fails the credentials check with exit 4', async () => {
    const s = await setup({ policy: 'strict', geography: 'global' });
    await emu.control.modelAccess({ accountId: s.byokAcct.accountId, marketplaceSubscribed: true });
    await s.must(['credentials', 'set', '--short-term-api-keys']);
    const before = emu.state.requests.length;
    const ok = await s.byok(['test-connection', '--json']);
    const r = JSON.parse(ok.stdout) as Report;
    expect(ok.code, ok.stdout).toBe(0);
    expect(r).toMatchObject({ ok: true, provider: 'bedrock-api-key', identity: null, apiKey: { kind: 'short-term', key: 'bedrock-api-key-****************', madeFrom: expect.stringMatching(/^ASIA\*{12}[A-Z0-9]{4}$/) } });
    const cred = r.checks.find((c) => c.name === 'credentials')!;
    expect(cred.status).toBe('pass');
    expect(cred.detail).toMatch(/cannot call STS GetCallerIdentity/);
    const calls = emu.state.requests.slice(before);
    expect(calls.some((c) => c.operation === 'GetCallerIdentity')).toBe(false);
    expect(calls.filter((c) => c.service === 'bedrock-runtime').every((c) => c.accessKeyId === null)).toBe(true);

    // models check and doctor use the key too (Bedrock's control plane takes it as well).
    const models = await s.byok(['models', 'check', '--json']);
    expect(models.code, models.stdout + models.stderr).toBe(0);
    const doctor = await s.byok(['doctor', '--json']);
    expect(doctor.stdout).toMatch(/cannot call STS GetCallerIdentity/);

    // A pasted key from IAM credentials the emulator no longer knows: Bedrock's "Authentication failed".
    const stale = await getToken({ credentials: { accessKeyId: s.byokAcct.admin.accessKeyId, secretAccessKey: 'A'.repeat(40) }, region: 'us-east-1' });
    await s.must(['credentials', 'set', '--bedrock-api-key-stdin'], `${stale}\n`);
    const bad = await s.byok(['test-connection', '--json']);
    expect(bad.code).toBe(4);
    const b = JSON.parse(bad.stdout) as Report;
    expect(b.checks.find((c) => c.name === 'credentials')).toMatchObject({ status: 'fail', category: 'credential-invalid' });
  });
});
