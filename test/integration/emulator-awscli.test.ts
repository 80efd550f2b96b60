// The real AWS CLI judges the emulator: pointed at it by AWS_ENDPOINT_URL_*, it must parse every
// answer, errors included.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const hasAws = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasAws) console.warn('\n!!! AWS CLI NOT FOUND: the emulator is NOT being checked against the real AWS CLI in this run !!!\n');

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => emu.close());

// Asynchronous on purpose: the emulator runs in this process and must keep answering.
function aws(args: string[], creds = emu.admin): Promise<{ code: number | null; out: string; err: string; json: () => Record<string, unknown> }> {
  return new Promise((resolve) => {
    const p = spawn('aws', [...args, '--output', 'json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code, out, err, json: () => JSON.parse(out) as Record<string, unknown> }));
  });
}

describe.skipIf(!hasAws)('the real AWS CLI against the emulator', () => {
  it('sts and iam', async () => {
    expect((await aws(['sts', 'get-caller-identity'])).json()).toMatchObject({ Account: emu.admin.accountId });
    expect((await aws(['iam', 'create-user', '--user-name', 'cli-user'])).json()).toMatchObject({ User: { UserName: 'cli-user' } });
    const dup = (await aws(['iam', 'create-user', '--user-name', 'cli-user']));
    expect(dup.code).not.toBe(0);
    expect(dup.err).toMatch(/EntityAlreadyExists.*User with name cli-user already exists/);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] });
    expect((await aws(['iam', 'put-user-policy', '--user-name', 'cli-user', '--policy-name', 'p', '--policy-document', policy])).code).toBe(0);
    const key = (await aws(['iam', 'create-access-key', '--user-name', 'cli-user'])).json() as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
    expect(key.AccessKey.AccessKeyId).toMatch(/^AKIA/);
    const keys = (await aws(['iam', 'list-access-keys', '--user-name', 'cli-user'])).json() as { AccessKeyMetadata: unknown[] };
    expect(keys.AccessKeyMetadata).toHaveLength(1);
    const bad = (await aws(['sts', 'get-caller-identity'], { ...emu.admin, secretAccessKey: 'y'.repeat(40) }));
    expect(bad.err).toMatch(/SignatureDoesNotMatch/);
  });

  it('iam put-user-policy with a repeated Sid fails as IAM fails it: MalformedPolicyDocument, and the CLI exits non-zero', async () => {
    await aws(['iam', 'create-user', '--user-name', 'sid-cli']);
    const stmt = (sid: string, r: string) => ({ Sid: sid, Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: `arn:aws:bedrock:${r}::foundation-model/m` });
    const dup = JSON.stringify({ Version: '2012-10-17', Statement: [stmt('Same', 'eu-west-1'), stmt('Same', 'eu-central-1')] });
    const r = await aws(['iam', 'put-user-policy', '--user-name', 'sid-cli', '--policy-name', 'p', '--policy-document', dup]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/\(MalformedPolicyDocument\).*PutUserPolicy.*: Statement IDs \(SID\) in a single policy must be unique\./);
    expect((await aws(['iam', 'list-user-policies', '--user-name', 'sid-cli'])).json()).toMatchObject({ PolicyNames: [] });
    const fine = JSON.stringify({ Version: '2012-10-17', Statement: [stmt('One', 'eu-west-1'), stmt('Two', 'eu-central-1')] });
    expect((await aws(['iam', 'put-user-policy', '--user-name', 'sid-cli', '--policy-name', 'p', '--policy-document', fine])).code).toBe(0);
  });

  it('bedrock and bedrock-runtime', async () => {
    const list = (await aws(['bedrock', 'list-inference-profiles'])).json() as { inferenceProfileSummaries: { inferenceProfileId: string }[] };
    expect(list.inferenceProfileSummaries.map((p) => p.inferenceProfileId)).toContain('us.anthropic.claude-opus-4-5-20251101-v1:0');
    expect((await aws(['bedrock', 'get-foundation-model-availability', '--model-id', 'anthropic.claude-sonnet-4-5-20250929-v1:0'])).json()).toMatchObject({ regionAvailability: 'AVAILABLE' });
    const c = (await aws(['bedrock-runtime', 'converse', '--model-id', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '--messages', '[{"role":"user","content":[{"text":"hello"}]}]', '--inference-config', 'maxTokens=1'])).json();
    expect(c).toMatchObject({ stopReason: 'max_tokens', usage: { outputTokens: 1 } });
    const bare = (await aws(['bedrock-runtime', 'converse', '--model-id', 'anthropic.claude-sonnet-4-5-20250929-v1:0', '--messages', '[{"role":"user","content":[{"text":"hello"}]}]']));
    expect(bare.err).toMatch(/ValidationException.*on-demand throughput/);
  });

  it('refusals AWS makes at the signature and protocol layer parse as the same errors', async () => {
    const unsigned = await aws(['sts', 'get-caller-identity', '--no-sign-request']);
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.err).toMatch(/\(MissingAuthenticationToken\) when calling the GetCallerIdentity operation: Request is missing Authentication Token/);
    const unsignedIam = await aws(['iam', 'get-user', '--no-sign-request']);
    expect(unsignedIam.err).toMatch(/\(MissingAuthenticationToken\) when calling the GetUser operation: Request is missing Authentication Token/);
    const unsignedBedrock = await aws(['bedrock', 'list-inference-profiles', '--no-sign-request']);
    expect(unsignedBedrock.err).toMatch(/\(MissingAuthenticationTokenException\) when calling the ListInferenceProfiles operation/);
    const iamElsewhere = await aws(['iam', 'get-user', '--region', 'eu-west-1']);
    expect(iamElsewhere.err).toMatch(/\(SignatureDoesNotMatch\) when calling the GetUser operation: Credential should be scoped to a valid region, not 'eu-west-1'\./);
    const notEmulated = await aws(['iam', 'list-groups']);
    expect(notEmulated.err).toMatch(/\(InvalidAction\) when calling the ListGroups operation/);
    const unknownRoute = await aws(['bedrock', 'list-custom-models']);
    expect(unknownRoute.err).toMatch(/An error occurred \(404\) when calling the ListCustomModels operation: <UnknownOperationException\/>/);
  });

  it("a global profile's models as AWS lists them: the region-less ARN, then the source region's", async () => {
    const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
    const p = (await aws(['bedrock', 'get-inference-profile', '--inference-profile-identifier', `global.${S}`, '--region', 'ap-northeast-1'])).json() as { models: { modelArn: string }[] };
    expect(p.models.map((m) => m.modelArn)).toEqual([`arn:aws:bedrock:::foundation-model/${S}`, `arn:aws:bedrock:ap-northeast-1::foundation-model/${S}`]);
  });
});
