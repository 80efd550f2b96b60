// src/aws/forward.ts: where a forwarded call goes is decided by byok's endpoint, never by the
// caller's request (attack review, stop 18: a client's ?r=us-east-1 overrode the platform
// endpoint's ?r={region}, and the audit recorded the endpoint byok meant, not the one called).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardSigned } from '../../src/aws/forward.js';

let server: Server;
let base = '';
const seen: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a forwarded call goes where byok says', () => {
  it("the endpoint's own query parameters are kept over the caller's", async () => {
    const up = await forwardSigned({}, {
      endpoint: `${base}/?r=eu-west-1`,
      region: 'eu-west-1',
      service: 'bedrock',
      method: 'POST',
      path: '/model/x/converse',
      query: new URLSearchParams('r=us-east-1&extra=1'),
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{}'),
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      clockOffsetMs: 0,
    });
    for await (const _ of up.body) void _;
    const url = new URL(seen.at(-1)!, base);
    expect(url.searchParams.getAll('r')).toEqual(['eu-west-1']);
  });
});
