// Requests validated as Bedrock and IAM validate them (issue 11 §4): each refusal through the real
// SDK v3 clients, and where botocore does not refuse it first, through the real AWS CLI, with the
// code and text AWS sends (src/emulator/validate.ts cites each text; UNCONFIRMED ones are marked there).
import { BedrockClient, GetFoundationModelAvailabilityCommand, ListInferenceProfilesCommand, paginateListInferenceProfiles } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, InvokeModelCommand, InvokeModelWithResponseStreamCommand, type Message } from '@aws-sdk/client-bedrock-runtime';
import { CreateAccessKeyCommand, CreatePolicyCommand, CreateServiceSpecificCredentialCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, ListServiceSpecificCredentialsCommand, ListUserPoliciesCommand, paginateListUserPolicies, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const hasAws = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const US = `us.${S}`;
let emu: TestEmulator;
let iam: IAMClient;
let rt: BedrockRuntimeClient;
beforeAll(async () => {
  emu = await startTestEmulator();
  iam = new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin));
  rt = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', emu.admin));
});
afterAll(async () => emu.close());

interface SdkError { name: string; message: string; $metadata?: { httpStatusCode?: number } }
const errOf = (p: Promise<unknown>): Promise<SdkError> => p.then(() => { throw new Error('expected a refusal'); }, (e: SdkError) => e);
const user = (text: string): Message => ({ role: 'user', content: [{ text }] });
const assistant = (text: string): Message => ({ role: 'assistant', content: [{ text }] });
const converse = (messages: Message[], inferenceConfig?: object, client = rt) => client.send(new ConverseCommand({ modelId: US, messages, inferenceConfig }));
const invoke = (body: string | object, client = rt) => client.send(new InvokeModelCommand({ modelId: US, contentType: 'application/json', body: typeof body === 'string' ? body : JSON.stringify(body) }));
const okBody = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

function aws(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('aws', [...args, '--output', 'json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...emu.clientEnv, AWS_ACCESS_KEY_ID: emu.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: emu.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

async function expectValidation(p: Promise<unknown>, message: string | RegExp, name = 'ValidationException') {
  const e = await errOf(p);
  expect(e.name).toBe(name);
  expect(e.$metadata?.httpStatusCode).toBe(400);
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
}

describe('Converse and ConverseStream refuse what Bedrock refuses, in its words', () => {
  it('a conversation that starts with the assistant, or has no message at all', async () => {
    const start = 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
    await expectValidation(converse([assistant('hello'), user('hi')]), start);
    await expectValidation(converse([]), start);
  });
  it('a model identifier outside the API model\'s pattern or length, in the framework\'s words, for every runtime operation', async () => {
    const pattern = (p: string) => new RegExp(`^1 validation error detected: Value '${p}' at 'modelId' failed to satisfy constraint: Member must satisfy regular expression pattern: \\(arn:aws`);
    const send = (modelId: string) => [
      rt.send(new ConverseCommand({ modelId, messages: [user('a')] })),
      rt.send(new ConverseStreamCommand({ modelId, messages: [user('a')] })),
      rt.send(new InvokeModelCommand({ modelId, contentType: 'application/json', body: JSON.stringify(okBody) })),
      rt.send(new InvokeModelWithResponseStreamCommand({ modelId, contentType: 'application/json', body: JSON.stringify(okBody) })),
    ];
    for (const p of send('us.anthropic claude')) await expectValidation(p, pattern('us.anthropic claude'));
    const long = `us.${'a'.repeat(2046)}`;
    for (const p of send(long)) await expectValidation(p, `1 validation error detected: Value '${long}' at 'modelId' failed to satisfy constraint: Member must have length less than or equal to 2048`);
    // Inside the pattern but no model: Bedrock's own answer, not the framework's.
    await expectValidation(converse([user('a')]).then(() => rt.send(new ConverseCommand({ modelId: 'us.anthropic.claude-v9', messages: [user('a')] }))), 'The provided model identifier is invalid.');
  });
  it('two user turns in a row', async () => {
    await expectValidation(converse([user('a'), user('b')]), 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
  });
  it('a message with no content blocks, and a blank text block, named by position', async () => {
    await expectValidation(converse([user('a'), { role: 'assistant', content: [] }, user('b')]), 'The content field in the Message object at messages.1 is empty. Add a ContentBlock object to the content field and try again.');
    await expectValidation(converse([user('a'), assistant('\n\n'), user('b')]), 'The text field in the ContentBlock object at messages.1.content.0 is blank. Add text to the text field, and try again.');
  });
  it('maxTokens above the model limit (64,000), below 1, temperature out of range, temperature with topP', async () => {
    await expectValidation(converse([user('a')], { maxTokens: 64_001 }), 'The maximum tokens you requested exceeds the model limit of 64000. Try again with a maximum tokens value that is lower than 64000.');
    await expectValidation(converse([user('a')], { maxTokens: 0 }), "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
    await expectValidation(converse([user('a')], { temperature: 1.5 }), "1 validation error detected: Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1");
    await expectValidation(converse([user('a')], { temperature: 0.5, topP: 0.9 }), 'temperature and top_p cannot both be specified for this model. Please use only one.');
    await expectValidation(invoke({ ...okBody, temperature: 0.5, top_p: 0.9 }), 'temperature and top_p cannot both be specified for this model. Please use only one.');
    // The limit itself is accepted.
    expect((await converse([user('a')], { maxTokens: 64_000, temperature: 1 })).stopReason).toBe('end_turn');
  });
  it('input over the 200,000-token context window', async () => {
    await expectValidation(converse([user('x'.repeat(800_000))]), 'The model returned the following errors: Input is too long for requested model.');
  });
  it('ConverseStream refuses before the stream starts, as an HTTP 400', async () => {
    await expectValidation(rt.send(new ConverseStreamCommand({ modelId: US, messages: [assistant('x')] })), /^A conversation must start with a user message/);
  });
  it('authorisation comes before the body: a caller without permission learns nothing about it', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'noperm' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'noperm' }))).AccessKey!;
    const client = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! }));
    for (const messages of [[], [assistant('x')]]) expect((await errOf(converse(messages, undefined, client))).name).toBe('AccessDeniedException');
    expect((await errOf(invoke('not json', client))).name).toBe('AccessDeniedException');
  });
  it('an unknown model or profile ID is "The provided model identifier is invalid."', async () => {
    await expectValidation(rt.send(new ConverseCommand({ modelId: 'us.anthropic.claude-nonexistent-v1:0', messages: [user('a')] })), 'The provided model identifier is invalid.');
    await expectValidation(rt.send(new ConverseCommand({ modelId: 'apac.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [user('a')] })), 'The provided model identifier is invalid.');
  });
});

describe('InvokeModel checks an Anthropic Messages body as Bedrock does', () => {
  it('missing anthropic_version and max_tokens, and keys the schema does not permit', async () => {
    await expectValidation(invoke({ messages: [{ role: 'user', content: 'hi' }] }), 'Malformed input request: #: required key [max_tokens] not found#: required key [anthropic_version] not found, please reformat your input and try again.');
    await expectValidation(invoke({ ...okBody, model: 'claude', stream: true }), 'Malformed input request: #: extraneous key [model] is not permitted#: extraneous key [stream] is not permitted, please reformat your input and try again.');
  });
  it('another anthropic_version, a body that is not JSON, a blank text block', async () => {
    await expectValidation(invoke({ ...okBody, anthropic_version: '2023-06-01' }), 'Invalid API version: 2023-06-01');
    await expectValidation(invoke('{"anthropic_version": '), /^Malformed input request/);
    await expectValidation(invoke({ ...okBody, messages: [{ role: 'user', content: [{ type: 'text', text: ' ' }] }] }), 'messages: text content blocks must contain non-whitespace text');
  });
  it('max_tokens above the model limit, input over the context window', async () => {
    await expectValidation(invoke({ ...okBody, max_tokens: 100_000 }), 'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5-20250929');
    await expectValidation(invoke({ ...okBody, messages: [{ role: 'user', content: 'x'.repeat(800_000) }] }), 'Input is too long for requested model.');
  });
  it('InvokeModelWithResponseStream returns its contentType (required by the API model)', async () => {
    const r = await rt.send(new InvokeModelWithResponseStreamCommand({ modelId: US, contentType: 'application/json', body: JSON.stringify(okBody) }));
    expect(r.contentType).toBe('application/json');
    for await (const _ of r.body!) void _;
  });
});

describe('IAM and STS constraint failures are ValidationError, with the framework wording', () => {
  it('an invalid or too long user name, policy name and path', async () => {
    await expectValidation(iam.send(new CreateUserCommand({ UserName: 'has space' })), "1 validation error detected: Value 'has space' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", 'ValidationError');
    const long = 'u'.repeat(65);
    await expectValidation(iam.send(new CreateUserCommand({ UserName: long })), `1 validation error detected: Value '${long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`, 'ValidationError');
    await iam.send(new CreateUserCommand({ UserName: 'valid-user' }));
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: '*' }] });
    await expectValidation(iam.send(new PutUserPolicyCommand({ UserName: 'valid-user', PolicyName: 'bad/name', PolicyDocument: doc })), "1 validation error detected: Value 'bad/name' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", 'ValidationError');
    await expectValidation(iam.send(new PutUserPolicyCommand({ UserName: 'valid-user', PolicyName: 'empty', PolicyDocument: '' })), "1 validation error detected: Value '' at 'policyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1", 'ValidationError');
    const p129 = 'p'.repeat(129);
    await expectValidation(iam.send(new CreatePolicyCommand({ PolicyName: p129, PolicyDocument: doc, Path: 'no-slash' })), `2 validation errors detected: Value '${p129}' at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 128; Value 'no-slash' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/`, 'ValidationError');
  });
  it('STS DurationSeconds out of range', async () => {
    const sts = new STSClient(sdkConfig(emu, 'us-east-1', emu.admin));
    await expectValidation(sts.send(new GetSessionTokenCommand({ DurationSeconds: 899 })), "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", 'ValidationError');
    await expectValidation(sts.send(new GetSessionTokenCommand({ DurationSeconds: 129_601 })), "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600", 'ValidationError');
  });
});

describe('paging: MaxItems/Marker on IAM lists, maxResults/nextToken on ListInferenceProfiles', () => {
  it('ListUserPolicies pages by MaxItems, the SDK paginator follows the Marker, a foreign Marker is refused', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'pager' }));
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    for (const n of ['a', 'b', 'c']) await iam.send(new PutUserPolicyCommand({ UserName: 'pager', PolicyName: n, PolicyDocument: doc }));
    const first = await iam.send(new ListUserPoliciesCommand({ UserName: 'pager', MaxItems: 2 }));
    expect(first).toMatchObject({ PolicyNames: ['a', 'b'], IsTruncated: true });
    expect(first.Marker).toBeTruthy();
    const second = await iam.send(new ListUserPoliciesCommand({ UserName: 'pager', MaxItems: 2, Marker: first.Marker }));
    expect(second).toMatchObject({ PolicyNames: ['c'], IsTruncated: false });
    expect(second.Marker).toBeUndefined();
    const all: string[] = [];
    for await (const page of paginateListUserPolicies({ client: iam, pageSize: 1 }, { UserName: 'pager' })) all.push(...(page.PolicyNames ?? []));
    expect(all).toEqual(['a', 'b', 'c']);
    const garbled = await errOf(iam.send(new ListUserPoliciesCommand({ UserName: 'pager', Marker: 'not-a-marker' })));
    expect(garbled.name).toBe('ValidationError');
    // A marker issued for another listing (the admin's access keys) is not honoured here.
    await iam.send(new CreateAccessKeyCommand({ UserName: 'pager' }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'pager' }));
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'pager', MaxItems: 1 }));
    expect(keys).toMatchObject({ IsTruncated: true });
    expect((await errOf(iam.send(new ListUserPoliciesCommand({ UserName: 'pager', Marker: keys.Marker })))).name).toBe('ValidationError');
    await expectValidation(iam.send(new ListUserPoliciesCommand({ UserName: 'pager', MaxItems: 1001 })), "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", 'ValidationError');
  });
  it('ListServiceSpecificCredentials pages by MaxItems like the other IAM lists, and refuses a Marker issued for another user', async () => {
    for (const u of ['sscpager', 'sscother']) {
      await iam.send(new CreateUserCommand({ UserName: u }));
      for (let i = 0; i < 2; i++) await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: u, ServiceName: 'bedrock.amazonaws.com' }));
    }
    const first = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'sscpager', MaxItems: 1 }));
    expect(first.ServiceSpecificCredentials).toHaveLength(1);
    expect(first).toMatchObject({ IsTruncated: true });
    const second = await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'sscpager', MaxItems: 1, Marker: first.Marker }));
    expect(second.ServiceSpecificCredentials).toHaveLength(1);
    expect(second).toMatchObject({ IsTruncated: false });
    expect(second.Marker).toBeUndefined();
    const ids = [...first.ServiceSpecificCredentials!, ...second.ServiceSpecificCredentials!].map((c) => c.ServiceSpecificCredentialId);
    const whole = (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'sscpager' }))).ServiceSpecificCredentials!.map((c) => c.ServiceSpecificCredentialId);
    expect(new Set(ids)).toEqual(new Set(whole));
    expect(whole).toHaveLength(2);
    expect((await errOf(iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'sscother', Marker: first.Marker })))).name).toBe('ValidationError');
  });
  it('ListInferenceProfiles pages by maxResults and refuses a token it did not issue', async () => {
    const bedrock = new BedrockClient(sdkConfig(emu, 'us-east-1', emu.admin));
    const whole = (await bedrock.send(new ListInferenceProfilesCommand({}))).inferenceProfileSummaries!.map((p) => p.inferenceProfileId);
    expect(whole.length).toBeGreaterThan(2);
    const paged: (string | undefined)[] = [];
    for await (const page of paginateListInferenceProfiles({ client: bedrock, pageSize: 1 }, {})) paged.push(...page.inferenceProfileSummaries!.map((p) => p.inferenceProfileId));
    expect(paged).toEqual(whole);
    await expectValidation(bedrock.send(new ListInferenceProfilesCommand({ nextToken: '1' })), /nextToken is not valid/);
    const t = (await bedrock.send(new ListInferenceProfilesCommand({ maxResults: 1 }))).nextToken!;
    const euClient = new BedrockClient(sdkConfig(emu, 'eu-west-1', emu.admin));
    await expectValidation(euClient.send(new ListInferenceProfilesCommand({ nextToken: t })), /nextToken is not valid/);
    await expectValidation(bedrock.send(new ListInferenceProfilesCommand({ maxResults: 0 })), "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });
});

describe('first use of a model: the Marketplace subscription takes time', () => {
  it('within the window AWS answers AccessDeniedException (subscription being processed) and the agreement is PENDING; after it, the call works', async () => {
    const acct = await emu.control.createAccount({ requireMarketplacePermissions: false });
    await emu.control.modelAccess({ accountId: acct.accountId, subscriptionDelayMs: 120_000 });
    const creds = { accessKeyId: acct.admin.accessKeyId, secretAccessKey: acct.admin.secretAccessKey };
    const client = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', creds));
    const bedrock = new BedrockClient(sdkConfig(emu, 'us-east-1', creds));
    const availability = async () => (await bedrock.send(new GetFoundationModelAvailabilityCommand({ modelId: S }))).agreementAvailability?.status;
    expect(await availability()).toBe('NOT_AVAILABLE');
    for (let i = 0; i < 2; i++) {
      const e = await errOf(converse([user('hi')], undefined, client));
      expect(e.name).toBe('AccessDeniedException');
      expect(e.$metadata?.httpStatusCode).toBe(403);
      expect(e.message).toMatch(/^Your AWS Marketplace subscription for this model is still being processed/);
      expect(await availability()).toBe('PENDING');
    }
    await emu.control.advanceClock(120_001);
    expect((await converse([user('hi')], undefined, client)).stopReason).toBe('end_turn');
    expect(await availability()).toBe('AVAILABLE');
  });
  it('the control API refuses a negative window', async () => {
    await expect(emu.control.modelAccess({ accountId: emu.admin.accountId, subscriptionDelayMs: -1 })).rejects.toThrow(/subscriptionDelayMs/);
  });
});

describe.skipIf(!hasAws)('the same refusals and pages through the AWS CLI (botocore parses them)', () => {
  it('ValidationError from IAM, ValidationException from Converse, and the CLI follows every Marker and nextToken', async () => {
    const bad = await aws(['iam', 'create-user', '--user-name', 'has space']);
    expect(bad.err).toMatch(/\(ValidationError\) when calling the CreateUser operation: 1 validation error detected: Value 'has space' at 'userName'/);
    const conv = await aws(['bedrock-runtime', 'converse', '--model-id', US, '--messages', '[{"role":"assistant","content":[{"text":"hi"}]}]']);
    expect(conv.err).toMatch(/\(ValidationException\) when calling the Converse operation: A conversation must start with a user message/);
    const badId = await aws(['bedrock-runtime', 'converse', '--model-id', 'us.anthropic claude', '--messages', '[{"role":"user","content":[{"text":"hi"}]}]']);
    expect(badId.err).toMatch(/\(ValidationException\) when calling the Converse operation: 1 validation error detected: Value 'us.anthropic claude' at 'modelId' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    await aws(['iam', 'create-user', '--user-name', 'cli-ssc']);
    for (let i = 0; i < 2; i++) await aws(['iam', 'create-service-specific-credential', '--user-name', 'cli-ssc', '--service-name', 'bedrock.amazonaws.com']);
    const creds = await aws(['iam', 'list-service-specific-credentials', '--user-name', 'cli-ssc', '--max-items', '1']);
    // botocore 1.43 has no paginator for this operation: --max-items is the API's MaxItems.
    const credsPage = JSON.parse(creds.out) as { ServiceSpecificCredentials: unknown[]; IsTruncated: boolean; Marker?: string };
    expect(credsPage.ServiceSpecificCredentials).toHaveLength(1);
    expect(credsPage).toMatchObject({ IsTruncated: true, Marker: expect.any(String) });
    const rest = await aws(['iam', 'list-service-specific-credentials', '--user-name', 'cli-ssc', '--marker', credsPage.Marker!]);
    expect(JSON.parse(rest.out)).toMatchObject({ ServiceSpecificCredentials: [expect.anything()], IsTruncated: false });
    await aws(['iam', 'create-user', '--user-name', 'cli-pager']);
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    for (const n of ['x', 'y', 'z']) await aws(['iam', 'put-user-policy', '--user-name', 'cli-pager', '--policy-name', n, '--policy-document', doc]);
    const listed = await aws(['iam', 'list-user-policies', '--user-name', 'cli-pager', '--page-size', '1']);
    expect(JSON.parse(listed.out)).toMatchObject({ PolicyNames: ['x', 'y', 'z'] });
    const profiles = await aws(['bedrock', 'list-inference-profiles', '--page-size', '1']);
    expect((JSON.parse(profiles.out) as { inferenceProfileSummaries: unknown[] }).inferenceProfileSummaries.length).toBeGreaterThan(2);
    const garbled = await aws(['bedrock', 'list-inference-profiles', '--no-paginate', '--next-token', 'garbled']);
    expect(garbled.err).toMatch(/\(ValidationException\) when calling the ListInferenceProfiles operation/);
  });
});
