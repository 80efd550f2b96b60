// Bedrock API keys against the emulator, with the real SDK clients over HTTP: short-term keys minted
// by byok and by AWS's own generator (@aws/bedrock-token-generator) from the same credentials, and
// long-term keys issued through IAM's service-specific credential operations.
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { BedrockClient, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import {
  CreateAccessKeyCommand, CreateServiceSpecificCredentialCommand, CreateUserCommand, DeleteServiceSpecificCredentialCommand,
  IAMClient, ListServiceSpecificCredentialsCommand, PutUserPolicyCommand, ResetServiceSpecificCredentialCommand, UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';
import { STSClient, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { getToken } from '@aws/bedrock-token-generator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintShortTermKey } from '../../src/aws/api-keys.js';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let iam: IAMClient;
let user: { accessKeyId: string; secretAccessKey: string };
const PROFILE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const INVOKE_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:ListInferenceProfiles'], Resource: '*' }] });

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.control.modelAccess({ accountId: emu.admin.accountId, marketplaceSubscribed: true });
  iam = new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin));
  await iam.send(new CreateUserCommand({ UserName: 'keyuser' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'keyuser', PolicyName: 'invoke', PolicyDocument: INVOKE_POLICY }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'keyuser' }));
  user = { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
});
afterAll(async () => emu.close());

/** A Bedrock Runtime client that authenticates with the key only (no SigV4 credentials at all). */
function runtime(token: string, region: string, endpoint = `${emu.url}/_region/${region}`) {
  return new BedrockRuntimeClient({ region, endpoint, token: { token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
}
const converse = (token: string, region = 'us-east-1', endpoint?: string) =>
  runtime(token, region, endpoint).send(new ConverseCommand({ modelId: PROFILE, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));
async function refusal(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('the request was accepted');
}
const now = () => new Date(Date.now() + emu.state.data.clockOffsetMs);
const tamper = (token: string) => {
  // Flip one hex digit of the embedded signature and re-encode: still well-formed, no longer signed.
  const body = Buffer.from(token.slice('bedrock-api-key-'.length), 'base64').toString('utf8');
  const changed = body.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
  return `bedrock-api-key-${Buffer.from(changed).toString('base64')}`;
};

describe('short-term Bedrock API keys', () => {
  it("byok's key and AWS's generator's key, made from the same credentials, have the same form and both are accepted", async () => {
    const ours = (await mintShortTermKey(user, 'us-east-1', { now: now() })).token;
    const theirs = await getToken({ credentials: user, region: 'us-east-1' });
    for (const t of [ours, theirs]) {
      expect(t).toMatch(/^bedrock-api-key-[A-Za-z0-9+/]+=*$/);
      const url = new URL(`https://${Buffer.from(t.slice(16), 'base64').toString('utf8')}`);
      expect(url.host).toBe('bedrock.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('CallWithBearerToken');
      expect(url.searchParams.get('Version')).toBe('1');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`^${user.accessKeyId}/\\d{8}/us-east-1/bedrock/aws4_request$`));
      const out = await converse(t);
      expect(out.output?.message?.role).toBe('assistant');
    }
    // The request carried the key, not a signature: the log names no access key.
    const last = emu.state.requests.at(-1)!;
    expect(last).toMatchObject({ operation: 'Converse', status: 200, accessKeyId: null, region: 'us-east-1' });
  });

  it('a key made from an STS session is accepted, and refused once the session is over even if the key is not', async () => {
    const sts = new STSClient(sdkConfig(emu, 'us-east-1', user));
    const s = (await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!;
    const creds = { accessKeyId: s.AccessKeyId!, secretAccessKey: s.SecretAccessKey!, sessionToken: s.SessionToken! };
    const theirs = await getToken({ credentials: creds, region: 'us-east-1' }); // 12 h requested
    const ours = await mintShortTermKey({ ...creds, expiration: s.Expiration }, 'us-east-1', { now: now() });
    expect(ours.expiresAt.getTime()).toBeLessThanOrEqual(s.Expiration!.getTime());
    await expect(converse(theirs)).resolves.toBeTruthy();
    await expect(converse(ours.token)).resolves.toBeTruthy();
    await emu.control.advanceClock(901_000);
    try {
      for (const t of [theirs, ours.token]) expect(await refusal(converse(t))).toMatchObject({ name: 'AccessDeniedException', status: 403, message: 'Bearer Token has expired' });
    } finally {
      await emu.control.advanceClock(-901_000);
    }
  });

  for (const who of ['byok', 'AWS generator'] as const) {
    const mint = async (region: string, expiresInSeconds?: number) =>
      who === 'byok' ? (await mintShortTermKey(user, region, { now: now(), expiresInSeconds })).token : getToken({ credentials: user, region, expiresInSeconds });

    it(`${who}: a tampered key is refused as AWS refuses an invalid key`, async () => {
      expect(await refusal(converse(tamper(await mint('us-east-1'))))).toEqual({ name: 'AccessDeniedException', status: 403, message: 'Authentication failed: Please make sure your API Key is valid.' });
    });

    it(`${who}: a key used in another region than the one it was made for is refused`, async () => {
      const k = await mint('us-east-1');
      expect(await refusal(converse(k, 'us-west-2'))).toEqual({ name: 'AccessDeniedException', status: 403, message: 'Authentication failed: Please make sure your API Key is valid.' });
      await expect(converse(k, 'us-east-1')).resolves.toBeTruthy();
    });

    it(`${who}: an expired key is refused with "Bearer Token has expired"`, async () => {
      const k = await mint('us-east-1', 60);
      await expect(converse(k)).resolves.toBeTruthy();
      await emu.control.advanceClock(61_000);
      try {
        expect(await refusal(converse(k))).toEqual({ name: 'AccessDeniedException', status: 403, message: 'Bearer Token has expired' });
      } finally {
        await emu.control.advanceClock(-61_000);
      }
    });
  }

  it('a key signed with a secret the emulator never issued is refused', async () => {
    const k = (await mintShortTermKey({ accessKeyId: user.accessKeyId, secretAccessKey: 'x'.repeat(40) }, 'us-east-1', { now: now() })).token;
    expect((await refusal(converse(k))).message).toBe('Authentication failed: Please make sure your API Key is valid.');
  });

  it('a token without a known prefix is refused as malformed', async () => {
    expect(await refusal(converse('not-a-key'))).toEqual({ name: 'AccessDeniedException', status: 403, message: 'Invalid API Key format: Must start with pre-defined prefix' });
  });

  it("the key's identity is still authorized by its IAM policy: an action the user may not call is refused", async () => {
    const k = (await mintShortTermKey(user, 'us-east-1', { now: now() })).token;
    const bedrock = new BedrockClient({ region: 'us-east-1', endpoint: `${emu.url}/_region/us-east-1`, token: { token: k }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
    await expect(bedrock.send(new ListInferenceProfilesCommand({}))).resolves.toBeTruthy();
    await iam.send(new PutUserPolicyCommand({ UserName: 'keyuser', PolicyName: 'no-bearer', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'bedrock:CallWithBearerToken', Resource: '*', Condition: { StringEquals: { 'bedrock:bearerTokenType': 'SHORT_TERM' } } }] }) }));
    try {
      const r = await refusal(converse(k));
      expect(r.name).toBe('AccessDeniedException');
      expect(r.message).toMatch(/not authorized to perform: bedrock:CallWithBearerToken .*explicit deny/);
      // The same user's SigV4 calls are not API-key calls: unaffected.
      const sigv4 = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', user));
      await expect(sigv4.send(new ConverseCommand({ modelId: PROFILE, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }))).resolves.toBeTruthy();
    } finally {
      const { DeleteUserPolicyCommand } = await import('@aws-sdk/client-iam');
      await iam.send(new DeleteUserPolicyCommand({ UserName: 'keyuser', PolicyName: 'no-bearer' }));
    }
  });
});

describe('long-term Bedrock API keys (IAM service-specific credentials)', () => {
  it('Create returns the secret once; the key works, List never shows it, Inactive and Delete revoke it, Reset replaces it', async () => {
    // A long-term key's user needs bedrock:CallWithBearerToken allowed.
    await iam.send(new CreateUserCommand({ UserName: 'ltuser' }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'ltuser', PolicyName: 'invoke', PolicyDocument: INVOKE_POLICY }));
    const created = (await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'ltuser', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: 30 }))).ServiceSpecificCredential!;
    expect(created).toMatchObject({ UserName: 'ltuser', ServiceName: 'bedrock.amazonaws.com', Status: 'Active' });
    expect(created.ServiceCredentialSecret).toMatch(/^ABSK[A-Za-z0-9+/]{109,269}={0,2}$/);
    expect(created.ExpirationDate!.getTime() - created.CreateDate!.getTime()).toBe(30 * 86_400_000);
    const key = created.ServiceCredentialSecret!;

    const denied = await refusal(converse(key));
    expect(denied.message).toMatch(/ltuser is not authorized to perform: bedrock:CallWithBearerToken/);
    await iam.send(new PutUserPolicyCommand({ UserName: 'ltuser', PolicyName: 'bearer', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:CallWithBearerToken', Resource: '*' }] }) }));
    await expect(converse(key, 'eu-west-1', `${emu.url}/_region/eu-west-1`).catch((e: Error) => e.name)).resolves.not.toBe('AccessDeniedException');
    await expect(converse(key)).resolves.toBeTruthy();

    const listed = (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'ltuser', ServiceName: 'bedrock.amazonaws.com' }))).ServiceSpecificCredentials!;
    expect(listed).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(key);

    await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'ltuser', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId, Status: 'Inactive' }));
    expect((await refusal(converse(key))).message).toBe('Authentication failed: Please make sure your API Key is valid.');
    await iam.send(new UpdateServiceSpecificCredentialCommand({ UserName: 'ltuser', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId, Status: 'Active' }));
    await expect(converse(key)).resolves.toBeTruthy();

    const reset = (await iam.send(new ResetServiceSpecificCredentialCommand({ UserName: 'ltuser', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId }))).ServiceSpecificCredential!;
    expect(reset.ServiceCredentialSecret).not.toBe(key);
    expect((await refusal(converse(key))).message).toBe('Authentication failed: Please make sure your API Key is valid.');
    await expect(converse(reset.ServiceCredentialSecret!)).resolves.toBeTruthy();

    await emu.control.advanceClock(31 * 86_400_000);
    try {
      expect((await refusal(converse(reset.ServiceCredentialSecret!))).message).toBe('Bearer Token has expired');
      const later = new IAMClient({ ...sdkConfig(emu, 'us-east-1', emu.admin), systemClockOffset: 31 * 86_400_000 });
      const after = (await later.send(new ListServiceSpecificCredentialsCommand({ UserName: 'ltuser' }))).ServiceSpecificCredentials!;
      expect(after[0]!.Status).toBe('Expired');
    } finally {
      await emu.control.advanceClock(-31 * 86_400_000);
    }

    await iam.send(new DeleteServiceSpecificCredentialCommand({ UserName: 'ltuser', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId }));
    expect((await refusal(converse(reset.ServiceCredentialSecret!))).message).toBe('Authentication failed: Please make sure your API Key is valid.');
  });

  it('IAM refuses a third Bedrock key for a user, an unsupported service, and an age outside 1..36600 days', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'limits' }));
    const mk = (o: { ServiceName?: string; CredentialAgeDays?: number } = {}) => iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'limits', ServiceName: 'bedrock.amazonaws.com', ...o }));
    await mk();
    await mk();
    expect((await refusal(mk())).name).toBe('LimitExceededException');
    expect((await refusal(mk({ ServiceName: 'example.amazonaws.com' }))).name).toBe('ServiceNotSupportedException');
    // credentialAgeDays is an integer 1..36600 and the operation's model lists no InvalidInput
    // (botocore iam service-2.json), so the broken constraint is the protocol's ValidationError.
    expect((await refusal(mk({ CredentialAgeDays: 0 }))).name).toBe('ValidationError');
  });

  it('a user without iam:CreateServiceSpecificCredential cannot create a key, and the condition key limits the age', async () => {
    const userIam = new IAMClient(sdkConfig(emu, 'us-east-1', user));
    expect((await refusal(userIam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'keyuser', ServiceName: 'bedrock.amazonaws.com' })))).name).toBe('AccessDenied');
    await iam.send(new PutUserPolicyCommand({ UserName: 'keyuser', PolicyName: 'mk', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:CreateServiceSpecificCredential', Resource: '*', Condition: { NumericLessThanEquals: { 'iam:ServiceSpecificCredentialAgeDays': '90' } } }] }) }));
    expect((await refusal(userIam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'keyuser', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: 365 })))).name).toBe('AccessDenied');
    await expect(userIam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'keyuser', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: 30 }))).resolves.toBeTruthy();
  });
});
