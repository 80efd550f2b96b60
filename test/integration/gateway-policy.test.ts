// byok gateway (issue 13): the fallback policy, re-read per request, applies to gateway clients as
// to `byok invoke`; many concurrent streams stay apart; a client that leaves cancels the upstream call.
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import type { GatewayHandle } from '../../src/app/gateway/server.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { gatewaySetup, settled, type GatewaySetup } from '../helpers/gateway.js';

const EU_SONNET = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
let emu: TestEmulator;
const open: { gw: GatewayHandle; s: GatewaySetup }[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterEach(async () => {
  await emu.control.clearFaults();
});
afterAll(async () => {
  for (const o of open) {
    await o.gw.close(1000);
    o.s.t.cleanup();
  }
  await emu.close();
});

async function setup(policy: 'allow' | 'warn' | 'strict') {
  const s = await gatewaySetup(emu, { geography: 'eu', region: 'eu-west-3', policy, members: ['carol'] });
  const { token } = await s.token('carol');
  const gw = await s.start();
  open.push({ gw, s });
  const client = new BedrockRuntimeClient({ region: 'eu-west-3', endpoint: gw.url, token: { token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
  const throttle = (count = 1) => emu.control.addFault({ service: 'bedrock-runtime', accountId: s.byokAccountId, count, error: { code: 'ThrottlingException' } });
  const events = async () => (JSON.parse((await s.byok(['audit', 'list', '--json'])).stdout) as { events: { type: string; user: string; details: Record<string, unknown> }[] }).events;
  const atEmulator = async () => (await emu.control.requests()).requests.filter((r) => r.service === 'bedrock-runtime' && (r.accountId === s.byokAccountId || r.accountId === s.platformAccountId));
  return { s, gw, client, token, throttle, events, atEmulator };
}

const input = (text = 'Summarise the quarterly report') => ({ modelId: EU_SONNET, messages: [{ role: 'user' as const, content: [{ text }] }], inferenceConfig: { maxTokens: 200 } });

describe('the fallback policy, for gateway clients', () => {
  it('strict never falls back: the client gets the ThrottlingException in AWS shape and nothing reaches the platform account', async () => {
    const x = await setup('strict');
    await x.throttle(1);
    const e = await x.client.send(new ConverseCommand(input())).catch((err: unknown) => err as { name: string; $metadata: { httpStatusCode: number } });
    expect(e).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
    expect((await x.atEmulator()).map((r) => [r.accountId, r.operation, r.status])).toEqual([[x.s.byokAccountId, 'Converse', 429]]);
    expect((await x.events()).filter((ev) => ev.type.startsWith('fallback'))).toEqual([]);
    await settled(x.gw);
    const line = x.s.logs.at(-1)!;
    expect(line).toMatchObject({ user: 'carol', status: 429, error: 'ThrottlingException', fallback: false });
  });

  it('allow falls back once, in the same region, on the platform account; its audit event names the token user', async () => {
    const x = await setup('allow');
    await x.throttle(1);
    const r = await x.client.send(new ConverseStreamCommand(input()));
    let text = '';
    for await (const ev of r.stream!) text += ev.contentBlockDelta?.delta?.text ?? '';
    expect(text).toMatch(/You asked about: Summarise the quarterly report/);
    expect((await x.atEmulator()).map((q) => [q.accountId, q.operation, q.region, q.status])).toEqual([
      [x.s.byokAccountId, 'ConverseStream', 'eu-west-3', 429],
      [x.s.platformAccountId, 'ConverseStream', 'eu-west-3', 200],
    ]);
    // The reply reaches the client before the engine records fallback-completed; the log line comes last.
    await settled(x.gw);
    const fb = (await x.events()).filter((ev) => ev.type.startsWith('fallback'));
    expect(fb.map((ev) => [ev.type, ev.user])).toEqual([['fallback', 'carol'], ['fallback-completed', 'carol']]);
    expect(fb[0]!.details).toMatchObject({ originalErrorCode: 'ThrottlingException', user: 'carol', region: 'eu-west-3', inferenceProfileId: EU_SONNET, platformEndpoint: emu.url });
    await settled(x.gw);
    expect(x.s.logs.at(-1)).toMatchObject({ user: 'carol', status: 200, servedBy: 'platform', fallback: true, region: 'eu-west-3' });
  });

  it('a policy set to strict while the gateway runs takes effect on the next request', async () => {
    const x = await setup('allow');
    expect((await x.s.byok(['policy', 'set', 'strict'])).code).toBe(0);
    await x.throttle(1);
    const e = await x.client.send(new ConverseCommand(input())).catch((err: unknown) => err as { name: string });
    expect(e).toMatchObject({ name: 'ThrottlingException' });
    expect((await x.atEmulator()).map((q) => q.accountId)).toEqual([x.s.byokAccountId]);
  });

  it('warn: after a fallback, the next request is refused until the owner re-confirms (no prompt through the gateway)', async () => {
    const x = await setup('warn');
    await x.throttle(1);
    await x.client.send(new ConverseCommand(input()));
    const refused = await x.client.send(new ConverseCommand(input())).catch((err: unknown) => err as { name: string; message: string });
    expect(refused).toMatchObject({ name: 'AccessDeniedException' });
    expect((refused as { message: string }).message).toMatch(/requires re-confirmation/);
    expect((await x.s.byok(['policy', 'confirm'])).code).toBe(0);
    await x.client.send(new ConverseCommand(input()));
  });
});

describe('a stream that breaks', () => {
  it('an error event mid-stream reaches the client as AWS sent it, and is never retried on the platform, even under allow', async () => {
    const x = await setup('allow');
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'ConverseStream', accountId: x.s.byokAccountId, count: 1, midStream: true, error: { code: 'ThrottlingException' } });
    const r = await x.client.send(new ConverseStreamCommand(input()));
    let text = '';
    const err = await (async () => {
      for await (const ev of r.stream!) text += ev.contentBlockDelta?.delta?.text ?? '';
    })().catch((e: unknown) => e as { name: string });
    expect(err).toMatchObject({ name: 'ThrottlingException' });
    expect(text).toBe('Hello');
    expect((await x.atEmulator()).map((q) => q.accountId)).toEqual([x.s.byokAccountId]);
    await settled(x.gw);
    expect(x.s.logs.at(-1)).toMatchObject({ user: 'carol', fallback: false, servedBy: 'byok' });
  });
});

describe('streams under load and disconnects', () => {
  it('200 concurrent streaming clients all complete, each with its own reply, none mixed', async () => {
    const x = await setup('strict');
    const clients = Array.from({ length: 8 }, () => new BedrockRuntimeClient({ region: 'eu-west-3', endpoint: x.gw.url, token: { token: x.token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 }));
    const results = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const r = await clients[i % clients.length]!.send(new ConverseStreamCommand(input(`request number ${i} marker-${i}-end`)));
      let text = '';
      for await (const ev of r.stream!) text += ev.contentBlockDelta?.delta?.text ?? '';
      return text;
    }));
    results.forEach((text, i) => expect(text).toBe(`Hello from the byok emulator (Claude Sonnet 4.5). You asked about: request number ${i} marker-${i}-end`));
    await settled(x.gw);
    const lines = x.s.logs.filter((l) => l.operation === 'ConverseStream');
    expect(lines.length).toBe(200);
    expect(lines.every((l) => l.status === 200)).toBe(true);
    for (const c of clients) c.destroy();
  }, 120_000);

  it('a client that disconnects mid-stream cancels the upstream call: the emulator stops sending, and nothing is retried', async () => {
    const x = await setup('allow');
    await emu.control.addFault({ service: 'bedrock-runtime', operation: 'ConverseStream', accountId: x.s.byokAccountId, eventDelayMs: 150 });
    const body = JSON.stringify(input('a long answer please'));
    const got = await new Promise<string>((resolve, reject) => {
      const sock = connect(x.gw.port, '127.0.0.1', () => {
        sock.write(`POST /model/${encodeURIComponent(EU_SONNET)}/converse-stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${x.token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      let seen = '';
      sock.on('data', (d: Buffer) => {
        seen += d.toString('latin1');
        // The status line and the first events are here: leave mid-stream.
        if (seen.includes('messageStart')) {
          sock.destroy();
          resolve(seen);
        }
      });
      sock.on('error', reject);
    });
    expect(got).toMatch(/^HTTP\/1\.1 200/);
    const until = Date.now() + 5000;
    let rec;
    do {
      await new Promise((r) => setTimeout(r, 100));
      rec = (await x.atEmulator()).filter((r) => r.operation === 'ConverseStream');
    } while (rec.every((r) => r.abortedByClient !== true) && Date.now() < until);
    expect(rec.map((r) => [r.accountId, r.abortedByClient === true])).toEqual([[x.s.byokAccountId, true]]);
    await settled(x.gw);
    expect(x.s.logs.at(-1)).toMatchObject({ user: 'carol', status: 499, error: 'client-closed', fallback: false });
    expect((await x.events()).filter((ev) => ev.type.startsWith('fallback'))).toEqual([]);
  });
});
