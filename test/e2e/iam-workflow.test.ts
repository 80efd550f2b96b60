// The IAM workflow remembers what it did (issue 10 §3, and §1's last bullet), through the built
// binary against the emulator: every `iam` command acts on the workspace's own IAM user; hints name
// a command that works in the state they describe; provision saves the route it provisioned, never
// silently moves a workspace to another geography, and never silently takes over a user it did
// not create; the permissions hint fixes every missing permission at once with a valid policy; the
// Marketplace first-use AccessDenied gets the Marketplace hint.
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
  IAMClient,
  ListPolicyVersionsCommand,
  DeletePolicyVersionCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempConfig, type TestEnv } from '../helpers/context.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { runByok, type SpawnResult } from '../helpers/run-byok.js';
import { run } from '../helpers/spawn.js';

const hasAws = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;

let emu: TestEmulator;
const temps: TestEnv[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu.close();
  for (const t of temps) t.cleanup();
});

type Acct = Awaited<ReturnType<TestEmulator['control']['createAccount']>>;

/** A config dir and an account: `admin` runs byok with the account's admin identity in the AWS chain, `user` with none (the stored key only). */
async function world(o: { marketplace?: boolean } = {}) {
  const acct: Acct = await emu.control.createAccount(o.marketplace === undefined ? {} : { requireMarketplacePermissions: o.marketplace });
  const t = tempConfig();
  temps.push(t);
  const base = { ...t.env, ...emu.clientEnv, BYOK_IAM_PROPAGATION_POLL_MS: '20' };
  const adminEnv = { ...base, AWS_ACCESS_KEY_ID: acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: acct.admin.secretAccessKey };
  const admin = (args: string[]) => runByok(args, { env: adminEnv, timeoutMs: 60_000 });
  const user = (args: string[]) => runByok(args, { env: base, timeoutMs: 60_000 });
  const iam = new IAMClient(sdkConfig(emu, 'us-east-1', acct.admin));
  return { acct, t, admin, user, iam, adminEnv };
}

async function ok(r: Promise<SpawnResult> | SpawnResult, code = 0): Promise<SpawnResult> {
  const x = await r;
  expect(x.code, `${x.stdout}\n${x.stderr}`).toBe(code);
  return x;
}

async function users(accountId: string) {
  return (await emu.control.state()).accounts.find((a) => a.accountId === accountId)!.users;
}

const hintOf = (r: SpawnResult) => /^hint: (.*)$/m.exec(r.stderr)?.[1] ?? '';

async function workspace(w: Awaited<ReturnType<typeof world>>, name: string, geography?: string, region?: string) {
  await ok(w.user(['workspace', 'create', name, '--plan', 'enterprise']));
  if (geography) await ok(w.user(['config', 'set', 'geography', geography, '-w', name]));
  if (region) await ok(w.user(['config', 'set', 'region', region, '-w', name]));
}

describe("every iam command uses the workspace's IAM user unless told otherwise", () => {
  it('after provision --user-name byok-ws2, rotate-key and put-policy act on byok-ws2 and never create or touch byok-bedrock', async () => {
    const w = await world();
    await workspace(w, 'ws2', 'us', 'us-east-1');
    await ok(w.admin(['iam', 'provision', '--user-name', 'byok-ws2']));
    const before = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ws2')!.accessKeys.map((k) => k.id);
    expect(before).toHaveLength(1);

    const rot = await ok(w.admin(['iam', 'rotate-key', '--json']));
    expect(JSON.parse(rot.stdout)).toMatchObject({ userName: 'byok-ws2' });
    const after = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ws2')!.accessKeys.map((k) => k.id);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);

    const put = await ok(w.admin(['iam', 'put-policy', '--json']));
    expect(JSON.parse(put.stdout)).toMatchObject({ userName: 'byok-ws2' });
    expect((await users(w.acct.accountId)).map((u) => u.name).sort()).toEqual(['admin', 'byok-ws2']);
    // The rotated key is the one the workspace uses.
    await ok(w.user(['test-connection']));
  });

  it("with a key stored by credentials set, put-policy and rotate-key act on the user AWS says owns that key", async () => {
    const w = await world();
    await workspace(w, 'ws', 'us', 'us-east-1');
    await w.iam.send(new CreateUserCommand({ UserName: 'app' }));
    const key = (await w.iam.send(new CreateAccessKeyCommand({ UserName: 'app' }))).AccessKey!;
    await ok(runByok(['credentials', 'set', '--access-key-id', key.AccessKeyId!, '--secret-access-key-stdin'], { env: { ...w.t.env, ...emu.clientEnv }, stdin: `${key.SecretAccessKey}\n` }));
    expect(JSON.parse((await ok(w.admin(['iam', 'put-policy', '--json']))).stdout)).toMatchObject({ userName: 'app' });
    expect(JSON.parse((await ok(w.admin(['iam', 'rotate-key', '--json']))).stdout)).toMatchObject({ userName: 'app' });
    expect((await users(w.acct.accountId)).map((u) => u.name).sort()).toEqual(['admin', 'app']);
    await ok(w.user(['test-connection']));
  });

  it('at the two-key limit, rotate-key names the key to delete and a command that then works (not itself, unchanged)', async () => {
    const w = await world();
    await workspace(w, 'ws2', 'us', 'us-east-1');
    await ok(w.admin(['iam', 'provision', '--user-name', 'byok-ws2']));
    const inUse = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ws2')!.accessKeys[0]!.id;
    const extra = (await w.iam.send(new CreateAccessKeyCommand({ UserName: 'byok-ws2' }))).AccessKey!.AccessKeyId!;

    const full = await ok(w.admin(['iam', 'rotate-key']), 2);
    expect(full.stderr).toMatch(/two access keys/);
    const hint = hintOf(full);
    expect(hint).not.toMatch(/rotate instead/i);
    // The key to delete is the one the workspace does not use; byok never prints a whole key ID,
    // so the command picks it by the last four characters the mask shows.
    const del = /(aws iam delete-access-key --user-name (\S+) .*ends_with\(AccessKeyId, '(\w{4})'\).*?) ; then run: (byok iam [^;]+)$/.exec(hint);
    expect(del, hint).not.toBeNull();
    expect(del![2]).toBe('byok-ws2');
    expect(del![3]).toBe(extra.slice(-4));
    expect(inUse.endsWith(del![3]!)).toBe(false);
    // Run both as printed: the AWS CLI's command (when the CLI is here), then byok's.
    if (hasAws) {
      const r = await run('bash', ['-c', del![1]!], { env: { PATH: process.env.PATH, HOME: w.t.dir, ...emu.clientEnv, AWS_ACCESS_KEY_ID: w.acct.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: w.acct.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' } });
      expect(r.code, r.stderr).toBe(0);
    } else {
      await w.iam.send(new DeleteAccessKeyCommand({ UserName: 'byok-ws2', AccessKeyId: extra }));
    }
    expect((await users(w.acct.accountId)).find((u) => u.name === 'byok-ws2')!.accessKeys.map((k) => k.id)).toEqual([inUse]);
    const rerun = del![4]!.trim().split(/\s+/).slice(1);
    await ok(w.admin(rerun));
    const keys = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ws2')!.accessKeys;
    expect(keys).toHaveLength(1);
    expect(keys[0]!.id).not.toBe(inUse);
  });
});

describe('provision remembers the route it provisioned', () => {
  it('iam provision -w ws2 --geography us --region us-east-1 saves both (audited); the next test-connection passes', async () => {
    const w = await world();
    await workspace(w, 'ws1', 'eu', 'eu-west-1');
    await workspace(w, 'ws2');
    await ok(w.user(['workspace', 'use', 'ws1']));
    await ok(w.admin(['iam', 'provision', '-w', 'ws2', '--geography', 'us', '--region', 'us-east-1', '--user-name', 'byok-ws2']));
    const shown = JSON.parse((await ok(w.user(['config', 'show', '-w', 'ws2', '--json']))).stdout);
    expect(shown).toMatchObject({ geography: 'us', region: 'us-east-1' });
    await ok(w.user(['test-connection', '-w', 'ws2']));
    const audit = JSON.parse((await ok(w.user(['audit', 'list', '-w', 'ws2', '--type', 'config-changed', '--json']))).stdout) as { events: { workspace: string; user: string; details: Record<string, unknown> }[] };
    expect(audit.events.filter((e) => e.workspace === 'ws2').map((e) => [e.details.key, e.details.from, e.details.to])).toEqual([
      ['geography', null, 'us'],
      ['region', null, 'us-east-1'],
    ]);
    // ws1 was not touched.
    expect(JSON.parse((await ok(w.user(['config', 'show', '-w', 'ws1', '--json']))).stdout)).toMatchObject({ geography: 'eu', region: 'eu-west-1' });
  });

  it.each([
    [['--geography', 'us', '--region', 'us-east-1']],
    [['--region', 'eu-central-1']],
    [['--geography', 'global', '--region', 'eu-west-1']],
  ])('on an EU workspace (eu-west-1), provision %j is refused before any AWS call; nothing changes', async (flags) => {
    const w = await world();
    await workspace(w, 'ws', 'eu', 'eu-west-1');
    const seen = (await emu.control.requests()).requests.length;
    const r = await ok(w.admin(['iam', 'provision', ...flags]), 2);
    expect(r.stderr).toMatch(/eu-west-1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(hintOf(r)).toMatch(/--change-workspace-route/);
    const after = (await emu.control.requests()).requests.slice(seen).filter((q) => q.accountId === w.acct.accountId || q.accessKeyId === w.acct.admin.accessKeyId);
    expect(after).toEqual([]);
    expect((await users(w.acct.accountId)).map((u) => u.name)).toEqual(['admin']);
    expect(JSON.parse((await ok(w.user(['config', 'show', '--json']))).stdout)).toMatchObject({ geography: 'eu', region: 'eu-west-1' });
  });

  it('with --change-workspace-route the workspace moves in the same command, audited and shown', async () => {
    const w = await world();
    await workspace(w, 'ws', 'eu', 'eu-west-1');
    const r = await ok(w.admin(['iam', 'provision', '--geography', 'us', '--region', 'us-east-1', '--change-workspace-route']));
    expect(r.stderr).toMatch(/geography eu → us/);
    expect(JSON.parse((await ok(w.user(['config', 'show', '--json']))).stdout)).toMatchObject({ geography: 'us', region: 'us-east-1' });
    const audit = JSON.parse((await ok(w.user(['audit', 'list', '--type', 'config-changed', '--json']))).stdout) as { events: { user: string; details: Record<string, unknown> }[] };
    expect(audit.events.slice(-2).map((e) => [e.user, e.details.key, e.details.from, e.details.to, e.details.via])).toEqual([
      ['alice', 'geography', 'eu', 'us', 'iam provision'],
      ['alice', 'region', 'eu-west-1', 'us-east-1', 'iam provision'],
    ]);
    await ok(w.user(['test-connection']));
  });
});

describe('provision does not adopt an IAM user it did not create', () => {
  it('refuses an existing user, naming what is attached to it, and changes nothing; --adopt-existing-user proceeds', async () => {
    const w = await world();
    await workspace(w, 'ws', 'us', 'us-east-1');
    await w.iam.send(new CreateUserCommand({ UserName: 'legacy' }));
    await w.iam.send(new PutUserPolicyCommand({ UserName: 'legacy', PolicyName: 'legacy-s3', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    const arn = (await w.iam.send(new CreatePolicyCommand({ PolicyName: 'legacy-reports', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }) }))).Policy!.Arn!;
    await w.iam.send(new AttachUserPolicyCommand({ UserName: 'legacy', PolicyArn: arn }));
    await w.iam.send(new CreateAccessKeyCommand({ UserName: 'legacy' }));

    const r = await ok(w.admin(['iam', 'provision', '--user-name', 'legacy']), 2);
    expect(r.stderr).toMatch(/legacy/);
    expect(r.stderr).toMatch(/legacy-s3/);
    expect(r.stderr).toMatch(/legacy-reports/);
    expect(r.stderr).toMatch(/1 access key/);
    expect(hintOf(r)).toMatch(/--adopt-existing-user/);
    const u = (await users(w.acct.accountId)).find((x) => x.name === 'legacy')!;
    expect(u.inlinePolicies).toEqual(['legacy-s3']);
    expect(u.attached).toEqual([arn]);
    expect(u.accessKeys).toHaveLength(1);
    expect((await w.iam.send(new GetUserCommand({ UserName: 'legacy' }))).User!.Tags ?? []).toEqual([]);
    expect(JSON.parse((await ok(w.user(['credentials', 'show', '--json']))).stdout)).toMatchObject({ configured: false });

    await ok(w.admin(['iam', 'provision', '--user-name', 'legacy', '--adopt-existing-user']));
    await ok(w.user(['test-connection']));
  });

  it("a user byok created for another workspace is not taken over by this one's provision", async () => {
    const w = await world();
    await workspace(w, 'ws1', 'us', 'us-east-1');
    await workspace(w, 'ws2', 'us', 'us-east-2');
    await ok(w.admin(['iam', 'provision', '-w', 'ws1']));
    const r = await ok(w.admin(['iam', 'provision', '-w', 'ws2']), 2);
    expect(r.stderr).toMatch(/byok-bedrock/);
    expect(r.stderr).toMatch(/ws1/);
    const u = (await users(w.acct.accountId)).find((x) => x.name === 'byok-bedrock')!;
    expect(u.accessKeys).toHaveLength(1);
    const tags = (await w.iam.send(new GetUserCommand({ UserName: 'byok-bedrock' }))).User!.Tags ?? [];
    expect(tags).toContainEqual({ Key: 'byok-workspace', Value: 'ws1' });
  });
});

interface Check { name: string; status: string; category: string | null; hint: string | null; permission?: { statement?: { Sid: string }; policy?: { document: { Statement: { Sid: string }[] }; placement: string }; commands?: string[] } }

describe("one workspace's provisioning never changes another's permissions", () => {
  it('each user has its own managed policy: provisioning a US workspace after an EU one leaves the EU user unable to reach US models', async () => {
    const w = await world();
    await workspace(w, 'eu1', 'eu', 'eu-west-1');
    await workspace(w, 'us1', 'us', 'us-east-1');
    await ok(w.admin(['iam', 'provision', '-w', 'eu1', '--user-name', 'byok-eu1']));
    await ok(w.admin(['iam', 'provision', '-w', 'us1', '--user-name', 'byok-us1']));
    const policyArn = (user: string) => `arn:aws:iam::${w.acct.accountId}:policy/byok-bedrock-invoke-${user}`;
    const all = await users(w.acct.accountId);
    expect(all.find((u) => u.name === 'byok-eu1')!.attached).toEqual([policyArn('byok-eu1')]);
    expect(all.find((u) => u.name === 'byok-us1')!.attached).toEqual([policyArn('byok-us1')]);
    // The EU workspace still works, and its identity is refused a US profile (a request AWS would run in the US).
    await ok(w.user(['test-connection', '-w', 'eu1']));
    const creds = JSON.parse((await ok(w.user(['credential-process', '-w', 'eu1']))).stdout) as { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string };
    const runtime = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken }));
    const us = runtime.send(new ConverseCommand({ modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 1 } }));
    await expect(us).rejects.toMatchObject({ name: 'AccessDeniedException' });
    runtime.destroy();
  });

  it('a user moved to a route whose policy fits inline loses the managed policy of its old route', async () => {
    const w = await world();
    await workspace(w, 'ws1', 'us', 'us-east-1');
    await ok(w.admin(['iam', 'provision', '-w', 'ws1', '--user-name', 'byok-ws1']));
    expect((await users(w.acct.accountId)).find((u) => u.name === 'byok-ws1')!.attached).toHaveLength(1);
    await ok(w.admin(['iam', 'provision', '-w', 'ws1', '--geography', 'apac', '--region', 'ap-northeast-1', '--change-workspace-route']));
    const u = (await users(w.acct.accountId)).find((x) => x.name === 'byok-ws1')!;
    expect(u.attached).toEqual([]);
    expect(u.inlinePolicies).toEqual(['byok-bedrock-invoke']);
    // The now-APAC workspace's identity is refused the US profile it used to have.
    const creds = JSON.parse((await ok(w.user(['credential-process', '-w', 'ws1']))).stdout) as { AccessKeyId: string; SecretAccessKey: string; SessionToken?: string };
    const runtime = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken }));
    await expect(runtime.send(new ConverseCommand({ modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { maxTokens: 1 } }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    runtime.destroy();
  });

  it("put-policy never rewrites another workspace's user unless told to, and no user holds two workspaces' routes", async () => {
    const w = await world();
    await workspace(w, 'eu1', 'eu', 'eu-west-1');
    await workspace(w, 'ap1', 'apac', 'ap-northeast-1');
    await ok(w.admin(['iam', 'provision', '-w', 'ap1', '--user-name', 'byok-ap1']));
    const before = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ap1')!;
    // ap1 keeps its key on that user, for another route: refused, even with --adopt-existing-user.
    for (const args of [['iam', 'put-policy', '-w', 'eu1', '--user-name', 'byok-ap1'], ['iam', 'provision', '-w', 'eu1', '--user-name', 'byok-ap1', '--adopt-existing-user']]) {
      const r = await ok(w.admin(args), 2);
      expect(r.stderr, args.join(' ')).toContain('IAM user byok-ap1 holds the key of workspace ap1 (APAC from ap-northeast-1)');
    }
    const after = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ap1')!;
    expect({ inline: after.inlinePolicies, attached: after.attached, keys: after.accessKeys.length }).toEqual({ inline: before.inlinePolicies, attached: before.attached, keys: before.accessKeys.length });
    await ok(w.user(['test-connection', '-w', 'ap1']));
    // With ap1's key gone from this config, the user is still ap1's by its tag: put-policy from eu1 asks for --adopt-existing-user.
    await ok(w.user(['credentials', 'remove', '-w', 'ap1']));
    const tagged = await ok(w.admin(['iam', 'put-policy', '-w', 'eu1', '--user-name', 'byok-ap1']), 2);
    expect(tagged.stderr).toContain('was created by byok for workspace ap1');
    expect((await users(w.acct.accountId)).find((u) => u.name === 'byok-ap1')!.inlinePolicies).toEqual(before.inlinePolicies);
  });

  it("a key stored with credentials set counts too: another route's put-policy or create-access-key on that user is refused, and IAM is unchanged", async () => {
    const w = await world();
    await workspace(w, 'ap1', 'apac', 'ap-northeast-1');
    await workspace(w, 'us1', 'us', 'us-east-1');
    // The APAC user and key made outside byok's provision (as --print-commands does), the key stored with credentials set: no user name recorded.
    await w.iam.send(new CreateUserCommand({ UserName: 'byok-ap1', Tags: [{ Key: 'managed-by', Value: 'byok' }, { Key: 'byok-workspace', Value: 'ap1' }] }));
    await ok(w.admin(['iam', 'put-policy', '-w', 'ap1', '--user-name', 'byok-ap1']));
    const key = (await w.iam.send(new CreateAccessKeyCommand({ UserName: 'byok-ap1' }))).AccessKey!;
    await ok(runByok(['credentials', 'set', '-w', 'ap1', '--access-key-id', key.AccessKeyId!, '--secret-access-key-stdin'], { env: { ...w.t.env, ...emu.clientEnv }, stdin: `${key.SecretAccessKey}\n` }));
    const before = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ap1')!;
    for (const args of [['iam', 'put-policy', '-w', 'us1', '--user-name', 'byok-ap1', '--adopt-existing-user'], ['iam', 'create-access-key', '-w', 'us1', '--user-name', 'byok-ap1', '--adopt-existing-user'], ['iam', 'provision', '-w', 'us1', '--user-name', 'byok-ap1', '--adopt-existing-user']]) {
      const r = await ok(w.admin(args), 2);
      expect(r.stderr, args.join(' ')).toContain('IAM user byok-ap1 holds the key of workspace ap1 (APAC from ap-northeast-1)');
    }
    const after = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ap1')!;
    expect({ inline: after.inlinePolicies, attached: after.attached, keys: after.accessKeys.map((k) => k.id) }).toEqual({ inline: before.inlinePolicies, attached: before.attached, keys: before.accessKeys.map((k) => k.id) });
    // Without the flag, create-access-key is refused by the user's tag first.
    const tagged = await ok(w.admin(['iam', 'create-access-key', '-w', 'us1', '--user-name', 'byok-ap1']), 2);
    expect(tagged.stderr).toContain('was created by byok for workspace ap1');
    // A Bedrock API key is a credential of the user too: refused alike (attack review 3).
    const api = await ok(w.admin(['iam', 'create-api-key', '-w', 'us1', '--user-name', 'byok-ap1', '--adopt-existing-user']), 2);
    expect(api.stderr).toContain('IAM user byok-ap1 holds the key of workspace ap1 (APAC from ap-northeast-1)');
    // A workspace with no route yet could be given any later: refused too, whatever the flag.
    await ok(w.user(['workspace', 'create', 'nogeo', '--plan', 'enterprise']));
    const nogeo = await ok(w.admin(['iam', 'create-access-key', '-w', 'nogeo', '--user-name', 'byok-ap1', '--adopt-existing-user']), 2);
    expect(nogeo.stderr).toContain('for nogeo (no route set yet)');
    const final = (await users(w.acct.accountId)).find((u) => u.name === 'byok-ap1')!;
    expect({ inline: final.inlinePolicies, attached: final.attached, keys: final.accessKeys.map((k) => k.id) }).toEqual({ inline: before.inlinePolicies, attached: before.attached, keys: before.accessKeys.map((k) => k.id) });
  });

  it('moving a provisioned workspace with config set says its key\'s policy is for the old route and how to rewrite it', async () => {
    const w = await world();
    await workspace(w, 'ws1', 'us', 'us-east-1');
    await ok(w.admin(['iam', 'provision', '-w', 'ws1', '--user-name', 'byok-ws1']));
    await ok(w.user(['config', 'unset', 'region', '-w', 'ws1']));
    await ok(w.user(['config', 'set', 'geography', 'eu', '-w', 'ws1']));
    const moved = await ok(w.user(['config', 'set', 'region', 'eu-west-1', '-w', 'ws1']));
    expect(moved.stdout + moved.stderr).toContain('The workspace\'s key belongs to IAM user byok-ws1, whose policy byok wrote for the previous route: AWS will refuse the new one until it is rewritten. Run: byok iam put-policy --workspace ws1');
  });

  it("a user an older byok gave the shared byok-bedrock-invoke is moved to its own policy and the shared one is detached from it", async () => {
    const w = await world();
    await workspace(w, 'eu1', 'eu', 'eu-west-1');
    await ok(w.admin(['iam', 'provision', '-w', 'eu1', '--user-name', 'byok-eu1']));
    const shared = (await w.iam.send(new CreatePolicyCommand({ PolicyName: 'byok-bedrock-invoke', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Old', Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] }) }))).Policy!.Arn!;
    await w.iam.send(new AttachUserPolicyCommand({ UserName: 'byok-eu1', PolicyArn: shared }));
    const put = JSON.parse((await ok(w.admin(['iam', 'put-policy', '-w', 'eu1', '--json']))).stdout) as { steps: { step: string; state: string; arn?: string }[] };
    expect(put.steps).toContainEqual(expect.objectContaining({ step: 'attach', state: 'deleted', arn: shared }));
    expect((await users(w.acct.accountId)).find((u) => u.name === 'byok-eu1')!.attached).toEqual([`arn:aws:iam::${w.acct.accountId}:policy/byok-bedrock-invoke-byok-eu1`]);
  });
});

describe('the permissions hint fixes every missing permission at once', () => {
  /** An EU workspace provisioned by byok, then its policy cut down to the Sonnet profile ARN only. */
  async function brokenEu() {
    const w = await world();
    await workspace(w, 'ws', 'eu', 'eu-west-1');
    await ok(w.admin(['iam', 'provision']));
    const arn = `arn:aws:iam::${w.acct.accountId}:policy/byok-bedrock-invoke-byok-bedrock`;
    const cut = async () => {
      const versions = (await w.iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions ?? [];
      for (const v of versions.filter((x) => !x.IsDefaultVersion)) await w.iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v.VersionId! }));
      await w.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, SetAsDefault: true, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'OnlyProfile', Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: `arn:aws:bedrock:eu-west-1:${w.acct.accountId}:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0` }] }) }));
    };
    await cut();
    return { ...w, arn, cut };
  }

  it('the hint gives the exact put-policy command, values filled in; running it once makes test-connection pass', async () => {
    const w = await brokenEu();
    const tc = await ok(w.user(['test-connection', '--json']), 1);
    const checks = (JSON.parse(tc.stdout) as { checks: Check[] }).checks;
    const perm = checks.find((c) => c.name === 'permissions')!;
    expect(perm.status).toBe('fail');
    expect(perm.hint).not.toMatch(/--geography G\b|--region R\b|<ACCOUNT_ID>/);
    const cmd = /byok iam put-policy[^;.]*?(?=\s*(?:\(|;|\.\s|$))/.exec(perm.hint ?? '');
    expect(cmd, perm.hint ?? '').not.toBeNull();
    expect(cmd![0]).toMatch(/--workspace ws\b/);
    expect(cmd![0]).toMatch(/--user-name byok-bedrock\b/);
    await ok(w.admin(cmd![0].trim().split(/\s+/).slice(1)));
    await ok(w.user(['test-connection']));
  });

  it('the policy it gives is complete and valid: applied as it is, one time, test-connection passes', async () => {
    const w = await brokenEu();
    const tc = await ok(w.user(['test-connection', '--json']), 1);
    const perm = (JSON.parse(tc.stdout) as { checks: Check[] }).checks.find((c) => c.name === 'permissions')!;
    const doc = perm.permission?.policy?.document;
    expect(doc, JSON.stringify(perm)).toBeDefined();
    const fixed = (await w.iam.send(new CreatePolicyCommand({ PolicyName: 'admin-applied', PolicyDocument: JSON.stringify(doc) }))).Policy!.Arn!;
    await w.iam.send(new DetachUserPolicyCommand({ UserName: 'byok-bedrock', PolicyArn: w.arn }));
    await w.iam.send(new AttachUserPolicyCommand({ UserName: 'byok-bedrock', PolicyArn: fixed }));
    await ok(w.user(['test-connection']));
  });

  it('every statement test-connection suggests, put together in one policy, is accepted by IAM (no duplicate Sid)', async () => {
    const w = await brokenEu();
    const tc = await ok(w.user(['test-connection', '--json']), 1);
    const checks = (JSON.parse(tc.stdout) as { checks: Check[] }).checks;
    const statements = checks.flatMap((c) => [...(c.permission?.statement ? [c.permission.statement] : []), ...(c.permission?.policy?.document.Statement ?? [])]);
    const unique = [...new Map(statements.map((s) => [JSON.stringify(s), s])).values()];
    expect(unique.length).toBeGreaterThan(1);
    const put = await w.iam.send(new CreatePolicyCommand({ PolicyName: 'everything-suggested', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: unique }) })).then(() => 'ok', (e: Error) => `${e.name}: ${e.message}`);
    expect(put).toBe('ok');
  });
});

describe('the Marketplace first-use AccessDenied gets the Marketplace hint', () => {
  it('test-connection and invoke name the Marketplace actions and a fix that works, not the use-case form', async () => {
    const w = await world({ marketplace: true });
    await workspace(w, 'ws', 'us', 'us-east-1');
    // An identity allowed every Bedrock action, but not the Marketplace first-use actions.
    await w.iam.send(new CreateUserCommand({ UserName: 'app' }));
    await w.iam.send(new PutUserPolicyCommand({ UserName: 'app', PolicyName: 'bedrock-only', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Bedrock', Effect: 'Allow', Action: 'bedrock:*', Resource: '*' }] }) }));
    const key = (await w.iam.send(new CreateAccessKeyCommand({ UserName: 'app' }))).AccessKey!;
    await ok(runByok(['credentials', 'set', '--access-key-id', key.AccessKeyId!, '--secret-access-key-stdin'], { env: { ...w.t.env, ...emu.clientEnv }, stdin: `${key.SecretAccessKey}\n` }));

    const tc = await ok(w.user(['test-connection', '--json']), 1);
    const checks = (JSON.parse(tc.stdout) as { checks: Check[] }).checks;
    const denied = checks.filter((c) => c.category === 'model-access-denied');
    expect(denied.length).toBeGreaterThan(0);
    for (const c of denied) {
      expect(c.hint).toMatch(/aws-marketplace:Subscribe/);
      expect(c.hint).toMatch(/aws-marketplace:ViewSubscriptions/);
      expect(c.hint).not.toMatch(/use case|use-case|request-access/i);
    }
    const inv = await w.user(['invoke', 'hi']);
    expect(inv.code).not.toBe(0);
    expect(inv.stderr + inv.stdout).toMatch(/aws-marketplace:Subscribe/);
    expect(inv.stderr + inv.stdout).not.toMatch(/use case|use-case|request-access/i);

    // The fix the hint names works.
    const cmd = /byok iam put-policy[^;.]*?(?=\s*(?:\(|;|\.\s|$))/.exec(denied[0]!.hint ?? '');
    expect(cmd, denied[0]!.hint ?? '').not.toBeNull();
    expect(cmd![0]).toMatch(/--user-name app\b/);
    await ok(w.admin(cmd![0].trim().split(/\s+/).slice(1)));
    await ok(w.user(['test-connection']));
  });
});
