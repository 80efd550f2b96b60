// byok gateway: the payload guard reads a request as the model would — JSON escapes decoded and
// base64 text documents decoded — so raw cloud credentials are refused before anything is sent,
// however the client encoded them (attack review, stop 18: `AKIA\u0049…`, `\/` in a secret, and a
// credentials file as a Converse document all passed the guard and were forwarded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayHandle } from '../../src/app/gateway/server.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { gatewaySetup, settled, type GatewaySetup } from '../helpers/gateway.js';

const MODEL = 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0';
// AWS's documentation example key pair (never a real credential).
const ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
let emu: TestEmulator;
let gw: GatewayHandle;
let s: GatewaySetup;
let token = '';
beforeAll(async () => {
  emu = await startTestEmulator();
  s = await gatewaySetup(emu, { geography: 'eu', region: 'eu-west-3', policy: 'strict', members: ['carol'] });
  token = (await s.token('carol')).token;
  gw = await s.start();
});
afterAll(async () => {
  await gw.close(1000);
  s.t.cleanup();
  await emu.close();
});

async function post(path: string, rawJson: string) {
  const before = (await emu.control.requests()).requests.length;
  const r = await fetch(`${gw.url}/model/${encodeURIComponent(MODEL)}/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: rawJson });
  const text = await r.text();
  await settled(gw);
  const forwarded = (await emu.control.requests()).requests.slice(before).filter((q) => q.service === 'bedrock-runtime');
  return { status: r.status, text, forwarded };
}

describe('raw cloud credentials are refused however the request encodes them', () => {
  const cases: [string, string, string][] = [
    ['JSON unicode escapes in the key ID', 'converse', `{"messages":[{"role":"user","content":[{"text":"my key AKIA\\u0049OSFODNN7EXAMPLE and secret ${SECRET.replace(/\//g, '\\/')}"}]}]}`],
    ['a credentials file as a Converse document (base64 bytes)', 'converse', JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'summarise the file' }, { document: { format: 'txt', name: 'creds', source: { bytes: Buffer.from(`[default]\naws_access_key_id = ${ID}\naws_secret_access_key = ${SECRET}\n`).toString('base64') } } }] }] })],
    ['a credentials file as an InvokeModel base64 text document', 'invoke', JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'text/plain', data: Buffer.from(`aws_access_key_id=${ID}\naws_secret_access_key=${SECRET}\n`).toString('base64') } }] }] })],
  ];
  for (const [name, path, body] of cases) {
    it(`${name}: refused with 400, nothing forwarded`, async () => {
      const r = await post(path, body);
      expect(r.forwarded).toEqual([]);
      expect(r.status).toBe(400);
      expect(r.text).toMatch(/credentials/i);
      expect(r.text).not.toContain(SECRET);
    });
  }

  it('an ordinary request with a base64 image is still served', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4]).toString('base64');
    const r = await post('converse', JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'describe' }, { image: { format: 'png', source: { bytes: png } } }] }] }));
    expect(r.status).toBe(200);
    expect(r.forwarded.length).toBe(1);
  });
});
