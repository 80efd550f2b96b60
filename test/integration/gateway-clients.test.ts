// byok gateway (issue 13) with unmodified Bedrock clients against the emulator as the upstream:
// the AWS SDK v3 BedrockRuntimeClient with a bearer token, the AWS CLI (botocore reads
// AWS_BEARER_TOKEN_BEDROCK), and the Anthropic Bedrock SDK each complete their calls through it.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, InvokeModelCommand, InvokeModelWithResponseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
import type { GatewayHandle } from '../../src/app/gateway/server.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { gatewaySetup, settled, type GatewaySetup } from '../helpers/gateway.js';

const EU_SONNET = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
const hasAws = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasAws) console.warn('\n!!! AWS CLI NOT FOUND: the gateway is NOT being checked against the real AWS CLI in this run !!!\n');

let emu: TestEmulator;
let s: GatewaySetup;
let gw: GatewayHandle;
let token: string;
beforeAll(async () => {
  emu = await startTestEmulator();
  s = await gatewaySetup(emu, { geography: 'eu', region: 'eu-west-1', policy: 'strict', members: ['bob'] });
  token = (await s.token('bob')).token;
  gw = await s.start();
});
afterAll(async () => {
  await gw?.close(1000);
  await emu?.close();
  s?.t.cleanup();
});

const sdk = (tok = token) => new BedrockRuntimeClient({ region: 'eu-west-1', endpoint: gw.url, token: { token: tok }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
const converseInput = { modelId: EU_SONNET, messages: [{ role: 'user' as const, content: [{ text: 'Summarise the quarterly report' }] }], inferenceConfig: { maxTokens: 200 } };
const invokeBody = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, messages: [{ role: 'user', content: 'Summarise the quarterly report' }] });
const runtimeAtEmulator = async () => (await emu.control.requests()).requests.filter((r) => r.service === 'bedrock-runtime');

describe('the AWS SDK v3 BedrockRuntimeClient with a bearer token, through the gateway', () => {
  it('completes Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream, each served from the workspace region', async () => {
    const before = (await runtimeAtEmulator()).length;
    const c = sdk();
    const conv = await c.send(new ConverseCommand(converseInput));
    expect(conv.output?.message?.content?.[0]?.text).toMatch(/^Hello from the byok emulator \(Claude Sonnet 4\.5\)\. You asked about: Summarise the quarterly report$/);
    expect(conv.usage?.outputTokens).toBeGreaterThan(0);

    const stream = await c.send(new ConverseStreamCommand(converseInput));
    let text = '';
    let stop: string | undefined;
    for await (const ev of stream.stream!) {
      if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
      if (ev.messageStop) stop = ev.messageStop.stopReason;
    }
    expect(text).toBe(conv.output?.message?.content?.[0]?.text);
    expect(stop).toBe('end_turn');

    const inv = await c.send(new InvokeModelCommand({ modelId: EU_SONNET, contentType: 'application/json', body: invokeBody }));
    const msg = JSON.parse(Buffer.from(inv.body).toString('utf8')) as { content: { text: string }[]; usage: { output_tokens: number } };
    expect(msg.content[0]!.text).toMatch(/You asked about: Summarise the quarterly report/);

    const invStream = await c.send(new InvokeModelWithResponseStreamCommand({ modelId: EU_SONNET, contentType: 'application/json', body: invokeBody }));
    let streamed = '';
    for await (const ev of invStream.body!) {
      const chunk = JSON.parse(Buffer.from(ev.chunk!.bytes!).toString('utf8')) as { type: string; delta?: { text?: string } };
      if (chunk.type === 'content_block_delta') streamed += chunk.delta!.text;
    }
    expect(streamed).toBe(msg.content[0]!.text);
    c.destroy();

    await settled(gw);
    const seen = (await runtimeAtEmulator()).slice(before);
    expect(seen.map((r) => [r.operation, r.region, r.modelId, r.status]), JSON.stringify(seen)).toEqual([
      ['Converse', 'eu-west-1', EU_SONNET, 200],
      ['ConverseStream', 'eu-west-1', EU_SONNET, 200],
      ['InvokeModel', 'eu-west-1', EU_SONNET, 200],
      ['InvokeModelWithResponseStream', 'eu-west-1', EU_SONNET, 200],
    ]);
    await settled(gw);
    const lines = s.logs.filter((l) => l.user === 'bob' && l.status === 200).slice(-4);
    expect(lines.map((l) => [l.operation, l.profile, l.region, l.servedBy, l.fallback]), JSON.stringify(s.logs.slice(-6))).toEqual([
      ['Converse', EU_SONNET, 'eu-west-1', 'byok', false],
      ['ConverseStream', EU_SONNET, 'eu-west-1', 'byok', false],
      ['InvokeModel', EU_SONNET, 'eu-west-1', 'byok', false],
      ['InvokeModelWithResponseStream', EU_SONNET, 'eu-west-1', 'byok', false],
    ]);
    for (const l of lines) {
      expect(typeof l.inputTokens).toBe('number');
      expect(typeof l.outputTokens).toBe('number');
    }
  });

  it('a base model ID is served through the workspace profile; a us. profile is refused naming the EU geography, never forwarded', async () => {
    const before = (await runtimeAtEmulator()).length;
    const c = sdk();
    const base = await c.send(new ConverseCommand({ ...converseInput, modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0' }));
    expect(base.output?.message?.content?.[0]?.text).toMatch(/Claude Sonnet 4\.5/);
    const us = await c.send(new ConverseCommand({ ...converseInput, modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' })).catch((e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode: number } });
    expect(us).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect((us as { message: string }).message).toMatch(/not forwarded: workspace ws keeps inference inside EU, and /);
    const arn = await c.send(new ConverseCommand({ ...converseInput, modelId: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0' })).catch((e: unknown) => e as { name: string; message: string });
    expect(arn).toMatchObject({ name: 'ValidationException' });
    expect((arn as { message: string }).message).toMatch(/us-east-1, outside the EU geography/);
    const haiku = await c.send(new ConverseCommand({ ...converseInput, modelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' })).catch((e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode: number } });
    expect(haiku).toMatchObject({ name: 'ResourceNotFoundException', message: 'The specified resource ARN was not found.', $metadata: { httpStatusCode: 404 } });
    c.destroy();
    const seen = (await runtimeAtEmulator()).slice(before);
    expect(seen.map((r) => [r.operation, r.region, r.modelId])).toEqual([['Converse', 'eu-west-1', EU_SONNET]]);
  });

  it('a request without a valid token gets AWS 403 shape and never reaches the emulator', async () => {
    const before = (await emu.control.requests()).requests.length;
    const wrong = await sdk(`byok_gw_${'A'.repeat(43)}`).send(new ConverseCommand(converseInput)).catch((e: unknown) => e as { name: string; message: string; $metadata: { httpStatusCode: number } });
    expect(wrong).toMatchObject({ name: 'AccessDeniedException', message: 'Authentication failed: Please make sure your API Key is valid.', $metadata: { httpStatusCode: 403 } });
    const none = await fetch(`${gw.url}/model/${encodeURIComponent(EU_SONNET)}/converse`, { method: 'POST', body: JSON.stringify(converseInput) });
    expect(none.status).toBe(403);
    expect(none.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    // A SigV4-signed request (the workspace's own kind of credentials) is not a gateway token either.
    const sigv4 = new BedrockRuntimeClient({ region: 'eu-west-1', endpoint: gw.url, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40) }, maxAttempts: 1 });
    const signed = await sigv4.send(new ConverseCommand(converseInput)).catch((e: unknown) => e as { name: string });
    expect(signed).toMatchObject({ name: 'AccessDeniedException' });
    sigv4.destroy();
    expect((await emu.control.requests()).requests.length).toBe(before);
  });

  it('a revoked token is refused from the next request', async () => {
    const t2 = await s.token('bob');
    const c = sdk(t2.token);
    await c.send(new ConverseCommand(converseInput));
    expect((await s.byok(['gateway', 'token', 'revoke', t2.id])).code).toBe(0);
    const after = await c.send(new ConverseCommand(converseInput)).catch((e: unknown) => e as { name: string });
    expect(after).toMatchObject({ name: 'AccessDeniedException' });
    c.destroy();
  });
});

describe('the Anthropic Bedrock SDK (what Claude Code sends), with the token as its API key', () => {
  it('completes InvokeModel (messages.create) and InvokeModelWithResponseStream (stream) through the gateway', async () => {
    const before = (await runtimeAtEmulator()).length;
    const client = new AnthropicBedrock({ awsRegion: 'eu-west-1', baseURL: gw.url, apiKey: token, maxRetries: 0 });
    const msg = await client.messages.create({ model: EU_SONNET, max_tokens: 200, messages: [{ role: 'user', content: 'Summarise the quarterly report' }] });
    const first = msg.content[0];
    expect(first?.type === 'text' ? first.text : '').toMatch(/You asked about: Summarise the quarterly report/);
    const stream = client.messages.stream({ model: EU_SONNET, max_tokens: 200, messages: [{ role: 'user', content: 'Summarise the quarterly report' }] });
    const final = await stream.finalText();
    expect(final).toBe(first?.type === 'text' ? first.text : '');
    const seen = (await runtimeAtEmulator()).slice(before);
    expect(seen.map((r) => [r.operation, r.region, r.modelId, r.status])).toEqual([
      ['InvokeModel', 'eu-west-1', EU_SONNET, 200],
      ['InvokeModelWithResponseStream', 'eu-west-1', EU_SONNET, 200],
    ]);
  });
});

function aws(args: string[], tok: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('aws', [...args, '--endpoint-url', gw.url, '--region', 'eu-west-1', '--output', 'json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', AWS_BEARER_TOKEN_BEDROCK: tok, AWS_MAX_ATTEMPTS: '1' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

function python(script: string, tok: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('python3', ['-c', script], { env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true', AWS_BEARER_TOKEN_BEDROCK: tok, GW: gw.url } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(!hasAws)('the AWS CLI with AWS_BEARER_TOKEN_BEDROCK and --endpoint-url', () => {
  it('completes converse and invoke-model; the streaming operations (which the CLI does not offer) through botocore, the CLI library, with the same token', async () => {
    const conv = await aws(['bedrock-runtime', 'converse', '--model-id', EU_SONNET, '--messages', JSON.stringify(converseInput.messages)], token);
    expect(conv.code, conv.err).toBe(0);
    expect((JSON.parse(conv.out) as { output: { message: { content: { text: string }[] } } }).output.message.content[0]!.text).toMatch(/You asked about: Summarise/);
    const outFile = `${s.t.dir}/invoke-out.json`;
    const inv = await aws(['bedrock-runtime', 'invoke-model', '--model-id', EU_SONNET, '--content-type', 'application/json', '--body', invokeBody, outFile], token);
    expect(inv.code, inv.err).toBe(0);
    expect((JSON.parse(readFileSync(outFile, 'utf8')) as { content: { text: string }[] }).content[0]!.text).toMatch(/You asked about: Summarise/);
    const bad = await aws(['bedrock-runtime', 'converse', '--model-id', EU_SONNET, '--messages', JSON.stringify(converseInput.messages)], `byok_gw_${'B'.repeat(43)}`);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/AccessDeniedException.*Authentication failed: Please make sure your API Key is valid\./);

    const py = await python(`
import os, json, botocore.session
c = botocore.session.get_session().create_client('bedrock-runtime', region_name='eu-west-1', endpoint_url=os.environ['GW'])
msgs = [{'role': 'user', 'content': [{'text': 'Summarise the quarterly report'}]}]
a = ''.join(e['contentBlockDelta']['delta']['text'] for e in c.converse_stream(modelId='${EU_SONNET}', messages=msgs)['stream'] if 'contentBlockDelta' in e)
b = ''
for e in c.invoke_model_with_response_stream(modelId='${EU_SONNET}', body=json.dumps({'anthropic_version': 'bedrock-2023-05-31', 'max_tokens': 200, 'messages': [{'role': 'user', 'content': 'Summarise the quarterly report'}]}))['body']:
    ch = json.loads(e['chunk']['bytes'])
    if ch['type'] == 'content_block_delta': b += ch['delta']['text']
print(json.dumps([a, b]))
`, token);
    expect(py.code, py.err).toBe(0);
    const [a, b] = JSON.parse(py.out) as [string, string];
    expect(a).toMatch(/You asked about: Summarise the quarterly report/);
    expect(b).toBe(a);
  });
});

describe('the token user must still belong to the workspace', () => {
  it('a member removed after their token was made is refused from the next request, and nothing is forwarded', async () => {
    expect((await s.byok(['workspace', 'add-member', 'dave'])).code).toBe(0);
    const { token: daves } = await s.token('dave');
    const c = sdk(daves);
    await c.send(new ConverseCommand(converseInput));
    expect((await s.byok(['workspace', 'remove-member', 'dave'])).code).toBe(0);
    const before = (await runtimeAtEmulator()).length;
    const e = await c.send(new ConverseCommand(converseInput)).catch((err: unknown) => err as { name: string; message: string; $metadata: { httpStatusCode: number } });
    expect(e).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    // remove-member revoked dave's tokens with the membership: the refusal is a revoked token's.
    expect((e as { message: string }).message).toMatch(/Please make sure your API Key is valid/);
    const list = JSON.parse((await s.byok(['gateway', 'token', 'list', '--json'])).stdout) as { tokens: { user: string; revokedAt: string | null }[] };
    expect(list.tokens.filter((t) => t.user === 'dave').every((t) => t.revokedAt)).toBe(true);
    expect((await runtimeAtEmulator()).length).toBe(before);
    c.destroy();
  });
});
