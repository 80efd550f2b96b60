// IAM evaluation as AWS documents it (issue 11 §2): each case is a policy, a request through the
// real SDK (or the AWS CLI), and the outcome AWS's documentation gives for it. The rules and their
// sources are cited in src/emulator/policy-eval.ts; the doc each case relies on is named beside it.
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateUserCommand, GetUserCommand, IAMClient, ListAccessKeysCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const US_DESTS = ['us-east-1', 'us-east-2', 'us-west-2'];
let emu: TestEmulator;
let account: string;
let iam: IAMClient;
beforeAll(async () => {
  emu = await startTestEmulator();
  // A fresh account per file: the Marketplace first use is done by its admin once, below.
  const a = await emu.control.createAccount({ requireMarketplacePermissions: false });
  account = a.accountId;
  iam = new IAMClient(sdkConfig(emu, 'us-east-1', a.admin));
});
afterAll(async () => emu.close());

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const errOf = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e);
const msg = [{ role: 'user' as const, content: [{ text: 'Say hello' }] }];
const V = '2012-10-17';

let n = 0;
async function userWith(...Statement: object[]): Promise<{ name: string; creds: Creds }> {
  const name = `eval${++n}`;
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: V, Statement }) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { name, creds: { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! } };
}
const runtime = (c: Creds, region = 'us-east-1') => new BedrockRuntimeClient(sdkConfig(emu, region, c));
const iamAs = (c: Creds) => new IAMClient(sdkConfig(emu, 'us-east-1', c));
const converse = (c: Creds) => runtime(c).send(new ConverseCommand({ modelId: `us.${S}`, messages: msg, inferenceConfig: { maxTokens: 5 } }));

const INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
const profileArn = () => `arn:aws:bedrock:us-east-1:${account}:inference-profile/us.${S}`;
/** reference aws.md §3.2: the profile, plus the model in every destination through that profile. */
function geoStatements(o: { modelResource?: string[]; profileCondition?: Record<string, Record<string, string>> } = {}) {
  return [
    { Effect: 'Allow', Action: INVOKE, Resource: profileArn() },
    { Effect: 'Allow', Action: INVOKE, Resource: o.modelResource ?? US_DESTS.map((d) => `arn:aws:bedrock:${d}::foundation-model/${S}`), Condition: o.profileCondition ?? { StringEquals: { 'bedrock:InferenceProfileArn': profileArn() } } },
  ];
}
const ALLOW_ALL = { Effect: 'Allow', Action: '*', Resource: '*' };
const ALLOW_GET_USER = { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' };

describe('ARN condition operators compare the six ARN components one by one', () => {
  // Condition operators page, ARN operators: "Each of the six colon-delimited components of the ARN
  // is checked separately"; a value with five components matches nothing.
  it('ArnLike with too few components (arn:aws:bedrock:*:inference-profile/*) grants nothing', async () => {
    const u = await userWith(...geoStatements({ profileCondition: { ArnLike: { 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:*:inference-profile/*' } } }));
    const e = await errOf(converse(u.creds));
    expect(e?.name).toBe('AccessDeniedException');
    expect(e?.message).toContain(`bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/${S} because no identity-based policy allows`);
  });
  it('the same ArnLike with all six components grants the model through the profile', async () => {
    const u = await userWith(...geoStatements({ profileCondition: { ArnLike: { 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:*:*:inference-profile/*' } } }));
    expect((await converse(u.creds)).stopReason).toBeDefined();
  });
});

describe('Resource elements: a * that ends an ARN segment reaches past the colons', () => {
  // Resource element page: "If the * wildcard is the last character of a resource ARN segment, it
  // can expand to match beyond the colon boundaries."
  it('arn:aws:bedrock:*:foundation-model/MODEL (region * spans the empty account) grants the model', async () => {
    const u = await userWith(...geoStatements({ modelResource: [`arn:aws:bedrock:*:foundation-model/${S}`] }));
    expect((await converse(u.creds)).stopReason).toBeDefined();
  });
  it('a * inside a segment stays inside it: arn:aws:bedrock:us-*-1:foundation-model/MODEL grants nothing', async () => {
    const u = await userWith(...geoStatements({ modelResource: [`arn:aws:bedrock:us-*-1:foundation-model/${S}`] }));
    expect((await errOf(converse(u.creds)))?.name).toBe('AccessDeniedException');
  });
});

describe('the global condition keys AWS puts in every request', () => {
  // Global condition context keys page: aws:PrincipalType is "User" for an IAM user;
  // aws:CurrentTime and aws:EpochTime are always present.
  it('a Deny when aws:PrincipalType is User denies an IAM user, with an explicit deny', async () => {
    const u = await userWith(ALLOW_ALL, { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalType': 'User' } } });
    const e = await errOf(iamAs(u.creds).send(new GetUserCommand({})));
    expect(e?.name).toBe('AccessDenied');
    expect(e?.message).toBe(`User: arn:aws:iam::${account}:user/${u.name} is not authorized to perform: iam:GetUser on resource: user ${u.name} with an explicit deny in an identity-based policy`);
  });
  it('a Deny when aws:CurrentTime is after 2020 denies now', async () => {
    const u = await userWith(ALLOW_ALL, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } });
    const e = await errOf(converse(u.creds));
    expect(e?.name).toBe('AccessDeniedException');
    expect(e?.message).toMatch(/with an explicit deny in an identity-based policy$/);
  });
  it.each([
    ['aws:PrincipalArn', 'ArnEquals', (name: string) => `arn:aws:iam::${account}:user/${name}`],
    ['aws:PrincipalAccount', 'StringEquals', () => account],
    ['aws:username', 'StringEquals', (name: string) => name],
    ['aws:userid', 'StringLike', () => 'AIDA*'],
    ['aws:RequestedRegion', 'StringEquals', () => 'us-east-1'],
    ['aws:SourceIp', 'IpAddress', () => '127.0.0.0/8'],
    ['aws:EpochTime', 'NumericGreaterThan', () => '1577836800'],
    ['aws:SecureTransport', 'Bool', () => 'true'],
    ['aws:MultiFactorAuthPresent', 'Null', () => 'true'], // absent for long-term keys
  ] as const)('an Allow on %s (%s) grants iam:GetUser', async (key, op, value) => {
    const name = `eval${n + 1}`;
    const u = await userWith({ ...ALLOW_GET_USER, Condition: { [op]: { [key]: value(name) } } });
    expect(u.name).toBe(name);
    expect((await iamAs(u.creds).send(new GetUserCommand({}))).User?.UserName).toBe(name);
  });
  it('GetSessionToken credentials without MFA carry aws:MultiFactorAuthPresent false', async () => {
    const u = await userWith(...geoStatements(), { Effect: 'Allow', Action: 'sts:GetSessionToken', Resource: '*' }, { Effect: 'Deny', Action: 'bedrock:*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } });
    expect((await converse(u.creds)).stopReason).toBeDefined(); // long-term key: the key is absent, the Deny does not apply
    const t = await new STSClient(sdkConfig(emu, 'us-east-1', u.creds)).send(new GetSessionTokenCommand({}));
    const session = { accessKeyId: t.Credentials!.AccessKeyId!, secretAccessKey: t.Credentials!.SecretAccessKey!, sessionToken: t.Credentials!.SessionToken! };
    expect((await errOf(converse(session)))?.message).toMatch(/with an explicit deny in an identity-based policy$/);
  });
});

describe('policy variables', () => {
  // Policy variables page: ${aws:username} and ${aws:PrincipalAccount} take the request's values
  // under Version 2012-10-17, and are literal text without it.
  it('iam:ListAccessKeys on user/${aws:username} lets a user list its own keys, not another user\'s', async () => {
    const other = await userWith(ALLOW_GET_USER);
    const u = await userWith({ Effect: 'Allow', Action: 'iam:ListAccessKeys', Resource: 'arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}' });
    expect((await iamAs(u.creds).send(new ListAccessKeysCommand({ UserName: u.name }))).AccessKeyMetadata).toHaveLength(1);
    const e = await errOf(iamAs(u.creds).send(new ListAccessKeysCommand({ UserName: other.name })));
    expect(e?.name).toBe('AccessDenied');
    // IAM names a user as "user NAME" in the message.
    expect(e?.message).toBe(`User: arn:aws:iam::${account}:user/${u.name} is not authorized to perform: iam:ListAccessKeys on resource: user ${other.name} because no identity-based policy allows the iam:ListAccessKeys action`);
  });
  it('without Version 2012-10-17 a variable is literal text and grants nothing', async () => {
    const name = `eval${++n}`;
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iam:ListAccessKeys', Resource: 'arn:aws:iam::*:user/${aws:username}' }] }) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
    const e = await errOf(iamAs({ accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }).send(new ListAccessKeysCommand({ UserName: name })));
    expect(e?.name).toBe('AccessDenied');
  });
});

describe('AccessDenied names the resource and the denial as AWS does', () => {
  it('IAM names a managed policy as "policy ARN"', async () => {
    const pol = await iam.send(new CreatePolicyCommand({ PolicyName: 'named', PolicyDocument: JSON.stringify({ Version: V, Statement: [ALLOW_GET_USER] }) }));
    const u = await userWith({ Effect: 'Deny', Action: 'iam:CreatePolicyVersion', Resource: '*' });
    const e = await errOf(iamAs(u.creds).send(new CreatePolicyVersionCommand({ PolicyArn: pol.Policy!.Arn!, PolicyDocument: JSON.stringify({ Version: V, Statement: [ALLOW_GET_USER] }) })));
    expect(e?.message).toBe(`User: arn:aws:iam::${account}:user/${u.name} is not authorized to perform: iam:CreatePolicyVersion on resource: policy ${pol.Policy!.Arn!} with an explicit deny in an identity-based policy`);
  });
  it('IAM names the new user by ARN for CreateUser, and a new policy as "policy NAME" for CreatePolicy', async () => {
    const u = await userWith(ALLOW_GET_USER);
    const who = `arn:aws:iam::${account}:user/${u.name}`;
    const cu = await errOf(iamAs(u.creds).send(new CreateUserCommand({ UserName: 'never-made' })));
    expect(cu?.message).toBe(`User: ${who} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${account}:user/never-made because no identity-based policy allows the iam:CreateUser action`);
    const cp = await errOf(iamAs(u.creds).send(new CreatePolicyCommand({ PolicyName: 'never-made', PolicyDocument: JSON.stringify({ Version: V, Statement: [ALLOW_GET_USER] }) })));
    expect(cp?.message).toBe(`User: ${who} is not authorized to perform: iam:CreatePolicy on resource: policy never-made because no identity-based policy allows the iam:CreatePolicy action`);
  });
  it('an explicit deny by an attached managed policy ends with that policy\'s ARN; an inline one names none', async () => {
    const pol = await iam.send(new CreatePolicyCommand({ PolicyName: 'deny-west', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Deny', Action: 'bedrock:InvokeModel', Resource: 'arn:aws:bedrock:us-west-2::foundation-model/*' }] }) }));
    const u = await userWith(...geoStatements());
    await iam.send(new AttachUserPolicyCommand({ UserName: u.name, PolicyArn: pol.Policy!.Arn! }));
    const e = await errOf(converse(u.creds));
    expect(e?.message).toBe(`User: arn:aws:iam::${account}:user/${u.name} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/${S} with an explicit deny in an identity-based policy: ${pol.Policy!.Arn!}`);
  });
  it('Bedrock\'s explicit deny says "with an explicit deny in an identity-based policy"', async () => {
    const u = await userWith(...geoStatements(), { Effect: 'Deny', Action: 'bedrock:InvokeModel', Resource: `arn:aws:bedrock:us-west-2::foundation-model/*` });
    const e = await errOf(converse(u.creds));
    expect(e?.message).toBe(`User: arn:aws:iam::${account}:user/${u.name} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/${S} with an explicit deny in an identity-based policy`);
  });
});

describe('service control policies and permissions boundaries (control API)', () => {
  // Policy evaluation logic: a Deny in any policy wins; an SCP and a boundary must each also allow.
  it('a Deny in an SCP is reported "with an explicit deny in a service control policy", even over an identity Allow', async () => {
    const a = await emu.control.createAccount({ requireMarketplacePermissions: false });
    const set = await emu.control.setServiceControlPolicies({ accountId: a.accountId, policies: [{ Version: V, Statement: [ALLOW_ALL, { Effect: 'Deny', Action: 'bedrock:*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-east-2'] } } }] }] });
    // An SCP's ARN, in AWS Organizations' form, which the explicit deny names (AWS Security Blog, "Enhanced access denied error messages with policy ARNs").
    expect(set.scps[0]).toMatch(/^arn:aws:organizations::\d{12}:policy\/o-[a-z0-9]{10}\/service_control_policy\/p-[a-z0-9]{8}$/);
    const admin = { accessKeyId: a.admin.accessKeyId, secretAccessKey: a.admin.secretAccessKey };
    const e = await errOf(runtime(admin).send(new ConverseCommand({ modelId: `us.${S}`, messages: msg, inferenceConfig: { maxTokens: 5 } })));
    // The us profile also sends requests to us-west-2, which this SCP blocks (reference aws.md §2).
    expect(e?.message).toBe(`User: ${a.admin.arn} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/${S} with an explicit deny in a service control policy: ${set.scps[0]}`);
    expect((await new IAMClient(sdkConfig(emu, 'us-east-1', admin)).send(new GetUserCommand({}))).User?.UserName).toBe('admin');
  });
  it('an SCP that allows only IAM leaves Bedrock "because no service control policy allows"', async () => {
    const a = await emu.control.createAccount({ requireMarketplacePermissions: false });
    await emu.control.setServiceControlPolicies({ accountId: a.accountId, policies: [{ Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] }] });
    const e = await errOf(runtime(a.admin).send(new ConverseCommand({ modelId: `us.${S}`, messages: msg, inferenceConfig: { maxTokens: 5 } })));
    expect(e?.message).toBe(`User: ${a.admin.arn} is not authorized to perform: bedrock:InvokeModel on resource: ${`arn:aws:bedrock:us-east-1:${a.accountId}:inference-profile/us.${S}`} because no service control policy allows the bedrock:InvokeModel action`);
  });
  it('a permissions boundary limits an identity that may do anything', async () => {
    const u = await userWith(ALLOW_ALL);
    await emu.control.setPermissionsBoundary({ accountId: account, userName: u.name, policy: { Version: V, Statement: [ALLOW_GET_USER] } });
    expect((await iamAs(u.creds).send(new GetUserCommand({}))).User?.UserName).toBe(u.name);
    const e = await errOf(converse(u.creds));
    expect(e?.message).toBe(`User: arn:aws:iam::${account}:user/${u.name} is not authorized to perform: bedrock:InvokeModel on resource: ${profileArn()} because no permissions boundary allows the bedrock:InvokeModel action`);
    await emu.control.setPermissionsBoundary({ accountId: account, userName: u.name, policy: { Version: V, Statement: [ALLOW_ALL, { Effect: 'Deny', Action: 'iam:GetUser', Resource: '*' }] } });
    expect((await errOf(iamAs(u.creds).send(new GetUserCommand({}))))?.message).toMatch(/with an explicit deny in a permissions boundary$/);
    await emu.control.setPermissionsBoundary({ accountId: account, userName: u.name, policy: null });
    expect((await converse(u.creds)).stopReason).toBeDefined();
  });
  it('the control API refuses a malformed SCP or boundary', async () => {
    await expect(emu.control.setServiceControlPolicies({ accountId: account, policies: [{ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }] })).rejects.toThrow(/HTTP 400.*not a valid policy document/);
    await expect(emu.control.setPermissionsBoundary({ accountId: account, userName: 'nobody', policy: null })).rejects.toThrow(/HTTP 404/);
  });
});

const hasAws = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
function aws(args: string[], c: Creds): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('aws', [...args, '--output', 'json'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(!hasAws)('the AWS CLI sees the same answers', () => {
  it('list-access-keys on user/${aws:username}: its own keys, and AWS\'s AccessDenied for another user', async () => {
    const u = await userWith({ Effect: 'Allow', Action: 'iam:ListAccessKeys', Resource: 'arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}' });
    const own = await aws(['iam', 'list-access-keys', '--user-name', u.name], u.creds);
    expect(own.code).toBe(0);
    expect((JSON.parse(own.out) as { AccessKeyMetadata: unknown[] }).AccessKeyMetadata).toHaveLength(1);
    const other = await aws(['iam', 'list-access-keys', '--user-name', 'admin'], u.creds);
    expect(other.code).not.toBe(0);
    expect(other.err).toContain(`An error occurred (AccessDenied) when calling the ListAccessKeys operation: User: arn:aws:iam::${account}:user/${u.name} is not authorized to perform: iam:ListAccessKeys on resource: user admin because no identity-based policy allows the iam:ListAccessKeys action`);
  });
});
