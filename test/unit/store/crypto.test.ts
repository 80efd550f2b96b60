// Sealing (DESIGN: the config is one AES-256-GCM envelope): what is sealed opens only with its
// key and exactly as written; any change to any byte of the envelope or its header, a wrong key,
// or a non-canonical field is refused as tampering (exit 3), never half-read. Written for the
// mutation pass (issue 15).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT, LocalStateError } from '../../../src/core/errors.js';
import { deriveKeyFromPassphrase, open, parseEnvelope, seal, type Envelope, type KeyHeader } from '../../../src/store/crypto.js';

const HEADERS: KeyHeader[] = [
  { source: 'raw', origin: 'env' },
  { source: 'raw', origin: 'keyring' },
  { source: 'raw', origin: 'key-file' },
  { source: 'scrypt', salt: randomBytes(16).toString('base64'), N: 32768, r: 8, p: 1 },
];
const PATH = '/cfg/config.json';

function refusedAsTampering(f: () => unknown): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(LocalStateError);
  const e = thrown as LocalStateError;
  expect(e.code).toBe('config-tampered-or-wrong-key');
  expect(e.exitCode).toBe(EXIT.localState);
  expect(e.message).toContain(PATH);
  expect(e.hint).toMatch(/left exactly as it is/);
}

/** The file text as the store writes it, re-read. */
const roundTrip = (env: Envelope): Envelope => parseEnvelope(JSON.stringify(env), PATH);

describe('sealing: what is sealed opens only with its key, exactly as written', () => {
  it('every plaintext under every header opens to the same bytes with the same key', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...HEADERS), (bytes, header) => {
        const key = randomBytes(32);
        const env = roundTrip(seal(Buffer.from(bytes), key, header));
        expect(env).toMatchObject({ byok: 1, alg: 'aes-256-gcm', key: header });
        expect(open(env, key, PATH).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('the ciphertext does not contain the plaintext, and two seals of the same text differ (fresh 12-byte IV, 16-byte tag)', () => {
    const key = randomBytes(32);
    const secret = Buffer.from('{"secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}');
    const a = seal(secret, key, HEADERS[0]!);
    const b = seal(secret, key, HEADERS[0]!);
    expect(JSON.stringify(a)).not.toContain('wJalrXUtnFEMI');
    expect(Buffer.from(a.data, 'base64').equals(secret)).toBe(false);
    expect(a.iv).not.toBe(b.iv);
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.tag, 'base64')).toHaveLength(16);
  });

  it('a config sealed by an earlier byok still opens: the envelope format and its authenticated header are fixed', () => {
    // Sealed with Node's AES-256-GCM directly (key 32 × 0x07, IV 12 × 0x01), the additional
    // authenticated data spelled out as the canonical JSON of the header:
    // {"alg":"aes-256-gcm","byok":1,"key":{"origin":"env","source":"raw"}}
    const text = '{"byok":1,"alg":"aes-256-gcm","key":{"source":"raw","origin":"env"},"iv":"AQEBAQEBAQEBAQEB","tag":"oLF69wbygckpVDTWn0bzoA==","data":"DcP52PzWj3fz7v5SBEUZUtzZaQ=="}';
    expect(open(parseEnvelope(text, PATH), Buffer.alloc(32, 7), PATH).toString()).toBe('{"policy":"strict"}');
  });

  it('a wrong key is refused as tampering', () => {
    const env = seal(Buffer.from('policy: strict'), randomBytes(32), HEADERS[0]!);
    refusedAsTampering(() => open(env, randomBytes(32), PATH));
  });

  it('any flipped bit in the data, the IV or the tag is refused', () => {
    fc.assert(
      fc.property(fc.constantFrom('data' as const, 'iv' as const, 'tag' as const), fc.nat(), fc.integer({ min: 0, max: 7 }), (field, at, bit) => {
        const key = randomBytes(32);
        const env = seal(Buffer.from('{"policy":"strict","locked":true}'), key, HEADERS[0]!);
        const buf = Buffer.from(env[field], 'base64');
        buf[at % buf.length]! ^= 1 << bit;
        refusedAsTampering(() => open({ ...env, [field]: buf.toString('base64') }, key, PATH));
      }),
      { numRuns: 60 },
    );
  });

  it('an IV or tag of the wrong length is refused', () => {
    const key = randomBytes(32);
    const env = seal(Buffer.from('x'), key, HEADERS[0]!);
    refusedAsTampering(() => open({ ...env, iv: randomBytes(16).toString('base64') }, key, PATH));
    refusedAsTampering(() => open({ ...env, tag: Buffer.from(env.tag, 'base64').subarray(0, 12).toString('base64') }, key, PATH));
  });

  it('the header is authenticated: changing it (key origin, source, scrypt parameters) is refused even with the right key', () => {
    const key = randomBytes(32);
    for (const [from, to] of [
      [HEADERS[0]!, HEADERS[1]!],
      [HEADERS[1]!, HEADERS[2]!],
      [HEADERS[3]!, { ...HEADERS[3]!, salt: randomBytes(16).toString('base64') } as KeyHeader],
      [HEADERS[0]!, HEADERS[3]!],
    ] as const) {
      const env = seal(Buffer.from('doc'), key, from);
      refusedAsTampering(() => open({ ...env, key: to }, key, PATH));
    }
  });
});

describe('parsing: anything but a well-formed envelope is tampering', () => {
  const key = randomBytes(32);
  const good = seal(Buffer.from('{"v":1}'), key, HEADERS[3]!);
  const goodRaw = seal(Buffer.from('{"v":1}'), key, HEADERS[0]!);

  it('a well-formed envelope of each key source parses to what was written', () => {
    for (const h of HEADERS) {
      const env = seal(Buffer.from('a'), key, h);
      expect(parseEnvelope(JSON.stringify(env), PATH)).toEqual(env);
    }
  });

  it.each([
    ['not JSON', '{"byok":1,'],
    ['null', 'null'],
    ['a string', '"sealed"'],
    ['an array', '[]'],
  ])('%s is refused', (_n, text) => refusedAsTampering(() => parseEnvelope(text, PATH)));

  const variants: [string, (e: Envelope) => unknown][] = [
    ['version 2', (e) => ({ ...e, byok: 2 })],
    ['version "1"', (e) => ({ ...e, byok: '1' })],
    ['another algorithm', (e) => ({ ...e, alg: 'aes-128-gcm' })],
    ['no IV', (e) => ({ ...e, iv: undefined })],
    ['a numeric IV', (e) => ({ ...e, iv: 12 })],
    ['IV not base64', (e) => ({ ...e, iv: 'not*base64' })],
    ['no tag', (e) => ({ ...e, tag: undefined })],
    ['tag not base64', (e) => ({ ...e, tag: '!!!!' })],
    ['no data', (e) => ({ ...e, data: undefined })],
    ['data not base64', (e) => ({ ...e, data: 'a-b_' })],
    ['data with unused trailing bits set (non-canonical base64)', (e) => ({ ...e, data: 'QR==' })],
    ['tag with base64 padding in the middle', (e) => ({ ...e, tag: `AA==${e.tag}` })],
    ['no key header', (e) => ({ ...e, key: undefined })],
    ['a null key header', (e) => ({ ...e, key: null })],
    ['an unknown key source', (e) => ({ ...e, key: { source: 'kms' } })],
    ['an unknown key source carrying valid scrypt fields', (e) => ({ ...e, key: { ...e.key, source: 'kms' } })],
    ['a raw key of unknown origin', (e) => ({ ...e, key: { source: 'raw', origin: 'clipboard' } })],
    ['a raw key with no origin', (e) => ({ ...e, key: { source: 'raw' } })],
    ['scrypt with no salt', (e) => ({ ...e, key: { ...e.key, salt: undefined } })],
    ['scrypt with a numeric salt', (e) => ({ ...e, key: { ...e.key, salt: 16 } })],
    ['scrypt with a salt that is not base64', (e) => ({ ...e, key: { ...e.key, salt: '###' } })],
    ['scrypt with a weaker N', (e) => ({ ...e, key: { ...e.key, N: 1024 } })],
    ['scrypt with another r', (e) => ({ ...e, key: { ...e.key, r: 1 } })],
    ['scrypt with another p', (e) => ({ ...e, key: { ...e.key, p: 2 } })],
    ['scrypt parameters as strings', (e) => ({ ...e, key: { ...e.key, N: '32768' } })],
  ];
  it.each(variants)('an envelope with %s is refused', (_n, change) => {
    refusedAsTampering(() => parseEnvelope(JSON.stringify(change(good)), PATH));
  });
  it('a raw-key envelope carrying scrypt fields of the other source is still judged by its own source', () => {
    expect(() => parseEnvelope(JSON.stringify({ ...goodRaw, key: { source: 'raw', origin: 'env', N: 1 } }), PATH)).not.toThrow();
    refusedAsTampering(() => parseEnvelope(JSON.stringify({ ...goodRaw, key: { source: 'scrypt', origin: 'env' } }), PATH));
  });
});

describe('passphrase keys', () => {
  it('the same passphrase and salt give the same 32-byte key; NFC and NFD spellings are the same passphrase; another salt gives another key', async () => {
    const salt = randomBytes(16);
    const a = await deriveKeyFromPassphrase('caf\u00e9 correct horse', salt);
    const b = await deriveKeyFromPassphrase('cafe\u0301 correct horse', salt);
    const c = await deriveKeyFromPassphrase('caf\u00e9 correct horse', randomBytes(16));
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });
  it('the passphrase key is scrypt with N=2^15, r=8, p=1 over the NFC passphrase (a known answer from an independent scrypt)', async () => {
    // Python's hashlib.scrypt(NFC("café correct horse"), salt=bytes(range(16)), n=32768, r=8, p=1, dklen=32).
    const key = await deriveKeyFromPassphrase('cafe\u0301 correct horse', Buffer.from([...Array(16).keys()]));
    expect(key.toString('hex')).toBe('6a1fc00f0ba33d971e2dbc470ffa390b8931aef040d3250e0bf6cdb8033ec57b');
  });
});
