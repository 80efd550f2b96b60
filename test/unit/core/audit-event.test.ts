// Audit events (DESIGN "What happens during a fallback"): a fallback event records every field
// the product document lists, no event carries key material, and the hash chain link depends on
// every part of the event and on nothing else (not on key order). Written for the mutation pass
// (issue 15).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, FALLBACK_AUDIT_FIELDS, GENESIS_HASH, linkHash, validateAuditEvent, type AuditEventInput } from '../../../src/core/audit-event.js';

const FIELDS = ['originalErrorCode', 'platformEndpoint', 'user', 'workspace', 'conversation', 'model', 'inputTokens', 'outputTokens', 'region'];
const fallbackDetails = (): AuditEventInput['details'] => ({
  originalErrorCode: 'ThrottlingException', platformEndpoint: 'https://bedrock-runtime.eu-west-1.amazonaws.com', user: 'alice', workspace: 'acme',
  conversation: 'c-1', model: 'anthropic.claude-sonnet-4-5-20250929-v1:0', inputTokens: 12, outputTokens: 0, region: 'eu-west-1',
});
const ev = (over: Partial<AuditEventInput> = {}): AuditEventInput => ({ type: 'fallback', user: 'alice', workspace: 'acme', details: fallbackDetails(), ...over });

describe('a fallback event records every field the product document lists', () => {
  it('the list is the product document\'s', () => expect([...FALLBACK_AUDIT_FIELDS]).toEqual(FIELDS));
  it('a complete fallback event is valid', () => expect(validateAuditEvent(ev())).toEqual({ ok: true }));
  it.each(FIELDS)('a fallback event without %s is refused, naming it', (f) => {
    const details = fallbackDetails();
    delete details[f];
    const r = validateAuditEvent(ev({ details }));
    expect(r).toEqual({ ok: false, reason: `a fallback event must record ${f}` });
  });
  it('all missing fields are named, in the document\'s order', () => {
    expect(validateAuditEvent(ev({ details: {} }))).toEqual({ ok: false, reason: `a fallback event must record ${FIELDS.join(', ')}` });
  });
  it('a field recorded as null is recorded (the value may be unknown, the field may not be missing)', () => {
    expect(validateAuditEvent(ev({ details: { ...fallbackDetails(), outputTokens: null } }))).toEqual({ ok: true });
  });
  it('other event types need no fallback fields', () => expect(validateAuditEvent({ type: 'policy-set', user: 'alice', workspace: null, details: {} })).toEqual({ ok: true }));
});

describe('event type and user', () => {
  it.each(['Fallback', '', '1fallback', 'fall back', 'fallback_', 'a'.repeat(65), 'x;rm'])('type %j is refused', (type) => {
    expect(validateAuditEvent(ev({ type, details: {} }))).toEqual({ ok: false, reason: 'the event type is not a lower-case name' });
  });
  it.each(['a', 'policy-set', 'fallback-completed', `a${'b'.repeat(63)}`, 'x9'])('type %j is a name', (type) => {
    expect(validateAuditEvent({ type, user: 'alice', workspace: null, details: {} })).toEqual({ ok: true });
  });
  it('an event with no user is refused', () => {
    expect(validateAuditEvent({ type: 'policy-set', user: '', workspace: null, details: {} })).toEqual({ ok: false, reason: 'the event has no user' });
    expect(validateAuditEvent({ type: 'policy-set', user: undefined as unknown as string, workspace: null, details: {} })).toEqual({ ok: false, reason: 'the event has no user' });
  });
});

describe('no event carries key material', () => {
  const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
  const TEMP_ID = 'ASIAIOSFODNN7EXAMPLE';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const TOKEN = 'IQoJb3JpZ2luX2VjE'.padEnd(120, 'A1b2');
  it.each([
    ['an access key ID', KEY_ID], ['a temporary key ID', TEMP_ID], ['a key ID in a sentence', `key ${KEY_ID} used`],
    ['a secret key', SECRET], ['a 41-character secret', `${SECRET}x`], ['a secret in a sentence', `secret=${SECRET};`],
    ['a session token', TOKEN],
  ])('%s in any string field is refused, naming the field', (_n, value) => {
    const r = validateAuditEvent({ type: 'policy-set', user: 'alice', workspace: null, details: { note: value } });
    expect(r).toEqual({ ok: false, reason: 'field note looks like key material; audit events carry masked identifiers only' });
  });
  it('the user and the workspace are checked as well', () => {
    expect(validateAuditEvent({ type: 'x', user: KEY_ID, workspace: null, details: {} })).toMatchObject({ ok: false, reason: expect.stringMatching(/^field user /) });
    expect(validateAuditEvent({ type: 'x', user: 'alice', workspace: SECRET, details: {} })).toMatchObject({ ok: false, reason: expect.stringMatching(/^field workspace /) });
  });
  it.each([
    ['a masked key ID', 'AKIA…MPLE'], ['a key ID embedded in a longer word', `X${KEY_ID}9`], ['a 39-character run', SECRET.slice(0, 39)],
    ['a 42-character run', `${SECRET}ab`], ['a SHA-256 hex digest', createHash('sha256').update('x').digest('hex')], ['an ARN', 'arn:aws:iam::123456789012:user/byok-bedrock'],
    ['a 99-character token-like run', 'A1b2'.repeat(25).slice(0, 99).replace(/^/, '-')],
  ])('%s is not key material', (_n, value) => {
    expect(validateAuditEvent({ type: 'x', user: 'alice', workspace: 'acme', details: { note: value, n: 1, b: true, z: null } })).toEqual({ ok: true });
  });
});

describe('canonical JSON and the hash link', () => {
  const json = fc.jsonValue();
  it('canonical JSON is JSON that parses back to the same value, whatever the key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(o));
        expect(JSON.parse(canonicalJson(o))).toEqual(JSON.parse(JSON.stringify(o)));
      }),
      { numRuns: 300 },
    );
  });
  it('keys are sorted at every level, undefined members are left out, and arrays keep their order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: null })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":null}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('s')).toBe('"s"');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });
  it('the genesis hash is 64 zeros', () => expect(GENESIS_HASH).toBe('0'.repeat(64)));
  it('the link is SHA-256 over the previous hash and the canonical {seq, at, event}', () => {
    const e = ev();
    const expected = createHash('sha256').update(GENESIS_HASH + JSON.stringify({ at: '2026-01-01T00:00:00.000Z', event: JSON.parse(canonicalJson(e)), seq: 1 })).digest('hex');
    expect(linkHash(GENESIS_HASH, 1, '2026-01-01T00:00:00.000Z', e)).toBe(expected);
  });
  it('changing the previous hash, the sequence number, the time or any part of the event changes the link', () => {
    const at = '2026-01-01T00:00:00.000Z';
    const h = linkHash(GENESIS_HASH, 1, at, ev());
    expect(linkHash('f'.repeat(64), 1, at, ev())).not.toBe(h);
    expect(linkHash(GENESIS_HASH, 2, at, ev())).not.toBe(h);
    expect(linkHash(GENESIS_HASH, 1, '2026-01-01T00:00:00.001Z', ev())).not.toBe(h);
    expect(linkHash(GENESIS_HASH, 1, at, ev({ user: 'bob' }))).not.toBe(h);
    expect(linkHash(GENESIS_HASH, 1, at, ev({ workspace: null }))).not.toBe(h);
    expect(linkHash(GENESIS_HASH, 1, at, ev({ details: { ...fallbackDetails(), region: 'us-east-1' } }))).not.toBe(h);
    expect(linkHash(GENESIS_HASH, 1, at, { ...ev(), details: Object.fromEntries(Object.entries(fallbackDetails()).reverse()) })).toBe(h);
  });
});

describe('only well-formed events enter the log', () => {
  it('an event type that is not a string is refused, even one that reads as a lower-case name when printed', () => {
    for (const type of [['policy-changed'], { toString: () => 'policy-changed' }, 7]) {
      expect(validateAuditEvent({ type, user: 'alice', workspace: 'acme', details: {} } as unknown as AuditEventInput)).toEqual({ ok: false, reason: 'the event type is not a lower-case name' });
    }
  });
});
