import { describe, expect, it } from 'vitest';
import { expiryStatus, mask, parseAccessKeyId, parseSecretAccessKey, validateCredentials } from '../../../src/core/credentials.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = `IQoJb3JpZ2luX2VjE${'x'.repeat(200)}`;

describe('parseAccessKeyId', () => {
  it.each([
    ['AKIAIOSFODNN7EXAMPLE', 'long-term'],
    ['ASIAZ7EXAMPLETMP0002', 'temporary'],
    ['  AKIAIOSFODNN7EXAMPLE\n', 'long-term'],
    ['\u00a0AKIAIOSFODNN7EXAMPLE\t', 'long-term'],
  ])('accepts %j as %s', (raw, kind) => {
    const r = parseAccessKeyId(raw);
    expect(r.ok && r.value.kind).toBe(kind);
  });

  it.each([
    ['', 'empty'],
    ['AIDAJQABLZS4A3QDU576', 'wrong-prefix'],
    ['AROAJQABLZS4A3QDU576', 'wrong-prefix'],
    ['AKIA123', 'wrong-length'],
    ['AKIAIOSFODNN7EXAMPLE1', 'wrong-length'],
    ['akiaiosfodnn7example', 'lower-case'],
    ['AKIAIOSFODNN7EXAMPLÉ', 'not-ascii'],
    ['AKIA IOSFODNN7EXAMPL', 'not-ascii'],
    ['AKIA-IOSFODNN7EXAMPL', 'bad-characters'],
  ])('refuses %j (%s) with a message and a hint', (raw, code) => {
    const r = parseAccessKeyId(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeGreaterThan(10);
      expect(r.error.hint.length).toBeGreaterThan(10);
    }
  });

  it('names what a wrong prefix is', () => {
    const r = parseAccessKeyId('AIDAJQABLZS4A3QDU576');
    expect(!r.ok && r.error.message).toMatch(/IAM user ID/);
  });
});

describe('secrets never appear in messages', () => {
  const secrets = [SECRET, 'x'.repeat(39), `${SECRET}é`, `${SECRET.slice(0, 20)} ${SECRET.slice(20)}`, `${SECRET}!`, 'abc'];
  it.each(secrets)('parseSecretAccessKey(%#)', (s) => {
    const r = parseSecretAccessKey(s);
    if (!r.ok) {
      for (const part of [s, s.slice(0, 8), s.slice(-8)]) {
        if (part.length >= 6) {
          expect(r.error.message).not.toContain(part);
          expect(r.error.hint).not.toContain(part);
        }
      }
    }
  });
  it('validateCredentials never echoes a secret or token', () => {
    const cases = [
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN },
      { accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET },
      { accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, sessionToken: `${TOKEN} x`, expiresAt: '2026-11-25T00:00:00Z' },
      { accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, sessionToken: TOKEN, expiresAt: 'tomorrow' },
    ];
    for (const c of cases) {
      const r = validateCredentials(c, NOW);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        const text = r.error.message + r.error.hint;
        expect(text).not.toContain(SECRET.slice(0, 10));
        expect(text).not.toContain(TOKEN.slice(0, 16));
      }
    }
  });
});

describe('validateCredentials', () => {
  it('accepts AKIA without token and ASIA with token and future expiry', () => {
    expect(validateCredentials({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: ` ${SECRET}\n` }, NOW)).toMatchObject({ ok: true, value: { kind: 'long-term', secretAccessKey: SECRET } });
    const r = validateCredentials({ accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, sessionToken: TOKEN, expiresAt: '2026-11-24T18:00:00+01:00' }, NOW);
    expect(r).toMatchObject({ ok: true, value: { kind: 'temporary', expiresAt: '2026-11-24T17:00:00.000Z' } });
  });
  it.each([
    [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN }, 'token-with-long-term-key'],
    [{ accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, expiresAt: '2026-11-25T00:00:00Z' }, 'missing-session-token'],
    [{ accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, sessionToken: TOKEN }, 'missing-expiry'],
    [{ accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, sessionToken: TOKEN, expiresAt: '2026-11-24T11:59:59Z' }, 'already-expired'],
    [{ accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, sessionToken: TOKEN, expiresAt: '2026-11-25' }, 'not-iso8601'],
    [{ accessKeyId: 'ASIAZ7EXAMPLETMP0002', secretAccessKey: SECRET, sessionToken: 'short', expiresAt: '2026-11-25T00:00:00Z' }, 'wrong-length'],
  ])('refuses %j', (input, code) => {
    const r = validateCredentials(input, NOW);
    expect(!r.ok && r.error.code).toBe(code);
  });
});

describe('mask and expiry', () => {
  it('masks key IDs keeping prefix and last four, and hides everything else entirely', () => {
    expect(mask('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA************MPLE');
    expect(mask(SECRET)).toBe('****************');
    expect(mask(TOKEN)).toBe('****************');
    expect(mask('')).toBe('****************');
  });
  it.each([
    [undefined, 'none'],
    ['2026-11-24T11:00:00Z', 'expired'],
    ['2026-11-24T12:03:00Z', 'expiring'],
    ['2026-11-24T13:00:00Z', 'valid'],
    ['garbage', 'expired'],
  ])('expiryStatus(%j) = %s', (v, s) => {
    expect(expiryStatus(v, NOW)).toBe(s);
  });
});
