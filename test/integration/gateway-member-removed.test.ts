// Removing a member revokes their gateway tokens, audited; adding the same name back later does not
// bring an old token back to life (attack and new-user reviews, stop 18).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { GatewayHandle } from '../../src/app/gateway/server.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { gatewaySetup, settled, type GatewaySetup } from '../helpers/gateway.js';

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

describe("a removed member's gateway tokens", () => {
  it('are revoked with the membership, stay revoked when the name is added back, and are never forwarded', async () => {
    const s = await gatewaySetup(emu, { geography: 'eu', region: 'eu-west-3', policy: 'strict', members: ['carol'] });
    const { token, id } = await s.token('carol');
    const gw = await s.start();
    open.push({ gw, s });
    const send = () => new BedrockRuntimeClient({ region: 'eu-west-3', endpoint: gw.url, token: { token }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 1 })
      .send(new ConverseCommand({ modelId: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [{ role: 'user', content: [{ text: 'hi' }] }] }))
      .then(() => 'served', (e: { name?: string }) => e.name ?? 'error');
    expect(await send()).toBe('served');
    expect((await s.byok(['workspace', 'remove-member', 'carol'])).code).toBe(0);
    expect((await s.byok(['workspace', 'add-member', 'carol'])).code).toBe(0);
    const before = (await emu.control.requests()).requests.length;
    expect(await send()).not.toBe('served');
    await settled(gw);
    expect((await emu.control.requests()).requests.slice(before).filter((q) => q.service === 'bedrock-runtime')).toEqual([]);
    const list = JSON.parse((await s.byok(['gateway', 'token', 'list', '--json'])).stdout) as { tokens: { id: string; revokedAt?: string }[] };
    expect(list.tokens.find((t) => t.id === id)?.revokedAt).toBeTruthy();
    const events = (JSON.parse((await s.byok(['audit', 'list', '--json'])).stdout) as { events: { type: string; details: Record<string, unknown> }[] }).events;
    expect(events.filter((e) => e.type === 'gateway-token-revoked').map((e) => e.details.tokenId)).toEqual([id]);
  });
});
