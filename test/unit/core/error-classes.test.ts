// Classification rules that decide fallback eligibility (DESIGN §4.3), from the AWS reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyError, KNOWN_ERROR_CODES } from '../../../src/core/error-classes.js';

// Wordings that read as retryable (expired session, throttling, transient server error), as AWS
// writes them (reference aws.md §5.1–§5.3) and as wrappers paraphrase them.
const RETRYABLE_WORDING = [
  'The security token included in the request is expired',
  'token expired', 'Token has expired', 'session has expired', 'Your session expired',
  'Too many requests, please wait before trying again.', 'Too many tokens, please wait before trying again.', 'Rate exceeded', 'throttled',
  "The service isn't currently available.", 'An internal server error occurred.', 'temporarily unavailable', 'overloaded',
  'The request took too long to process.', 'The model specified in the request is not ready to serve inference requests.',
];
// AWS's own spellings of the codes (reference §5), as the SDK, stream events and the wire give them.
const AWS_SPELLINGS = [
  'ValidationException', 'validationException', 'AccessDeniedException', 'AccessDenied', 'ResourceNotFoundException', 'NotAuthorized',
  'ModelErrorException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignature', 'InvalidClientTokenId',
  'SignatureDoesNotMatch', 'RequestExpired', 'MalformedPolicyDocument', 'InvalidInput', 'FTUFormNotFilled', 'MPAgreementBeingCreated',
  'ThrottlingException', 'throttlingException', 'ServiceUnavailableException', 'ExpiredTokenException', 'ExpiredToken', 'ModelTimeoutException',
];

describe('a message never makes an error more fallback-eligible than its code (issue 9)', () => {
  it.each([
    ['ValidationException', 'token expired'],
    ['ValidationException', 'The security token included in the request is expired'],
    ['AccessDeniedException', 'The security token included in the request is expired'],
    ['AccessDeniedException', 'Your session has expired, please sign in again'],
    ['ResourceNotFoundException', 'session has expired'],
    ['ValidationException', 'Too many tokens in the input'],
    ['AccessDeniedException', 'An internal server error occurred.'],
  ])('%s saying "%s" is not retryable', (code, message) => {
    const c = classifyError({ code, message });
    expect(c.retryable).toBe(false);
    expect(c.category).not.toBe('session-expired');
  });

  it('property: for every known code, retryable with a message implies retryable without it', () => {
    const code = fc.oneof(fc.constantFrom(...KNOWN_ERROR_CODES), fc.constantFrom(...AWS_SPELLINGS));
    const status = fc.option(fc.constantFrom(400, 401, 403, 404, 408, 424, 429, 500, 503, 529), { nil: undefined });
    const wording = fc.constantFrom(...RETRYABLE_WORDING);
    const message = fc.oneof(
      wording,
      fc.string(),
      fc.tuple(fc.string(), wording, fc.string()).map(([a, w, b]) => `${a}${w}${b}`),
    );
    fc.assert(
      fc.property(code, status, message, (c, s, m) => {
        if (classifyError({ code: c, status: s, message: m }).retryable) {
          expect(classifyError({ code: c, status: s }).retryable, `${c} ${s ?? ''} "${m}"`).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('the message still refines a non-retryable code to another non-retryable category', () => {
    expect(classifyError({ code: 'AccessDeniedException', message: 'Model use case details have not been submitted for this account' }).category).toBe('model-access-denied');
  });
});

describe('where nothing decides, not retryable (DESIGN §4.3)', () => {
  // reference aws.md §5 lists no AWS error answered with HTTP 401 (authentication failures are
  // 403: UnrecognizedClient, InvalidSignature, ExpiredToken): a bare 401 says nothing about an
  // expired session, and an unidentified error never falls back.
  it.each([[{ status: 401 }], [{ status: 401, code: '', message: '' }], [{ status: 401, code: '  ' }]])('a bare HTTP 401 %j is not retryable', (input) => {
    const c = classifyError(input);
    expect(c.retryable).toBe(false);
    expect(c.category).not.toBe('session-expired');
  });
});

describe('RequestExpired is a clock problem, not an expired session', () => {
  // reference aws.md §5.2: RequestExpired, HTTP 400, "Timestamp more than 15 minutes off; check the
  // clock" (troubleshooting-api-error-codes.html; common-errors.html). The request was signed at a
  // wrong time; the credentials have not expired, and the same clock would sign the retry.
  it.each([[{ code: 'RequestExpired' }], [{ code: 'RequestExpired', status: 400 }], [{ code: 'RequestExpired', status: 400, message: 'Request has expired.' }]])('%j is not retryable', (input) => {
    const c = classifyError(input);
    expect(c.retryable).toBe(false);
    expect(c.category).not.toBe('session-expired');
  });
});

describe('an error code named like an object property is just an unknown code', () => {
  it.each(['constructor', 'ConstructorException', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])('%s: other, not retryable, no crash', (code) => {
    const c = classifyError({ code, status: 400 });
    expect(c.retryable).toBe(false);
    expect(typeof c.category).toBe('string');
  });
});
