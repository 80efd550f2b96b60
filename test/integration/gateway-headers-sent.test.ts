// byok gateway: a reply whose status line already went to the client is never retried on the
// platform, even if not one body byte followed (attack review, stop 18: an upstream that sent 200
// headers and reset made the gateway call the platform — billed, data processed — and then fail
// to deliver it, with a fallback in the audit log).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import type { GatewayHandle } from '../../src/app/gateway/server.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { gatewaySetup, settled, type GatewaySetup } from '../helpers/gateway.js';

let emu: TestEmulator;
let upstream: Server;
let upstreamUrl = '';
const open: { gw: GatewayHandle; s: GatewaySetup }[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
  // A Bedrock Runtime that answers 200 with event-stream headers, then drops the connection.
  upstream = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'r-1' });
    res.flushHeaders();
    setTimeout(() => res.socket?.destroy(), 20);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const a = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  for (const o of open) {
    await o.gw.close(1000);
    o.s.t.cleanup();
  }
  await new Promise<void>((r) => upstream.close(() => r()));
  await emu.close();
});

describe('no platform retry once the client has the status line', () => {
  it('under allow, an upstream that sent 200 headers then reset is not retried on the platform, and no fallback is audited', async () => {
    const s = await gatewaySetup(emu, { geography: 'eu', region: 'eu-west-3', policy: 'allow', members: ['carol'] });
    const { token } = await s.token('carol');
    s.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = upstreamUrl; // BYOK's calls go to the dropping upstream
    const gw = await s.start();
    open.push({ gw, s });
    const before = (await emu.control.requests()).requests.length;
    const client = new BedrockRuntimeClient({ region: 'eu-west-3', endpoint: gw.url, token: { token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
    // Whatever the client makes of the cut stream (the SDK may end it quietly), the promise is
    // about the platform: never called, never audited.
    await (async () => {
      try {
        const r = await client.send(new ConverseStreamCommand({ modelId: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [{ role: 'user', content: [{ text: 'hello' }] }] }));
        for await (const _ of r.stream ?? []) void _;
        return 'completed';
      } catch {
        return 'failed';
      }
    })();
    await settled(gw);
    const platform = (await emu.control.requests()).requests.slice(before).filter((q) => q.service === 'bedrock-runtime' && q.accountId === s.platformAccountId);
    expect(platform).toEqual([]);
    const events = (JSON.parse((await s.byok(['audit', 'list', '--json'])).stdout) as { events: { type: string }[] }).events;
    expect(events.filter((e) => e.type.startsWith('fallback'))).toEqual([]);
  });
});
