// The emulator refuses what AWS refuses at the SigV4 and protocol layer (issue 11 §3), and faults
// are injected by operation name, refused where AWS could not send them (issue 11 §4). Requests
// that no SDK would send are signed here with the SDK's own signer and sent over plain HTTP.
import { Sha256 } from '@aws-crypto/sha256-js';
import { BedrockClient, GetInferenceProfileCommand, ListInferenceProfilesCommand } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sdkConfig, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let host: string;
beforeAll(async () => {
  emu = await startTestEmulator();
  host = new URL(emu.url).host;
});
afterAll(async () => emu.close());
beforeEach(async () => emu.control.clearFaults());

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const STS_BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: string }
function send(method: string, path: string, headers: Record<string, string>, body: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const r = request(`${emu.url}${path}`, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** Signs with the SDK's signer; `tweak` may change the request after signing (what a tamperer does). */
async function signed(o: { method?: string; path?: string; body: string; region?: string; service: string; contentType?: string; headers?: Record<string, string>; signingDate?: Date; unsignable?: string[]; tweak?: (h: Record<string, string>) => void; bodyAfter?: string }): Promise<Raw> {
  const signer = new SignatureV4({ credentials: { accessKeyId: emu.admin.accessKeyId, secretAccessKey: emu.admin.secretAccessKey }, region: o.region ?? 'us-east-1', service: o.service, sha256: Sha256, applyChecksum: false });
  const headers: Record<string, string> = { host, 'content-type': o.contentType ?? 'application/x-www-form-urlencoded; charset=utf-8', ...o.headers };
  const req = await signer.sign({ method: o.method ?? 'POST', protocol: 'http:', hostname: host.split(':')[0]!, port: Number(host.split(':')[1]), path: o.path ?? '/', query: {}, headers, body: o.body } as never, { signingDate: o.signingDate, unsignableHeaders: new Set(o.unsignable ?? []) });
  const h = { ...(req as unknown as { headers: Record<string, string> }).headers };
  o.tweak?.(h);
  return send(o.method ?? 'POST', o.path ?? '/', h, o.bodyAfter ?? o.body);
}

const xmlCode = (r: Raw) => /<Code>([^<]*)<\/Code>/.exec(r.body)?.[1];
const xmlMessage = (r: Raw) => /<Message>([^<]*)<\/Message>/.exec(r.body)?.[1]?.replace(/&apos;/g, "'");
const jsonError = (r: Raw) => ({ code: r.headers['x-amzn-errortype'], message: (JSON.parse(r.body) as { message: string }).message });

describe('the credential scope is enforced as AWS enforces it', () => {
  it('a scope date that differs from X-Amz-Date is refused with AWS\'s text', async () => {
    const r = await signed({ service: 'sts', body: STS_BODY, tweak: (h) => {
      h.authorization = h.authorization!.replace(/Credential=([^/]+)\/(\d{8})\//, (_m, k: string) => `Credential=${k}/20200101/`);
    } });
    expect(r.status).toBe(403);
    expect(xmlCode(r)).toBe('SignatureDoesNotMatch');
    const day = h8(new Date());
    expect(xmlMessage(r)).toMatch(new RegExp(`^Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20200101' != '${day}', from '${day}T\\d{6}Z'\\.$`));
  });

  it('IAM signed for a region other than us-east-1 is refused (SDK and AWS CLI see SignatureDoesNotMatch)', async () => {
    const e = await new IAMClient(sdkConfig(emu, 'eu-west-1', emu.admin)).send(new GetUserCommand({})).catch((x: Error) => x);
    expect((e as Error).name).toBe('SignatureDoesNotMatch');
    expect((e as Error).message).toBe("Credential should be scoped to a valid region, not 'eu-west-1'. ");
    // The same client in us-east-1 is served.
    expect((await new IAMClient(sdkConfig(emu, 'us-east-1', emu.admin)).send(new GetUserCommand({}))).User?.UserName).toBe('admin');
  });

  it('a request signed for another service is refused: sts signed as iam, iam as sts, Bedrock as s3', async () => {
    const a = await signed({ service: 'iam', body: STS_BODY });
    expect([a.status, xmlCode(a), xmlMessage(a)]).toEqual([403, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'sts'. "]);
    const b = await signed({ service: 'sts', body: 'Action=GetUser&Version=2010-05-08' });
    expect([b.status, xmlCode(b), xmlMessage(b)]).toEqual([403, 'SignatureDoesNotMatch', "Credential should be scoped to correct service: 'iam'. "]);
    const c = await signed({ method: 'GET', path: '/inference-profiles', service: 's3', body: '', contentType: 'application/json' });
    expect(c.status).toBe(403);
    expect(jsonError(c)).toEqual({ code: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'bedrock'. " });
  });

  it('host must be a signed header', async () => {
    const r = await signed({ service: 'sts', body: STS_BODY, unsignable: ['host'] });
    expect(r.status).toBe(403);
    expect(xmlMessage(r)).toBe("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  });

  it('a body changed after signing with UNSIGNED-PAYLOAD is refused: these services hash the payload themselves', async () => {
    const msg = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hello' }] }] });
    const path = `/model/${encodeURIComponent(`us.${S}`)}/converse`;
    const ok = await signed({ path, service: 'bedrock', body: msg, contentType: 'application/json' });
    expect(ok.status).toBe(200);
    const tampered = await signed({ path, service: 'bedrock', body: msg, contentType: 'application/json', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, bodyAfter: msg.replace('hello', 'exfiltrate') });
    expect(tampered.status).toBe(403);
    expect(jsonError(tampered).code).toBe('InvalidSignatureException');
    const iam = await signed({ service: 'iam', body: 'Action=GetUser&Version=2010-05-08', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, bodyAfter: 'Action=GetUser&Version=2010-05-08&UserName=someone-else' });
    expect([iam.status, xmlCode(iam)]).toEqual([403, 'SignatureDoesNotMatch']);
  });
});

function h8(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

describe('unauthenticated and malformed requests', () => {
  it('no Authorization header: MissingAuthenticationToken, as XML for STS and IAM', async () => {
    for (const body of [STS_BODY, 'Action=GetUser&Version=2010-05-08']) {
      const r = await send('POST', '/', { host, 'content-type': 'application/x-www-form-urlencoded' }, body);
      expect(r.status).toBe(403);
      expect(r.headers['content-type']).toMatch(/xml/);
      expect([xmlCode(r), xmlMessage(r)]).toEqual(['MissingAuthenticationToken', 'Request is missing Authentication Token']);
    }
    const b = await send('GET', '/inference-profiles', { host }, '');
    expect(b.status).toBe(403);
    expect(jsonError(b).code).toBe('MissingAuthenticationTokenException');
  });

  it("a malformed X-Amz-Date is refused with AWS's text", async () => {
    const r = await signed({ service: 'sts', body: STS_BODY, tweak: (h) => { h['x-amz-date'] = 'Tue, 01 Jul 2025 10:00:00 GMT'; } });
    expect(r.status).toBe(400);
    expect(xmlCode(r)).toBe('IncompleteSignature');
    expect(xmlMessage(r)).toBe("Date must be in ISO-8601 'basic format'. Got 'Tue, 01 Jul 2025 10:00:00 GMT'. See http://en.wikipedia.org/wiki/ISO_8601");
  });
});

describe('unknown operations answer as AWS does, never as a modeled error', () => {
  it('IAM and STS: InvalidAction (400), not InvalidInput', async () => {
    for (const [service, body] of [['iam', 'Action=ListGroups&Version=2010-05-08'], ['sts', 'Action=GetFederationTokenX&Version=2011-06-15']] as const) {
      const r = await signed({ service, body });
      expect([r.status, xmlCode(r)]).toEqual([400, 'InvalidAction']);
    }
  });

  it("Bedrock: an unknown route is UnknownOperationException (404), not ResourceNotFoundException", async () => {
    const r = await signed({ method: 'GET', path: '/custom-models', service: 'bedrock', body: '', contentType: 'application/json' });
    expect(r.status).toBe(404);
    expect(r.body).toBe('<UnknownOperationException/>');
    expect(r.headers['x-amzn-errortype']).toBeUndefined();
  });
});

describe("the emulator's own AWS data", () => {
  it('a global profile lists the region-less foundation-model ARN first, then the source region\'s, as AWS returns it', async () => {
    const b = new BedrockClient(sdkConfig(emu, 'eu-west-1', emu.admin));
    const p = await b.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `global.${S}` }));
    expect(p.models?.map((m) => m.modelArn)).toEqual([`arn:aws:bedrock:::foundation-model/${S}`, `arn:aws:bedrock:eu-west-1::foundation-model/${S}`]);
    expect(p.description).toBe('Routes requests to Claude Sonnet 4.5 globally across all supported AWS Regions.');
    const us = await new BedrockClient(sdkConfig(emu, 'us-west-1', emu.admin)).send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `us.${S}` }));
    expect(us.description).toBe('Routes requests to Anthropic Claude Sonnet 4.5 in us-east-1, us-east-2, us-west-1 and us-west-2.');
  });
});

describe('faults by operation name', () => {
  const bedrock = () => new BedrockClient(sdkConfig(emu, 'us-east-1', emu.admin));

  it('a fault on GetInferenceProfile fires on GetInferenceProfile and on nothing else', async () => {
    await emu.control.addFault({ operation: 'GetInferenceProfile', count: 1, error: { code: 'ThrottlingException' } });
    expect((await bedrock().send(new ListInferenceProfilesCommand({}))).inferenceProfileSummaries?.length).toBeGreaterThan(0);
    const e = await bedrock().send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `us.${S}` })).catch((x: Error) => x);
    expect((e as Error).name).toBe('ThrottlingException');
    expect((await bedrock().send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: `us.${S}` }))).inferenceProfileId).toBe(`us.${S}`);
  });

  it('a fault AWS cannot send for that operation is refused by the control API', async () => {
    const refused = async (spec: Parameters<TestEmulator['control']['addFault']>[0]) => {
      const e = await emu.control.addFault(spec).then(() => null, (x: Error & { status?: number }) => x);
      return e?.status;
    };
    expect(await refused({ operation: 'GetInferenceProfile', error: { code: 'ModelTimeoutException' } })).toBe(400);
    expect(await refused({ service: 'iam', error: { code: 'ThrottlingException' } })).toBe(400);
    expect(await refused({ operation: 'inference-profiles', error: { code: 'ThrottlingException' } })).toBe(400);
    expect(await refused({ service: 'sts', operation: 'Converse', error: { code: 'ThrottlingException' } })).toBe(400);
    expect(await refused({ operation: 'Converse', midStream: true, error: { code: 'ThrottlingException' } })).toBe(400);
    expect(await refused({ operation: 'ConverseStream', midStream: true, error: { code: 'ModelTimeoutException' } })).toBe(400);
    // Allowed: modeled, or common to every operation of the protocol.
    expect(await refused({ operation: 'Converse', error: { code: 'ModelTimeoutException' } })).toBeUndefined();
    expect(await refused({ service: 'iam', operation: 'CreateUser', error: { code: 'Throttling' } })).toBeUndefined();
    expect(await refused({ operation: 'GetCallerIdentity', error: { code: 'ExpiredToken' } })).toBeUndefined();
  });

  it('a fault with no operation fires only where AWS could send that error', async () => {
    await emu.control.addFault({ error: { code: 'ServiceQuotaExceededException' }, count: 5 });
    const rt = new BedrockRuntimeClient(sdkConfig(emu, 'us-east-1', emu.admin));
    expect((await rt.send(new ConverseCommand({ modelId: `us.${S}`, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }))).stopReason).toBeDefined();
    expect((await new STSClient(sdkConfig(emu, 'us-east-1', emu.admin)).send(new GetCallerIdentityCommand({}))).Account).toBe(emu.admin.accountId);
  });
});
