// Permissions boundaries through the IAM API (PutUserPermissionsBoundary, DeleteUserPermissionsBoundary,
// CreateUser's PermissionsBoundary, GetUser's PermissionsBoundary), evaluated as AWS documents it: an
// entity can only do what both its identity policies and its boundary allow; the boundary's current
// default version applies.
import { CreateAccessKeyCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateUserCommand, DeleteUserPermissionsBoundaryCommand, GetPolicyCommand, GetUserCommand, IAMClient, ListAccessKeysCommand, PutUserPermissionsBoundaryCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const hasAws = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
let emu: TestEmulator;
let iam: IAMClient;
beforeAll(async () => {
  emu = await startTestEmulator();
  iam = new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin));
});
afterAll(async () => emu.close());

interface SdkError { name: string; message: string; $metadata?: { httpStatusCode?: number } }
const errOf = (p: Promise<unknown>): Promise<SdkError> => p.then(() => { throw new Error('expected a refusal'); }, (e: SdkError) => e);
const doc = (actions: string[], effect = 'Allow') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: actions, Resource: '*' }] });

async function userAllowed(name: string, actions: string[]): Promise<IAMClient> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'identity', PolicyDocument: doc(actions) }));
  const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return new IAMClient(sdkConfig(emu, 'us-east-1', { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }));
}

describe('permissions boundaries set through IAM', () => {
  it('a boundary caps what the identity policy grants, follows its default version, and is removed by DeleteUserPermissionsBoundary', async () => {
    const as = await userAllowed('bnd', ['iam:GetUser', 'iam:ListAccessKeys']);
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'boundary', PolicyDocument: doc(['iam:GetUser']) }))).Policy!;
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bnd', PermissionsBoundary: policy.Arn }));

    const got = await as.send(new GetUserCommand({ UserName: 'bnd' }));
    expect(got.User!.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: policy.Arn });
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: policy.Arn }))).Policy!.PermissionsBoundaryUsageCount).toBe(1);
    const denied = await errOf(as.send(new ListAccessKeysCommand({ UserName: 'bnd' })));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.message).toBe(`User: arn:aws:iam::${emu.admin.accountId}:user/bnd is not authorized to perform: iam:ListAccessKeys on resource: user bnd because no permissions boundary allows the iam:ListAccessKeys action`);

    // The boundary is the policy, not a copy: a new default version applies at once.
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: doc(['iam:GetUser', 'iam:ListAccessKeys']), SetAsDefault: true }));
    expect((await as.send(new ListAccessKeysCommand({ UserName: 'bnd' }))).AccessKeyMetadata).toHaveLength(1);
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policy.Arn, PolicyDocument: doc(['iam:GetUser']), SetAsDefault: true }));
    expect((await errOf(as.send(new ListAccessKeysCommand({ UserName: 'bnd' })))).name).toBe('AccessDenied');

    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bnd' }));
    expect((await as.send(new GetUserCommand({ UserName: 'bnd' }))).User!.PermissionsBoundary).toBeUndefined();
    expect((await as.send(new ListAccessKeysCommand({ UserName: 'bnd' }))).AccessKeyMetadata).toHaveLength(1);
  });

  it('a boundary grants nothing by itself, and an explicit deny in it is named with its ARN', async () => {
    const as = await userAllowed('bnd2', ['iam:GetUser']);
    const wide = (await iam.send(new CreatePolicyCommand({ PolicyName: 'wide', PolicyDocument: doc(['iam:*']) }))).Policy!;
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bnd2', PermissionsBoundary: wide.Arn }));
    expect((await errOf(as.send(new ListAccessKeysCommand({ UserName: 'bnd2' })))).message).toMatch(/because no identity-based policy allows the iam:ListAccessKeys action$/);
    const deny = (await iam.send(new CreatePolicyCommand({ PolicyName: 'deny-getuser', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:GetUser', Resource: '*' }] }) }))).Policy!;
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bnd2', PermissionsBoundary: deny.Arn }));
    expect((await errOf(as.send(new GetUserCommand({ UserName: 'bnd2' })))).message).toMatch(new RegExp(`with an explicit deny in a permissions boundary: ${deny.Arn!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('CreateUser can set the boundary; a boundary that is no policy of the account is refused', async () => {
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'at-birth', PolicyDocument: doc(['iam:GetUser']) }))).Policy!;
    const created = await iam.send(new CreateUserCommand({ UserName: 'born-bounded', PermissionsBoundary: policy.Arn }));
    expect(created.User!.PermissionsBoundary?.PermissionsBoundaryArn).toBe(policy.Arn);
    const missing = await errOf(iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'born-bounded', PermissionsBoundary: `arn:aws:iam::${emu.admin.accountId}:policy/nope` })));
    expect(missing.name).toBe('NoSuchEntityException');
    expect(missing.message).toBe(`Policy arn:aws:iam::${emu.admin.accountId}:policy/nope does not exist or is not attachable.`);
    const noUser = await errOf(iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'ghost', PermissionsBoundary: policy.Arn })));
    expect(noUser.name).toBe('NoSuchEntityException');
  });

  it.skipIf(!hasAws)('the AWS CLI sets, shows and removes a boundary (botocore parses GetUser.PermissionsBoundary)', async () => {
    const aws = (args: string[]) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn('aws', [...args, '--output', 'json'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' } });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d));
      p.stderr.on('data', (d: Buffer) => (err += d));
      p.on('close', (code) => resolve({ code, out, err }));
    });
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'cli-boundary', PolicyDocument: doc(['iam:GetUser']) }))).Policy!;
    await iam.send(new CreateUserCommand({ UserName: 'cli-bnd' }));
    expect((await aws(['iam', 'put-user-permissions-boundary', '--user-name', 'cli-bnd', '--permissions-boundary', policy.Arn!])).code).toBe(0);
    const shown = JSON.parse((await aws(['iam', 'get-user', '--user-name', 'cli-bnd'])).out) as { User: { PermissionsBoundary?: unknown } };
    expect(shown.User.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: policy.Arn });
    expect((await aws(['iam', 'delete-user-permissions-boundary', '--user-name', 'cli-bnd'])).code).toBe(0);
    expect((JSON.parse((await aws(['iam', 'get-user', '--user-name', 'cli-bnd'])).out) as { User: object }).User).not.toHaveProperty('PermissionsBoundary');
  });
});
