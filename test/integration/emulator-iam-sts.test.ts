// IAM and STS through the real SDK v3 clients against the emulator: results and error names.
import { CreateAccessKeyCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateUserCommand, DeleteAccessKeyCommand, DeletePolicyVersionCommand, DeleteUserCommand, DeleteUserPolicyCommand, GetUserCommand, GetUserPolicyCommand, IAMClient, ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListPolicyVersionsCommand, ListUserPoliciesCommand, PutUserPolicyCommand, TagUserCommand, UpdateAccessKeyCommand, AttachUserPolicyCommand, DetachUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let iam: IAMClient;
let sts: STSClient;
beforeAll(async () => {
  emu = await startTestEmulator();
  iam = new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin));
  sts = new STSClient(sdkConfig(emu, 'us-east-1', emu.admin));
});
afterAll(async () => emu.close());

const errName = async (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.name);
const bigPolicy = (n: number) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: Array.from({ length: n }, (_, i) => `arn:aws:bedrock:us-east-1::foundation-model/model-${i}`) }] });

describe('STS', () => {
  it('GetCallerIdentity and GetSessionToken; session credentials cannot get another session or call IAM', async () => {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id).toMatchObject({ Account: emu.admin.accountId, Arn: `arn:aws:iam::${emu.admin.accountId}:user/admin` });
    const s = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(s.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(s.Credentials?.Expiration).toBeInstanceOf(Date);
    const sessionCreds = { accessKeyId: s.Credentials!.AccessKeyId!, secretAccessKey: s.Credentials!.SecretAccessKey!, sessionToken: s.Credentials!.SessionToken! };
    const sts2 = new STSClient(sdkConfig(emu, 'us-east-1', sessionCreds));
    expect((await sts2.send(new GetCallerIdentityCommand({}))).Arn).toBe(id.Arn);
    const e = await sts2.send(new GetSessionTokenCommand({})).catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'AccessDenied', message: 'Cannot call GetSessionToken with session credentials' });
    expect(await errName(new IAMClient(sdkConfig(emu, 'us-east-1', sessionCreds)).send(new GetUserCommand({})))).toBe('InvalidClientTokenId');
    await emu.control.advanceClock(901_000);
    try {
      // Signed at the emulator's (moved) time, so only the session's expiry is wrong.
      const later = new STSClient({ ...sdkConfig(emu, 'us-east-1', sessionCreds), systemClockOffset: 901_000 });
      expect(await errName(later.send(new GetCallerIdentityCommand({})))).toBe('ExpiredToken');
      // Signed at the host's time, 15 minutes behind the emulator: the clock-skew error.
      expect(await errName(sts2.send(new GetCallerIdentityCommand({})))).toBe('SignatureDoesNotMatch');
    } finally {
      await emu.control.advanceClock(-901_000);
    }
  });

  it('refuses an unknown key, a wrong secret and a skewed clock', async () => {
    expect(await errName(new STSClient(sdkConfig(emu, 'us-east-1', { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: emu.admin.secretAccessKey })).send(new GetCallerIdentityCommand({})))).toBe('InvalidClientTokenId');
    expect(await errName(new STSClient(sdkConfig(emu, 'us-east-1', { accessKeyId: emu.admin.accessKeyId, secretAccessKey: 'x'.repeat(40) })).send(new GetCallerIdentityCommand({})))).toBe('SignatureDoesNotMatch');
    // A client 10 minutes fast, with skew correction defeated by maxAttempts 1: refused.
    const skewed = new STSClient({ ...sdkConfig(emu, 'us-east-1', emu.admin), systemClockOffset: 10 * 60_000 });
    const e = await skewed.send(new GetCallerIdentityCommand({})).catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'SignatureDoesNotMatch' });
    expect((e as Error).message).toMatch(/Signature not yet current/);
  });

  it('long-term keys sent with a stale session token are refused (reference §5.2), on both protocols', async () => {
    const stale = { ...emu.admin, sessionToken: 'bogus-stale-token' };
    const e = await new STSClient(sdkConfig(emu, 'us-east-1', stale)).send(new GetCallerIdentityCommand({})).catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'InvalidClientTokenId', message: 'The security token included in the request is invalid' });
    const { BedrockRuntimeClient, ConverseCommand } = await import('@aws-sdk/client-bedrock-runtime');
    const rt = await new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', stale)).send(new ConverseCommand({ modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] })).catch((x: Error) => x);
    expect(rt).toMatchObject({ name: 'UnrecognizedClientException' });
  });
});

describe('IAM', () => {
  it('users, tags, inline policies and their 2,048-character limit', async () => {
    const u = await iam.send(new CreateUserCommand({ UserName: 'byok-bedrock', Tags: [{ Key: 'team', Value: 'ml' }] }));
    expect(u.User).toMatchObject({ UserName: 'byok-bedrock', Arn: `arn:aws:iam::${emu.admin.accountId}:user/byok-bedrock` });
    expect(await errName(iam.send(new CreateUserCommand({ UserName: 'BYOK-BEDROCK' })))).toBe('EntityAlreadyExistsException');
    await iam.send(new TagUserCommand({ UserName: 'byok-bedrock', Tags: [{ Key: 'team', Value: 'platform' }] }));
    expect((await iam.send(new GetUserCommand({ UserName: 'byok-bedrock' }))).User?.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
    expect(await errName(iam.send(new GetUserCommand({ UserName: 'nobody' })))).toBe('NoSuchEntityException');
    await iam.send(new PutUserPolicyCommand({ UserName: 'byok-bedrock', PolicyName: 'p1', PolicyDocument: bigPolicy(3) }));
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'byok-bedrock', PolicyName: 'p1' }));
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument!))).toEqual(JSON.parse(bigPolicy(3)));
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'byok-bedrock' }))).PolicyNames).toEqual(['p1']);
    expect(await errName(iam.send(new PutUserPolicyCommand({ UserName: 'byok-bedrock', PolicyName: 'p2', PolicyDocument: bigPolicy(40) })))).toBe('LimitExceededException');
    expect(await errName(iam.send(new PutUserPolicyCommand({ UserName: 'byok-bedrock', PolicyName: 'p3', PolicyDocument: '{not json' })))).toBe('MalformedPolicyDocumentException');
    expect(await errName(iam.send(new DeleteUserCommand({ UserName: 'byok-bedrock' })))).toBe('DeleteConflictException');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'byok-bedrock', PolicyName: 'p1' }));
  });

  it('a policy whose statements repeat a Sid is MalformedPolicyDocument, inline, managed and as a new version; nothing is stored', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'sid-user' }));
    const stmt = (sid: string, region: string) => ({ Sid: sid, Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: `arn:aws:bedrock:${region}::foundation-model/m` });
    const dup = JSON.stringify({ Version: '2012-10-17', Statement: [stmt('Same', 'eu-west-1'), stmt('Same', 'eu-central-1')] });
    const distinct = JSON.stringify({ Version: '2012-10-17', Statement: [stmt('One', 'eu-west-1'), stmt('Two', 'eu-central-1')] });
    const err = async (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);
    const expected = 'MalformedPolicyDocumentException: Statement IDs (SID) in a single policy must be unique.';
    expect(await err(iam.send(new PutUserPolicyCommand({ UserName: 'sid-user', PolicyName: 'p', PolicyDocument: dup })))).toBe(expected);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'sid-user' }))).PolicyNames).toEqual([]);
    expect(await err(iam.send(new CreatePolicyCommand({ PolicyName: 'dup-sid', PolicyDocument: dup })))).toBe(expected);
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'sid-ok', PolicyDocument: distinct }))).Policy!.Arn!;
    expect(await err(iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: dup, SetAsDefault: true })))).toBe(expected);
    expect((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions).toHaveLength(1);
    // Statements without a Sid may be many.
    const noSid = JSON.stringify({ Version: '2012-10-17', Statement: [{ ...stmt('x', 'eu-west-1'), Sid: undefined }, { ...stmt('x', 'eu-central-1'), Sid: undefined }] });
    expect(await err(iam.send(new PutUserPolicyCommand({ UserName: 'sid-user', PolicyName: 'p', PolicyDocument: noSid })))).toBe('no error');
  });

  it('a user path is part of its ARN; TagUser over the 50-tag limit changes nothing', async () => {
    const u = await iam.send(new CreateUserCommand({ UserName: 'pathed', Path: '/team/' }));
    expect(u.User?.Arn).toBe(`arn:aws:iam::${emu.admin.accountId}:user/team/pathed`);
    const tags = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await errName(iam.send(new TagUserCommand({ UserName: 'pathed', Tags: tags })))).toBe('LimitExceededException');
    expect((await iam.send(new GetUserCommand({ UserName: 'pathed' }))).User?.Tags ?? []).toEqual([]);
  });

  it('managed policies: 6,144 characters, five versions, default protected, attach and detach', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'managed-user' }));
    expect(await errName(iam.send(new CreatePolicyCommand({ PolicyName: 'huge', PolicyDocument: bigPolicy(120) })))).toBe('LimitExceededException');
    const p = await iam.send(new CreatePolicyCommand({ PolicyName: 'byok', PolicyDocument: bigPolicy(2) }));
    const arn = p.Policy!.Arn!;
    for (let i = 0; i < 4; i++) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: bigPolicy(i + 3), SetAsDefault: true }));
    expect(await errName(iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: bigPolicy(9) })))).toBe('LimitExceededException');
    const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!;
    expect(versions).toHaveLength(5);
    const def = versions.find((v) => v.IsDefaultVersion)!;
    expect(def.VersionId).toBe('v5');
    expect(await errName(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' })))).toBe('DeleteConflictException');
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'managed-user', PolicyArn: arn }));
    expect((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'managed-user' }))).AttachedPolicies).toEqual([{ PolicyName: 'byok', PolicyArn: arn }]);
    await iam.send(new DetachUserPolicyCommand({ UserName: 'managed-user', PolicyArn: arn }));
  });

  it('access keys: two per user counting inactive ones, LimitExceeded not retried with maxAttempts 1', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'keys-user' }));
    const k1 = await iam.send(new CreateAccessKeyCommand({ UserName: 'keys-user' }));
    expect(k1.AccessKey).toMatchObject({ Status: 'Active', UserName: 'keys-user' });
    expect(k1.AccessKey!.SecretAccessKey).toHaveLength(40);
    const k2 = await iam.send(new CreateAccessKeyCommand({ UserName: 'keys-user' }));
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'keys-user', AccessKeyId: k2.AccessKey!.AccessKeyId!, Status: 'Inactive' }));
    const e = await iam.send(new CreateAccessKeyCommand({ UserName: 'keys-user' })).catch((x: Error & { $metadata: { attempts: number } }) => x);
    expect(e).toMatchObject({ name: 'LimitExceededException', message: 'Cannot exceed quota for AccessKeysPerUser: 2' });
    const keys = (await iam.send(new ListAccessKeysCommand({ UserName: 'keys-user' }))).AccessKeyMetadata!;
    expect(keys.map((k) => k.Status).sort()).toEqual(['Active', 'Inactive']);
    // The new key signs requests; an inactive one is refused.
    const own = new STSClient(sdkConfig(emu, 'us-east-1', { accessKeyId: k1.AccessKey!.AccessKeyId!, secretAccessKey: k1.AccessKey!.SecretAccessKey! }));
    expect((await own.send(new GetCallerIdentityCommand({}))).Arn).toMatch(/user\/keys-user$/);
    const inactive = new STSClient(sdkConfig(emu, 'us-east-1', { accessKeyId: k2.AccessKey!.AccessKeyId!, secretAccessKey: k2.AccessKey!.SecretAccessKey! }));
    expect(await errName(inactive.send(new GetCallerIdentityCommand({})))).toBe('InvalidClientTokenId');
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'keys-user', AccessKeyId: k2.AccessKey!.AccessKeyId! }));
    expect(await errName(iam.send(new DeleteAccessKeyCommand({ UserName: 'keys-user', AccessKeyId: k2.AccessKey!.AccessKeyId! })))).toBe('NoSuchEntityException');
  });

  it('evaluates the caller policy for IAM actions and simulates eventual consistency', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'weak' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'weak', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] }) }));
    await emu.control.iamPropagationDelay(60_000);
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'weak' }));
    const weak = new IAMClient(sdkConfig(emu, 'us-east-1', { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }));
    expect(await errName(weak.send(new GetUserCommand({})))).toBe('InvalidClientTokenId');
    await emu.control.advanceClock(61_000);
    await emu.control.iamPropagationDelay(0);
    try {
    const weakSkewOk = new IAMClient({ ...sdkConfig(emu, 'us-east-1', { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }), systemClockOffset: 61_000 });
    expect((await weakSkewOk.send(new GetUserCommand({}))).User?.UserName).toBe('weak');
    const e = await weakSkewOk.send(new CreateUserCommand({ UserName: 'x' })).catch((x: Error) => x);
    expect(e).toMatchObject({ name: 'AccessDenied' });
    expect((e as Error).message).toMatch(/is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::\d+:user\/x/);
    } finally {
      await emu.control.advanceClock(-61_000);
    }
  });

  it('an injected fault comes back in the query protocol with its real status', async () => {
    await emu.control.addFault({ service: 'iam', operation: 'ListAccessKeys', count: 1, error: { code: 'ServiceFailure' } });
    const e = await iam.send(new ListAccessKeysCommand({})).catch((x: Error & { $metadata: { httpStatusCode: number } }) => x);
    expect(e).toMatchObject({ name: 'ServiceFailureException' });
    expect((e as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(500);
    await emu.control.addFault({ service: 'sts', count: 1, drop: true });
    expect(await errName(sts.send(new GetCallerIdentityCommand({})))).not.toBe('no error');
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(emu.admin.accountId);
  });
});
