// The credential promises of DESIGN.md §4.1 and reference/aws.md §6, stated one by one: the shapes
// AWS issues (AKIA/ASIA key IDs of 20 upper-case letters and digits, 40-character secrets, the
// session token an ASIA key carries, its expiry), pasted whitespace trimmed, everything else refused
// with a message that says what is wrong and never echoes a secret. Expected values are written from
// those rules, never computed by another byok function.
import { describe, expect, it } from 'vitest';
import {
  expiryStatus,
  mask,
  parseAccessKeyId,
  parseExpiry,
  parseSecretAccessKey,
  sessionTokenExpiresAt,
  sessionTokenExpiresAtText,
  validateCredentials,
} from '../../../src/core/credentials.js';

const NOW = new Date('2026-11-24T12:00:00Z');
// AWS's documented example secret (40 characters of letters, digits, / and +).
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AKIA = 'AKIAIOSFODNN7EXAMPLE';
const ASIA = 'ASIAZ7EXAMPLETMP0002';
const TOKEN = `IQoJb3JpZ2luX2VjE${'x'.repeat(200)}`;

function problem<T>(r: { ok: true; value: T } | { ok: false; error: { field: string; code: string; message: string; hint: string } }) {
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.value)}`);
  return r.error;
}

describe('pasted whitespace is trimmed, on both sides, however much of it there is', () => {
  it.each([
    [`${AKIA}\r\n`],
    [`${AKIA}  \t\n`],
    [`\u200b\u200b${AKIA}\ufeff\u2060`],
    [`\n\n${AKIA}\u00a0\u00a0`],
  ])('the key ID %j is read as the key ID', (raw) => {
    expect(parseAccessKeyId(raw)).toEqual({ ok: true, value: { id: AKIA, kind: 'long-term' } });
  });
  it('a secret pasted with a trailing CRLF is the 40-character secret', () => {
    expect(parseSecretAccessKey(`${SECRET}\r\n`)).toEqual({ ok: true, value: SECRET });
  });
});

describe('a key ID that is not an access key says what it is (IAM unique ID prefixes)', () => {
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-prefixes
  it.each([
    ['AIDA', /IAM user ID/],
    ['AROA', /IAM role ID/],
    ['ABIA', /STS bearer-token ID/],
    ['ANPA', /managed policy ID/],
    ['AGPA', /IAM group ID/],
    ['AIPA', /instance-profile ID/],
    ['ANVA', /managed policy version ID/],
    ['APKA', /CloudFront public key ID/],
    ['ASCA', /certificate ID/],
  ])('%s… is named as %s, not an access key', (prefix, what) => {
    const e = problem(parseAccessKeyId(`${prefix}JQABLZS4A3QDU576`));
    expect(e.code).toBe('wrong-prefix');
    expect(e.field).toBe('accessKeyId');
    expect(e.message).toMatch(what);
    expect(e.message).toContain('not an access key');
  });
  it('an unknown prefix is named without guessing what it is', () => {
    const e = problem(parseAccessKeyId('XYZWJQABLZS4A3QDU576'));
    expect(e.message).toBe('The access key ID starts with XYZW; access key IDs start with AKIA (long-term) or ASIA (temporary).');
  });
  it('every key ID refusal tells where to get a real key ID', () => {
    for (const raw of ['', 'XYZWJQABLZS4A3QDU576', 'AKIA123', 'AKIA-IOSFODNN7EXAMP']) {
      expect(problem(parseAccessKeyId(raw)).hint).toMatch(/aws iam create-access-key.*20 upper-case letters and digits.*AKIA.*ASIA/);
    }
  });
});

describe('a refused key ID is described by its length, never echoed', () => {
  it.each([
    ['-AKIAIOSFODNN7EXAMPLE', 'bad-characters', '(21 characters)'],
    ['AKIAIOSFODNN7EXAMPLE-', 'bad-characters', '(21 characters)'],
    ['--------------------', 'bad-characters', '(20 characters)'],
    ['AKIAIOSFODNN7EXAMPLÉ', 'not-ascii', '(20 characters)'],
    ['AKIA IOSFODNN7EXAMPLE', 'not-ascii', '(21 characters)'],
  ])('%j → %s %s', (raw, code, length) => {
    const e = problem(parseAccessKeyId(raw));
    expect(e.code).toBe(code);
    expect(e.message).toContain(length);
    expect(e.message).not.toContain('AKIAIOSFODNN7');
    expect(e.message).not.toContain('****');
  });
  it('a key ID with non-ASCII characters is told to be retyped', () => {
    expect(problem(parseAccessKeyId('AKIAIOSFODNN7EXAMPLÉ')).hint).toMatch(/Retype it/);
  });
  it('a lower-case key ID of the wrong length is reported as the wrong length', () => {
    // Upper-casing would not make it a key: 21 characters is the fault to fix.
    expect(problem(parseAccessKeyId('akiaiosfodnn7example1'))).toMatchObject({ code: 'wrong-length', message: 'The access key ID is 21 characters long; AWS access key IDs are 20.' });
    expect(problem(parseAccessKeyId('akiaiosfodnn7exampl'))).toMatchObject({ code: 'wrong-length', message: 'The access key ID is 19 characters long; AWS access key IDs are 20.' });
    expect(problem(parseAccessKeyId('akiaiosfodnn7example')).code).toBe('lower-case');
  });
});

describe('a secret access key is 40 characters of letters, digits, / and + (41 tolerated, aws.md §6)', () => {
  it.each([
    [39, 'wrong-length'],
    [42, 'wrong-length'],
    [1, 'wrong-length'],
  ])('%i characters is refused as the wrong length, giving the length', (n, code) => {
    const e = problem(parseSecretAccessKey('A'.repeat(n)));
    expect(e).toMatchObject({ field: 'secretAccessKey', code });
    expect(e.message).toBe(`The secret access key is ${n} characters long; AWS secret access keys are 40.`);
  });
  it.each([40, 41])('%i characters is accepted', (n) => {
    expect(parseSecretAccessKey('a/+B'.repeat(11).slice(0, n))).toEqual({ ok: true, value: 'a/+B'.repeat(11).slice(0, n) });
  });
  it.each([
    ['', 'empty'],
    [' \n\t', 'empty'],
  ])('%j is refused as empty', (raw, code) => {
    expect(problem(parseSecretAccessKey(raw))).toMatchObject({ code, message: 'The secret access key is empty.' });
  });
  it.each([
    [`-${SECRET.slice(1)}`],
    [`${SECRET.slice(0, 39)}=`],
    [`${SECRET.slice(0, 20)}_${SECRET.slice(21)}`],
  ])('a character outside letters, digits, / and + anywhere is refused (%#)', (raw) => {
    const e = problem(parseSecretAccessKey(raw));
    expect(e.code).toBe('bad-characters');
    expect(e.message).toBe('The secret access key contains characters other than letters, digits, / and + (40 characters).');
  });
  it('a secret with a space or non-ASCII inside is refused, giving only its length', () => {
    const e = problem(parseSecretAccessKey(`${SECRET.slice(0, 20)} ${SECRET.slice(20)}`));
    expect(e.code).toBe('not-ascii');
    expect(e.message).toBe('The secret access key contains spaces, control or non-ASCII characters (41 characters); it is plain ASCII.');
  });
  it('every secret refusal says what a secret looks like and how to get a new one', () => {
    for (const raw of ['', 'abc', `${SECRET}é`, `${SECRET}!`]) {
      const e = problem(parseSecretAccessKey(raw));
      expect(e.hint).toMatch(/40 characters/);
      expect(e.hint).toMatch(/byok iam rotate-key/);
      expect(e.hint + e.message).not.toContain(SECRET.slice(0, 8));
    }
  });
});

describe('an ASIA key carries a session token (16 to 8192 printable characters)', () => {
  const asia = (sessionToken?: string, expiresAt: string | undefined = '2026-11-24T18:00:00Z') =>
    validateCredentials({ accessKeyId: ASIA, secretAccessKey: SECRET, sessionToken, ...(expiresAt === undefined ? {} : { expiresAt }) }, NOW);
  it.each([16, 8192])('a %i-character token is accepted', (n) => {
    expect(asia('T'.repeat(n))).toMatchObject({ ok: true, value: { sessionToken: 'T'.repeat(n), kind: 'temporary' } });
  });
  it.each([15, 8193])('a %i-character token is refused, giving only its length', (n) => {
    const e = problem(asia('T'.repeat(n)));
    expect(e).toMatchObject({ field: 'sessionToken', code: 'wrong-length', message: `The session token is ${n} characters long, which is not a session token.` });
    expect(e.hint).toMatch(/SessionToken returned with the ASIA key/);
  });
  it('a token with a line break inside is refused, giving only its length', () => {
    const e = problem(asia(`${TOKEN.slice(0, 100)}\n${TOKEN.slice(100)}`));
    expect(e).toMatchObject({ field: 'sessionToken', code: 'bad-characters', message: `The session token contains spaces, line breaks or non-ASCII characters (${TOKEN.length + 1} characters).` });
    expect(e.message + e.hint).not.toContain(TOKEN.slice(0, 16));
  });
  it.each([[undefined], [''], [' \n']])('no token (%j) is refused as missing, saying how to give it', (token) => {
    const e = problem(asia(token));
    expect(e).toMatchObject({ field: 'sessionToken', code: 'missing-session-token' });
    expect(e.message).toMatch(/ASIA keys are temporary/);
    expect(e.hint).toMatch(/--session-token-stdin/);
  });
  it.each([[undefined], [''], ['  \t']])('no expiry (%j) is refused as missing, saying to pass --expires-at', (expiresAt) => {
    const e = validateCredentials({ accessKeyId: ASIA, secretAccessKey: SECRET, sessionToken: TOKEN, ...(expiresAt === undefined ? {} : { expiresAt }) }, NOW);
    const p = problem(e);
    expect(p).toMatchObject({ field: 'expiresAt', code: 'missing-expiry' });
    expect(p.message).toMatch(/expiry time/);
    expect(p.hint).toMatch(/--expires-at/);
  });
});

describe('an AKIA key is long-term: no session token, no expiry', () => {
  it('a session token with an AKIA key is refused, saying to drop it', () => {
    const e = problem(validateCredentials({ accessKeyId: AKIA, secretAccessKey: SECRET, sessionToken: TOKEN }, NOW));
    expect(e).toMatchObject({ field: 'sessionToken', code: 'token-with-long-term-key' });
    expect(e.message).toMatch(/long-term AKIA key/);
    expect(e.hint).toMatch(/Drop the session token/);
  });
  it('an expiry with an AKIA key is refused, saying to drop it', () => {
    const e = problem(validateCredentials({ accessKeyId: AKIA, secretAccessKey: SECRET, expiresAt: '2026-11-25T00:00:00Z' }, NOW));
    expect(e).toMatchObject({ field: 'expiresAt', code: 'expiry-with-long-term-key' });
    expect(e.message).toMatch(/long-term keys do not expire/);
    expect(e.hint).toMatch(/Drop --expires-at/);
  });
  it('a blank token or expiry pasted along with an AKIA key is no token and no expiry', () => {
    expect(validateCredentials({ accessKeyId: AKIA, secretAccessKey: SECRET, sessionToken: ' \n', expiresAt: '\t' }, NOW)).toEqual({
      ok: true,
      value: { accessKeyId: AKIA, secretAccessKey: SECRET, kind: 'long-term' },
    });
  });
  it('a bad secret is refused before anything else is looked at', () => {
    expect(problem(validateCredentials({ accessKeyId: AKIA, secretAccessKey: 'abc', sessionToken: TOKEN }, NOW)).field).toBe('secretAccessKey');
  });
});

describe('the expiry is ISO 8601 with a time zone, in the future, stored as UTC', () => {
  it.each([
    ['2026-11-25T00:00Z', '2026-11-25T00:00:00.000Z'],
    ['2026-11-25T00:00:00.123Z', '2026-11-25T00:00:00.123Z'],
    ['2026-11-25T00:00:00.5Z', '2026-11-25T00:00:00.500Z'],
    ['2026-11-25T01:00:00+0100', '2026-11-25T00:00:00.000Z'],
    ['2026-11-25T01:00:00+01:00', '2026-11-25T00:00:00.000Z'],
    ['2026-11-24t19:00:00-05:00', '2026-11-25T00:00:00.000Z'],
    [' 2026-11-25T00:00:00Z\n', '2026-11-25T00:00:00.000Z'],
  ])('%j is accepted as %s', (raw, iso) => {
    expect(parseExpiry(raw, NOW)).toEqual({ ok: true, value: iso });
  });
  it.each([
    ['2026-11-25T00:00:00Zjunk'],
    ['x2026-11-25T00:00:00Z'],
    ['2026-11-25'],
    ['2026-11-25T00:00:00'],
    ['tomorrow'],
  ])('%j is refused as not ISO 8601 with a time zone', (raw) => {
    const e = problem(parseExpiry(raw, NOW));
    expect(e).toMatchObject({ field: 'expiresAt', code: 'not-iso8601', message: `"${raw}" is not an ISO 8601 time with a time zone.` });
    expect(e.hint).toMatch(/ISO 8601 with a time zone, e\.g\. 2026-11-25T18:00:00Z/);
  });
  it('a refusal quotes at most 40 characters of what was typed', () => {
    const raw = `${'2026-11-25T00:00:00Z '.repeat(3)}`.trim();
    expect(problem(parseExpiry(raw, NOW)).message).toBe(`"2026-11-25T00:00:00Z 2026-11-25T00:00:00" is not an ISO 8601 time with a time zone.`);
  });
  it('a well-shaped time that is no date is refused as not a date', () => {
    expect(problem(parseExpiry('2026-13-45T00:00:00Z', NOW))).toMatchObject({ code: 'not-a-date', message: '"2026-13-45T00:00:00Z" is not a valid date.' });
  });
  it.each([['2026-11-24T12:00:00Z'], ['2026-11-24T11:59:59Z'], ['2026-11-24T13:00:00+01:00']])('%j (not after now) is already expired', (raw) => {
    const e = problem(parseExpiry(raw, NOW));
    expect(e.code).toBe('already-expired');
    expect(e.hint).toMatch(/fresh temporary credentials/);
  });
  it('the already-expired message gives the expiry in UTC', () => {
    expect(problem(parseExpiry('2026-11-24T12:59:59+01:00', NOW)).message).toBe('These temporary credentials already expired at 2026-11-24T11:59:59.000Z.');
  });
  it('one millisecond after now is not expired', () => {
    expect(parseExpiry('2026-11-24T12:00:00.001Z', NOW)).toEqual({ ok: true, value: '2026-11-24T12:00:00.001Z' });
  });
});

describe('mask shows a key ID as AWS consoles do and nothing else at all', () => {
  it.each([
    [AKIA, 'AKIA************MPLE'],
    [ASIA, 'ASIA************0002'],
  ])('%s → %s', (id, shown) => {
    expect(mask(id)).toBe(shown);
  });
  it.each([
    [`X${AKIA}`],
    [`${AKIA}X`],
    [AKIA.slice(0, 19)],
    [AKIA.toLowerCase()],
    [SECRET],
    [`${AKIA}:${SECRET}`],
  ])('%j, not exactly a key ID, is hidden entirely', (v) => {
    expect(mask(v)).toBe('****************');
  });
});

describe('expiry status: expired at the instant, expiring within five minutes', () => {
  it.each([
    ['2026-11-24T12:00:00Z', 'expired'],
    ['2026-11-24T12:00:00.001Z', 'expiring'],
    ['2026-11-24T12:05:00Z', 'expiring'],
    ['2026-11-24T12:05:00.001Z', 'valid'],
  ])('%s at 12:00:00Z is %s', (at, status) => {
    expect(expiryStatus(at, NOW)).toBe(status);
  });
});

describe('session_token_expires_at: the STS session byok holds for the stored key', () => {
  const session = { forAccessKeyId: AKIA, expiresAt: '2026-11-24T20:00:00.000Z' };
  it('an ASIA key is itself the session: its own expiry', () => {
    expect(sessionTokenExpiresAt({ credentials: { accessKeyId: ASIA, expiresAt: '2026-11-24T18:00:00.000Z' }, session: { forAccessKeyId: ASIA, expiresAt: '2026-11-24T20:00:00.000Z' } })).toBe('2026-11-24T18:00:00.000Z');
  });
  it('an ASIA key with no stored expiry has none, and says it is missing', () => {
    const ws = { credentials: { accessKeyId: ASIA }, session: { forAccessKeyId: ASIA, expiresAt: '2026-11-24T20:00:00.000Z' } };
    expect(sessionTokenExpiresAt(ws)).toBeNull();
    expect(sessionTokenExpiresAtText(ws)).toBe('(missing)');
  });
  it('an AKIA key has the expiry of the session obtained for that same key', () => {
    expect(sessionTokenExpiresAt({ credentials: { accessKeyId: AKIA }, session })).toBe('2026-11-24T20:00:00.000Z');
    expect(sessionTokenExpiresAtText({ credentials: { accessKeyId: AKIA }, session })).toBe('2026-11-24T20:00:00.000Z');
  });
  it('a session obtained for another (older) key does not count', () => {
    const ws = { credentials: { accessKeyId: 'AKIAI44QH8DHBEXAMPLE' }, session };
    expect(sessionTokenExpiresAt(ws)).toBeNull();
    expect(sessionTokenExpiresAtText(ws)).toMatch(/no STS session held yet/);
  });
  it('an AKIA key without a session has none yet', () => {
    expect(sessionTokenExpiresAt({ credentials: { accessKeyId: AKIA } })).toBeNull();
    expect(sessionTokenExpiresAtText({ credentials: { accessKeyId: AKIA } })).toMatch(/no STS session held yet/);
  });
  it('no credentials, no session', () => {
    expect(sessionTokenExpiresAt({ session })).toBeNull();
    expect(sessionTokenExpiresAtText({ session })).toBe('(no credentials)');
  });
});
