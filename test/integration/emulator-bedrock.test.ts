// Bedrock and Bedrock Runtime through the real SDK clients: results, event streams, the
// least-privilege policies of reference aws.md §3.2/§3.3 and what happens when one part is missing.
import { BedrockClient, GetFoundationModelAvailabilityCommand, GetFoundationModelCommand, GetInferenceProfileCommand, GetUseCaseForModelAccessCommand, ListFoundationModelsCommand, ListInferenceProfilesCommand, PutUseCaseForModelAccessCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, InvokeModelCommand, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const O = 'anthropic.claude-opus-4-5-20251101-v1:0';
let emu: TestEmulator;
let iam: IAMClient;
beforeAll(async () => {
  emu = await startTestEmulator();
  iam = new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin));
});
afterAll(async () => emu.close());

const errOf = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e);
const msg = [{ role: 'user' as const, content: [{ text: 'Say hello' }] }];

let userN = 0;
async function userWith(policy: object) {
  const name = `u${++userN}`;
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
}
const runtime = (region: string, creds: { accessKeyId: string; secretAccessKey: string }) => new BedrockRuntimeClient(sdkConfig(emu, region, creds));

// §3.2, with InvokeModelWithResponseStream beside InvokeModel so ConverseStream works too.
function geoPolicy(account: string, source: string, profile: string, model: string, dests: string[]) {
  const pArn = `arn:aws:bedrock:${source}:${account}:inference-profile/${profile}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'GrantGeoCrisInferenceProfileAccess', Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], Resource: [pArn] },
      { Sid: 'GrantGeoCrisModelAccess', Effect: 'Allow', Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], Resource: dests.map((d) => `arn:aws:bedrock:${d}::foundation-model/${model}`), Condition: { StringEquals: { 'bedrock:InferenceProfileArn': pArn } } },
      { Sid: 'MarketplaceFirstUse', Effect: 'Allow', Action: ['aws-marketplace:Subscribe', 'aws-marketplace:ViewSubscriptions'], Resource: '*', Condition: { StringEquals: { 'aws:CalledViaLast': 'bedrock.amazonaws.com' } } },
    ],
  };
}
// §3.3 three-part global policy.
function globalPolicy(account: string, region: string, model: string, parts = [true, true, true]) {
  const pArn = `arn:aws:bedrock:${region}:${account}:inference-profile/global.${model}`;
  const actions = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
  const st = [
    { Effect: 'Allow', Action: actions, Resource: [pArn], Condition: { StringEquals: { 'aws:RequestedRegion': region } } },
    { Effect: 'Allow', Action: actions, Resource: [`arn:aws:bedrock:${region}::foundation-model/${model}`], Condition: { StringEquals: { 'aws:RequestedRegion': region, 'bedrock:InferenceProfileArn': pArn } } },
    { Effect: 'Allow', Action: actions, Resource: [`arn:aws:bedrock:::foundation-model/${model}`], Condition: { StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': pArn } } },
  ].filter((_, i) => parts[i]);
  st.push({ Effect: 'Allow', Action: ['aws-marketplace:Subscribe', 'aws-marketplace:ViewSubscriptions'], Resource: ['*'], Condition: { StringEquals: { 'aws:CalledViaLast': 'bedrock.amazonaws.com' } } } as never);
  return { Version: '2012-10-17', Statement: st };
}

describe('control plane', () => {
  it('lists models and the profiles whose source is the request region, with destinations', async () => {
    const b = new BedrockClient(sdkConfig(emu, 'eu-west-1', emu.admin));
    const models = await b.send(new ListFoundationModelsCommand({ byProvider: 'Anthropic' }));
    expect(models.modelSummaries?.map((m) => m.modelId).sort()).toEqual([O, S]);
    // Neither model is invocable on demand (profiles only): the filter honours that.
    expect((await b.send(new ListFoundationModelsCommand({ byInferenceType: 'ON_DEMAND' }))).modelSummaries).toEqual([]);
    const list = await b.send(new ListInferenceProfilesCommand({}));
    const ids = list.inferenceProfileSummaries!.map((p) => p.inferenceProfileId).sort();
    expect(ids).toEqual([`eu.${O}`, `eu.${S}`, `global.${O}`, `global.${S}`]);
    const eu = await b.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `eu.${S}` }));
    expect(eu).toMatchObject({ status: 'ACTIVE', type: 'SYSTEM_DEFINED', inferenceProfileArn: `arn:aws:bedrock:eu-west-1:${emu.admin.accountId}:inference-profile/eu.${S}` });
    expect(eu.models).toHaveLength(6);
    expect(eu.createdAt).toBeInstanceOf(Date);
    expect((await errOf(b.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `us.${S}` }))))?.name).toBe('ResourceNotFoundException');
    const av = await b.send(new GetFoundationModelAvailabilityCommand({ modelId: S }));
    expect(av).toMatchObject({ modelId: S, authorizationStatus: 'AUTHORIZED', regionAvailability: 'AVAILABLE' });
    const fm = await b.send(new GetFoundationModelCommand({ modelIdentifier: O }));
    expect(fm.modelDetails).toMatchObject({ modelId: O, modelArn: `arn:aws:bedrock:eu-west-1::foundation-model/${O}`, providerName: 'Anthropic' });
    expect((await errOf(b.send(new GetFoundationModelCommand({ modelIdentifier: 'anthropic.claude-nope-v1:0' }))))?.name).toBe('ResourceNotFoundException');
  });

  it('a profile AWS changes (control API): GetInferenceProfile, ListInferenceProfiles and the runtime follow', async () => {
    const b = new BedrockClient(sdkConfig(emu, 'eu-west-1', emu.admin));
    await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: ['eu-west-1', 'eu-west-2'] });
    try {
      const eu = await b.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `eu.${S}` }));
      expect(eu.models?.map((m) => m.modelArn)).toEqual([`arn:aws:bedrock:eu-west-1::foundation-model/${S}`, `arn:aws:bedrock:eu-west-2::foundation-model/${S}`]);
      // A source AWS drops: gone from the list, and calling it is an invalid identifier.
      await emu.control.changeProfile({ profileId: `eu.${S}`, sourceRegion: 'eu-west-1', destinations: [] });
      const ids = (await b.send(new ListInferenceProfilesCommand({}))).inferenceProfileSummaries!.map((p) => p.inferenceProfileId);
      expect(ids).not.toContain(`eu.${S}`);
      const e = await errOf(runtime('eu-west-1', emu.admin).send(new ConverseCommand({ modelId: `eu.${S}`, messages: msg })));
      expect(e).toMatchObject({ name: 'ValidationException', message: 'The provided model identifier is invalid.' });
    } finally {
      await emu.control.clearProfileChanges();
    }
    expect((await b.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `eu.${S}` }))).models).toHaveLength(6);
  });

  it('the use-case form: missing, submitted, validated', async () => {
    const acct = await emu.control.createAccount({ useCaseSubmitted: false });
    const b = new BedrockClient(sdkConfig(emu, 'us-east-1', acct.admin));
    expect((await errOf(b.send(new GetUseCaseForModelAccessCommand({}))))?.name).toBe('ResourceNotFoundException');
    expect((await b.send(new GetFoundationModelAvailabilityCommand({ modelId: O }))).authorizationStatus).toBe('NOT_AUTHORIZED');
    const rt = runtime('us-east-1', acct.admin);
    const e = await errOf(rt.send(new ConverseCommand({ modelId: `us.${S}`, messages: msg })));
    // AWS's whole answer (corpus e024).
    expect(e).toMatchObject({ name: 'ResourceNotFoundException', message: 'Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes.' });
    expect((await errOf(b.send(new PutUseCaseForModelAccessCommand({ formData: Buffer.from('{"companyName":"x"}') }))))?.name).toBe('ValidationException');
    const form = { companyName: 'Acme Bank', companyWebsite: 'https://acme.example', intendedUsers: '0', industryOption: 'Financial services', otherIndustryOption: '', useCases: 'Incident analysis' };
    await b.send(new PutUseCaseForModelAccessCommand({ formData: Buffer.from(JSON.stringify(form)) }));
    const got = await b.send(new GetUseCaseForModelAccessCommand({}));
    expect(JSON.parse(Buffer.from(got.formData!).toString())).toEqual(form);
    expect((await rt.send(new ConverseCommand({ modelId: `us.${S}`, messages: msg }))).stopReason).toBe('end_turn');
  });
});

describe('runtime', () => {
  it('Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream through a profile', async () => {
    const rt = runtime('us-east-1', emu.admin);
    const c = await rt.send(new ConverseCommand({ modelId: `us.${S}`, messages: msg, inferenceConfig: { maxTokens: 1 } }));
    expect(c).toMatchObject({ stopReason: 'max_tokens', usage: { outputTokens: 1 } });
    const s = await rt.send(new ConverseStreamCommand({ modelId: `global.${O}`, messages: msg }));
    let text = '';
    let stop = '';
    for await (const ev of s.stream!) {
      text += ev.contentBlockDelta?.delta?.text ?? '';
      if (ev.messageStop) stop = ev.messageStop.stopReason!;
    }
    expect(text).toMatch(/Opus 4.5/);
    expect(stop).toBe('end_turn');
    const inv = await rt.send(new InvokeModelCommand({ modelId: `us.${O}`, contentType: 'application/json', body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }) }));
    expect(JSON.parse(Buffer.from(inv.body).toString())).toMatchObject({ type: 'message', role: 'assistant' });
    const ws = await rt.send(new InvokeModelWithResponseStreamCommand({ modelId: `us.${S}`, contentType: 'application/json', body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }) }));
    const types: string[] = [];
    for await (const ev of ws.body!) types.push(JSON.parse(Buffer.from(ev.chunk!.bytes!).toString()).type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
  });

  it('refuses a bare model ID on demand, an unknown model, and a profile from a non-source region', async () => {
    const rt = runtime('us-east-1', emu.admin);
    const bare = await errOf(rt.send(new ConverseCommand({ modelId: S, messages: msg })));
    expect(bare?.name).toBe('ValidationException');
    expect(bare?.message).toMatch(/on-demand throughput isn\u2019t supported/);
    expect((await errOf(rt.send(new ConverseCommand({ modelId: 'us.anthropic.nope-v1:0', messages: msg }))))?.name).toBe('ValidationException');
    expect((await errOf(rt.send(new ConverseCommand({ modelId: `eu.${S}`, messages: msg }))))?.name).toBe('ValidationException');
  });

  it('a mid-stream exception event reaches the SDK as that exception', async () => {
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'ConverseStream', count: 1, error: { code: 'ThrottlingException' }, midStream: true });
    const s = await runtime('us-east-1', emu.admin).send(new ConverseStreamCommand({ modelId: `us.${S}`, messages: msg }));
    const e = await (async () => {
      for await (const ev of s.stream!) void ev;
    })().then(() => null, (x: Error) => x);
    expect(e?.name).toBe('ThrottlingException');
  });
});

describe('least-privilege policies (reference aws.md §3)', () => {
  it('geographic: the documented policy works; missing one destination region fails as AWS documents', async () => {
    const dests = ['us-east-1', 'us-east-2', 'us-west-2'];
    const full = await userWith(geoPolicy(emu.admin.accountId, 'us-east-1', `us.${S}`, S, dests));
    const rt = runtime('us-east-1', full);
    expect((await rt.send(new ConverseCommand({ modelId: `us.${S}`, messages: msg, inferenceConfig: { maxTokens: 1 } }))).usage?.outputTokens).toBe(1);
    const st = await rt.send(new ConverseStreamCommand({ modelId: `us.${S}`, messages: msg }));
    for await (const ev of st.stream!) void ev;
    for (const missing of dests) {
      const partial = await userWith(geoPolicy(emu.admin.accountId, 'us-east-1', `us.${S}`, S, dests.filter((d) => d !== missing)));
      const e = await errOf(runtime('us-east-1', partial).send(new ConverseCommand({ modelId: `us.${S}`, messages: msg })));
      expect(e?.name).toBe('AccessDeniedException');
      expect(e?.message).toContain(`bedrock:InvokeModel on resource: arn:aws:bedrock:${missing}::foundation-model/${S}`);
    }
    // InvokeModel alone does not allow the streaming call.
    const invokeOnly = geoPolicy(emu.admin.accountId, 'us-east-1', `us.${S}`, S, dests);
    for (const s of invokeOnly.Statement.slice(0, 2)) (s as { Action: string[] }).Action = ['bedrock:InvokeModel'];
    const e = await errOf((async () => {
      const r = await runtime('us-east-1', await userWith(invokeOnly)).send(new ConverseStreamCommand({ modelId: `us.${S}`, messages: msg }));
      for await (const ev of r.stream!) void ev;
    })());
    expect(e?.message).toContain('bedrock:InvokeModelWithResponseStream');
  });

  it('global: all three statements needed; without the region-less one the call is denied', async () => {
    const ok = await userWith(globalPolicy(emu.admin.accountId, 'eu-central-1', O));
    expect((await runtime('eu-central-1', ok).send(new ConverseCommand({ modelId: `global.${O}`, messages: msg }))).stopReason).toBe('end_turn');
    for (const i of [0, 1, 2]) {
      const parts = [true, true, true];
      parts[i] = false;
      const u = await userWith(globalPolicy(emu.admin.accountId, 'eu-central-1', O, parts));
      const e = await errOf(runtime('eu-central-1', u).send(new ConverseCommand({ modelId: `global.${O}`, messages: msg })));
      expect(e?.name, `statement ${i + 1} removed`).toBe('AccessDeniedException');
    }
  });

  it('first use needs the Marketplace permissions (reference §3.4)', async () => {
    const p = geoPolicy(emu.admin.accountId, 'us-east-1', `us.${O}`, O, ['us-east-1', 'us-east-2', 'us-west-2']);
    p.Statement.pop();
    const acct = await emu.control.createAccount();
    const acctIam = new IAMClient(sdkConfig(emu, 'us-east-1', acct.admin));
    await acctIam.send(new CreateUserCommand({ UserName: 'm' }));
    await acctIam.send(new PutUserPolicyCommand({ UserName: 'm', PolicyName: 'p', PolicyDocument: JSON.stringify(geoPolicy(acct.accountId, 'us-east-1', `us.${O}`, O, ['us-east-1', 'us-east-2', 'us-west-2']).Statement.slice(0, 2).length ? { Version: '2012-10-17', Statement: geoPolicy(acct.accountId, 'us-east-1', `us.${O}`, O, ['us-east-1', 'us-east-2', 'us-west-2']).Statement.slice(0, 2) } : p) }));
    const k = await acctIam.send(new CreateAccessKeyCommand({ UserName: 'm' }));
    const e = await errOf(runtime('us-east-1', { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }).send(new ConverseCommand({ modelId: `us.${O}`, messages: msg })));
    expect(e?.name).toBe('AccessDeniedException');
    expect(e?.message).toMatch(/AWS Marketplace actions/);
    // Once anyone in the account has subscribed, the same user can invoke.
    await runtime('us-east-1', acct.admin).send(new ConverseCommand({ modelId: `us.${O}`, messages: msg }));
    expect((await runtime('us-east-1', { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }).send(new ConverseCommand({ modelId: `us.${O}`, messages: msg }))).stopReason).toBe('end_turn');
  });
});
