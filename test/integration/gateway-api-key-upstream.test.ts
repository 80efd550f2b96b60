// byok gateway with a workspace on Bedrock API keys (issues 13 and 14): the gateway's upstream is
// the key, sent as Authorization: Bearer — never SigV4 with the IAM key behind it — and the client's
// own gateway token never goes upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { GatewayHandle } from '../../src/app/gateway/server.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { gatewaySetup, settled, type GatewaySetup } from '../helpers/gateway.js';

const EU_SONNET = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
let emu: TestEmulator;
const open: { gw: GatewayHandle; s: GatewaySetup }[] = [];
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  for (const o of open) {
    await o.gw.close(1000);
    o.s.t.cleanup();
  }
  await emu.close();
});

describe('the gateway on a workspace that uses short-term Bedrock API keys', () => {
  it('serves the client with the minted key as its upstream bearer credential, in the workspace region', async () => {
    const s = await gatewaySetup(emu, { geography: 'eu', region: 'eu-west-3', policy: 'strict', members: ['carol'] });
    const r = await s.byok(['credentials', 'set', '--short-term-api-keys']);
    expect(r.code, r.stderr).toBe(0);
    const { token } = await s.token('carol');
    const gw = await s.start();
    open.push({ gw, s });
    const before = (await emu.control.requests()).requests.length;
    const client = new BedrockRuntimeClient({ region: 'eu-west-3', endpoint: gw.url, token: { token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 });
    const out = await client.send(new ConverseCommand({ modelId: EU_SONNET, messages: [{ role: 'user', content: [{ text: 'hello' }] }], inferenceConfig: { maxTokens: 50 } }));
    expect(out.output?.message?.content?.[0]?.text ?? '').not.toBe('');
    await settled(gw);
    const upstream = (await emu.control.requests()).requests.slice(before).filter((q) => q.service === 'bedrock-runtime');
    expect(upstream.map((q) => [q.operation, q.accountId, q.status])).toEqual([['Converse', s.byokAccountId, 200]]);
    // Bearer, not SigV4: no access key in a credential scope.
    expect(upstream[0]!.accessKeyId).toBeNull();
    expect(JSON.stringify(upstream)).not.toContain(token);
  });
});
