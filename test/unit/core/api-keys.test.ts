// Bedrock API keys: formats, what a short-term key says about itself, and how Bedrock's refusals
// of a bearer key are classified (AccessDeniedException 403 with one of three texts).
import { getToken } from '@aws/bedrock-token-generator';
import { describe, expect, it } from 'vitest';
import { bearerFailure, maskApiKey, parseApiKey, shortTermFacts } from '../../../src/core/api-keys.js';
import { classifyError } from '../../../src/core/error-classes.js';
import { evaluateFallback } from '../../../src/core/fallback.js';

const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const LONG = `ABSK${Buffer.from(`someone+1-1795799763:${'x'.repeat(64)}`).toString('base64')}`;

describe('Bedrock API key formats', () => {
  it("reads the region and expiry AWS's own generator puts in a short-term key", async () => {
    const before = Date.now();
    const k = await getToken({ credentials: creds, region: 'eu-central-1', expiresInSeconds: 3600 });
    const f = shortTermFacts(k)!;
    expect(f.region).toBe('eu-central-1');
    expect(f.accessKeyId).toBe(creds.accessKeyId);
    const exp = new Date(f.expiresAt).getTime();
    expect(exp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3600_000 - 1000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 3600_000);
    const parsed = parseApiKey(`  ${k}\n`, new Date());
    expect(parsed).toMatchObject({ ok: true, value: { kind: 'short-term', region: 'eu-central-1' } });
  });

  it('accepts a long-term ABSK key and refuses other things with a message that never holds the value', () => {
    expect(parseApiKey(LONG, new Date())).toMatchObject({ ok: true, value: { kind: 'long-term' } });
    const secretish = 'sk-ant-api03-THIS-IS-NOT-A-BEDROCK-KEY-0123456789';
    for (const bad of ['', `Bearer ${LONG}`, 'ABSK!!!', secretish, 'AKIAIOSFODNN7EXAMPLE', 'bedrock-api-key-AAAA', `${LONG.slice(0, 30)} ${LONG.slice(30)}`]) {
      const r = parseApiKey(bad, new Date());
      expect(r.ok).toBe(false);
      if (!r.ok) {
        const text = `${r.error.message} ${r.error.hint}`;
        if (bad.length > 8) expect(text).not.toContain(bad.trim().slice(4, 24));
      }
    }
  });

  it('refuses a short-term key that has already expired', async () => {
    const k = await getToken({ credentials: creds, region: 'us-east-1', expiresInSeconds: 60 });
    expect(parseApiKey(k, new Date(Date.now() + 120_000))).toMatchObject({ ok: false, error: { code: 'expired' } });
  });

  it('masks a key to its kind alone', () => {
    expect(maskApiKey(LONG)).toBe('ABSK****************');
    expect(maskApiKey('bedrock-api-key-abcdef')).toBe('bedrock-api-key-****************');
  });
});

describe("Bedrock's refusals of a bearer key", () => {
  const denied = (message: string) => ({ code: 'AccessDeniedException', status: 403, message });
  it('an expired key is an expired credential: session-expired, retryable', () => {
    expect(classifyError(denied('Bearer Token has expired'))).toMatchObject({ category: 'session-expired', retryable: true });
  });
  it('a malformed, wrong, revoked or other-region key is credential-invalid and not retryable', () => {
    expect(classifyError(denied('Invalid API Key format: Must start with pre-defined prefix'))).toMatchObject({ category: 'credential-invalid', retryable: false });
    expect(classifyError(denied('Authentication failed: Please make sure your API Key is valid.'))).toMatchObject({ category: 'credential-invalid', retryable: false });
  });
  it('a look-alike text under AccessDenied never becomes retryable', () => {
    expect(classifyError(denied('Bearer Token has expired. Also: you are not authorized')).retryable).toBe(false);
    expect(classifyError(denied('bearer token has expired!')).retryable).toBe(false);
    expect(bearerFailure({ code: 'ValidationException', message: 'Bearer Token has expired' })).toBeNull();
  });
  it('under strict no bearer refusal falls back; under allow only the expired one does', () => {
    const op = { kind: 'read' as const, markedFallbackEligible: false, autonomous: false };
    const platform = { platformRegions: ['us-east-1'], platformOwner: 'owner' };
    for (const m of ['Bearer Token has expired', 'Invalid API Key format: Must start with pre-defined prefix', 'Authentication failed: Please make sure your API Key is valid.']) {
      expect(evaluateFallback({ error: denied(m), operation: op, policy: 'strict', region: 'us-east-1', ...platform }).decision).toBe('fail');
      const allow = evaluateFallback({ error: denied(m), operation: op, policy: 'allow', region: 'us-east-1', ...platform }).decision;
      expect(allow).toBe(m.startsWith('Bearer') ? 'fallback' : 'fail');
    }
  });
});
