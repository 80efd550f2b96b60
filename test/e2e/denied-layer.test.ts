// Which policy layer denied (issue 11 §2): AWS evaluates SCPs, identity policies and permissions
// boundaries, and says in its AccessDenied which one refused ("... with an explicit deny in a
// service control policy", "... because no permissions boundary allows the X action"; IAM's
// "Troubleshoot access denied error messages" page). byok's doctor names that layer, and offers an
// identity-policy statement only where the identity policy is what is missing — the confusion
// AWS users report most. Through the built binary against the emulator, the layers set through its
// control API.
import { DeleteUserPolicyCommand, DetachUserPolicyCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { BYOK_BIN } from '../helpers/run-byok.js';
import { run, type Ran } from '../helpers/spawn.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const V = '2012-10-17';
let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

interface Ws { byok(args: string[]): Promise<Ran>; accountId: string; userName: string; adminIam: IAMClient }

/** A us / us-east-1 workspace provisioned by byok (its IAM user, its least-privilege policy, its key). */
async function workspace(): Promise<Ws> {
  const t = tempConfig();
  temps.push(t);
  const acct = await emu.control.createAccount();
  const env = { PATH: process.env.PATH, HOME: t.dir, ...t.env, ...emu.clientEnv, BYOK_IAM_PROPAGATION_POLL_MS: '20' };
  const byok = (args: string[], extra: Record<string, string> = {}) => run(process.execPath, [BYOK_BIN, ...args], { env: { ...env, ...extra } });
  for (const args of [['workspace', 'create', 'bank', '--plan', 'enterprise'], ['config', 'set', 'geography', 'us'], ['config', 'set', 'region', 'us-east-1'], ['iam', 'provision', '--json']]) {
    const r = await byok(args, { AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey });
    expect(r.code, `${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0);
  }
  const st = await emu.control.state();
  const userName = st.accounts.find((a) => a.accountId === acct.accountId)!.users.find((u) => u.name !== 'admin')!.name;
  return { byok: (args) => byok(args), accountId: acct.accountId, userName, adminIam: new IAMClient(sdkConfig(emu, 'us-east-1', acct.admin)) };
}

interface Check { name: string; status: string; detail: string; hint: string | null; deniedBy?: string | null; permission?: unknown }
async function doctor(w: Ws): Promise<{ checks: Check[]; text: string }> {
  const j = await w.byok(['doctor', '--json']);
  const h = await w.byok(['doctor']);
  return { checks: (JSON.parse(j.stdout) as { checks: Check[] }).checks, text: h.stdout + h.stderr };
}
const failing = (checks: Check[]) => checks.filter((c) => c.status === 'fail' && (c.name === 'model-access' || c.name === 'iam-permissions'));

describe('doctor says which layer denied', () => {
  it('an SCP that blocks a destination region: doctor names the service control policy, and offers no identity-policy statement', async () => {
    const w = await workspace();
    // The us. profile sends requests from us-east-1 to us-east-2 and us-west-2 too (reference aws.md §2).
    await emu.control.setServiceControlPolicies({ accountId: w.accountId, policies: [{ Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'bedrock:*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-east-2'] } } }] }] });
    const d = await doctor(w);
    const f = failing(d.checks);
    expect(f.length).toBeGreaterThan(0);
    for (const c of f) {
      expect(c.deniedBy).toBe('service-control-policy');
      expect(c.detail).toMatch(/service control policy/);
      expect(c.hint ?? '').not.toMatch(/Add (this statement )?to the BYOK identity's policy/);
      expect(c.permission ?? null).toBeNull();
    }
    // Names the very SCP, as AWS's message does.
    expect(d.text).toMatch(/denied by a service control policy of the account's AWS Organization \(arn:aws:organizations::\d{12}:policy\/o-[a-z0-9]{10}\/service_control_policy\/p-[a-z0-9]{8}\) in destination region us-west-2/);
  });
  it('a permissions boundary: doctor names the boundary', async () => {
    const w = await workspace();
    await emu.control.setPermissionsBoundary({ accountId: w.accountId, userName: w.userName, policy: { Version: V, Statement: [{ Effect: 'Allow', Action: ['sts:*', 'bedrock:Get*', 'bedrock:List*'], Resource: '*' }] } });
    const d = await doctor(w);
    const f = failing(d.checks);
    expect(f.length).toBeGreaterThan(0);
    for (const c of f) {
      expect(c.deniedBy).toBe('permissions-boundary');
      expect(c.permission ?? null).toBeNull();
    }
    expect(d.text).toMatch(/denied by the IAM user's permissions boundary/);
  });
  it('an identity policy without one destination region: doctor names the identity policy and the missing destination region, with the statement that grants it', async () => {
    const w = await workspace();
    const pArn = `arn:aws:bedrock:us-east-1:${w.accountId}:inference-profile/us.${S}`;
    // Only two of the profile's three destinations, through the profile (reference aws.md §3.2).
    await w.adminIam.send(new PutUserPolicyCommand({ UserName: w.userName, PolicyName: 'partial', PolicyDocument: JSON.stringify({ Version: V, Statement: [
      { Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], Resource: pArn },
      { Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], Resource: ['us-east-1', 'us-east-2'].map((r) => `arn:aws:bedrock:${r}::foundation-model/${S}`), Condition: { StringEquals: { 'bedrock:InferenceProfileArn': pArn } } },
    ] }) }));
    const st = await emu.control.state();
    const u = st.accounts.find((a) => a.accountId === w.accountId)!.users.find((x) => x.name === w.userName)!;
    // Leave only the partial policy: byok's own inline and attached policies are removed by the admin.
    expect(u.inlinePolicies.length + u.attached.length).toBeGreaterThan(0);
    for (const p of u.inlinePolicies.filter((p) => p !== 'partial')) await w.adminIam.send(new DeleteUserPolicyCommand({ UserName: w.userName, PolicyName: p }));
    for (const a of u.attached) await w.adminIam.send(new DetachUserPolicyCommand({ UserName: w.userName, PolicyArn: a }));
    const d = await doctor(w);
    const perm = failing(d.checks).find((c) => c.name === 'iam-permissions');
    expect(perm?.deniedBy).toBe('destination-region');
    expect(perm?.detail).toMatch(/us-west-2::foundation-model\/anthropic\.claude-sonnet-4-5-20250929-v1:0 \(destination region us-west-2 of the profile\)/);
    expect(perm?.permission).not.toBeNull(); // here the identity policy is the fix
    expect(d.text).toMatch(/identity policy does not grant .*destination region us-west-2 of the profile/);
  });
});

describe('byok emulator scp | boundary', () => {
  const em = (args: string[]) => run(process.execPath, [BYOK_BIN, 'emulator', ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', BYOK_EMULATOR_URL: emu.url } });
  it('attaches an SCP from a file, which AWS-style denies, and clears it', async () => {
    const t = tempConfig();
    temps.push(t);
    const acct = await emu.control.createAccount({ requireMarketplacePermissions: false });
    const file = join(t.dir, 'scp.json');
    writeFileSync(file, JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'bedrock:*', Resource: '*' }] }));
    const set = await em(['scp', '--account-id', acct.accountId, '--policy-file', file]);
    expect(set.code, set.stderr).toBe(0);
    const rt = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', acct.admin));
    const call = () => rt.send(new ConverseCommand({ modelId: `us.${S}`, messages: [{ role: 'user', content: [{ text: 'hi' }] }] })).then(() => null, (e: Error) => e);
    expect((await call())?.message).toMatch(/with an explicit deny in a service control policy: arn:aws:organizations::\d{12}:policy\/o-[a-z0-9]{10}\/service_control_policy\/p-[a-z0-9]{8}$/);
    expect((await em(['scp', '--account-id', acct.accountId, '--clear'])).code).toBe(0);
    expect(await call()).toBeNull();
  });
  it('refuses a file that is not a policy document, and a malformed document, with exit 2', async () => {
    const t = tempConfig();
    temps.push(t);
    const acct = await emu.control.createAccount();
    const bad = join(t.dir, 'bad.json');
    writeFileSync(bad, 'not json');
    const r = await em(['boundary', '--account-id', acct.accountId, '--user-name', 'admin', '--policy-file', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a JSON policy document/);
    const malformed = join(t.dir, 'malformed.json');
    writeFileSync(malformed, JSON.stringify({ Statement: [{ Effect: 'Perhaps', Action: '*', Resource: '*' }] }));
    const m = await em(['scp', '--account-id', acct.accountId, '--policy-file', malformed]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/not a valid policy document: Syntax errors in policy/);
  });
});
