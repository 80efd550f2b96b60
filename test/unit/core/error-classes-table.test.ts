// Every classification the product relies on, row by row (reference aws.md §5.1–§5.4), so that
// changing any one row of the code table, the status table or the message rules changes an
// outcome a test names. Retryable = session expired, throttled, transient server failure; every
// other category is surfaced and never falls back (DESIGN §4.3). Written for the mutation pass
// (issue 15).
import { describe, expect, it } from 'vitest';
import { classifyError, ERROR_CATEGORIES, KNOWN_ERROR_CODES, normalizeCode, REFUSED_CATEGORIES, RETRYABLE_CATEGORIES } from '../../../src/core/error-classes.js';

// AWS's spelling of each code (as the SDK, the wire or Node give it) → category.
const CODES: [string, string][] = [
  ['ExpiredTokenException', 'session-expired'],
  ['UnrecognizedClientException', 'credential-invalid'],
  ['InvalidClientTokenId', 'credential-invalid'],
  ['SignatureDoesNotMatch', 'credential-invalid'],
  ['InvalidSignatureException', 'credential-invalid'],
  ['IncompleteSignature', 'credential-invalid'],
  ['MissingAuthenticationToken', 'credential-invalid'],
  ['RequestExpired', 'credential-invalid'],
  ['ThrottlingException', 'throttled'],
  ['TooManyRequestsException', 'throttled'],
  ['RequestLimitExceeded', 'throttled'],
  ['RequestThrottled', 'throttled'],
  ['Throttled', 'throttled'],
  ['SlowDown', 'throttled'],
  ['BandwidthLimitExceeded', 'throttled'],
  ['ServiceQuotaExceededException', 'throttled'],
  ['ProvisionedThroughputExceededException', 'throttled'],
  ['InternalServerException', 'service-unavailable'],
  ['ServiceUnavailableException', 'service-unavailable'],
  ['ModelTimeoutException', 'service-unavailable'],
  ['ModelNotReadyException', 'service-unavailable'],
  ['ModelStreamErrorException', 'service-unavailable'],
  ['overloaded_error', 'service-unavailable'],
  ['Overloaded', 'service-unavailable'],
  ['ServiceFailure', 'service-unavailable'],
  ['InternalFailure', 'service-unavailable'],
  ['TimeoutError', 'service-unavailable'],
  ['RequestTimeout', 'service-unavailable'],
  ['RequestTimeoutException', 'service-unavailable'],
  ['ECONNRESET', 'service-unavailable'],
  ['ECONNREFUSED', 'service-unavailable'],
  ['EPIPE', 'service-unavailable'],
  ['ETIMEDOUT', 'service-unavailable'],
  ['EHOSTUNREACH', 'service-unavailable'],
  ['ENETUNREACH', 'service-unavailable'],
  ['ENOTFOUND', 'service-unavailable'],
  ['EAI_AGAIN', 'service-unavailable'],
  ['FTUFormNotFilled', 'model-access-denied'],
  ['MPAgreementBeingCreated', 'model-access-denied'],
  ['AccessDeniedException', 'iam-permission'],
  ['AccessDenied', 'iam-permission'],
  ['NotAuthorized', 'iam-permission'],
  ['UnauthorizedOperation', 'iam-permission'],
  ['ValidationException', 'validation'],
  ['InvalidInput', 'validation'],
  ['MalformedPolicyDocument', 'validation'],
  ['content_filtered', 'content-filtered'],
  ['guardrail_intervened', 'content-filtered'],
  ['ModelErrorException', 'other'],
  ['ResourceNotFoundException', 'other'],
  // From the public error corpus (test/fixtures/aws-errors.json, issue 11 §5): STS in a region
  // where it is not activated is the region's problem; rejected web-identity tokens are the
  // credential's; IAM's entity and quota refusals are not transient, so none of these is retryable.
  ['RegionDisabledException', 'region-mismatch'],
  ['InvalidIdentityToken', 'credential-invalid'],
  ['IDPRejectedClaim', 'credential-invalid'],
  ['Conflict', 'other'],
  ['ResourceInUse', 'other'],
  ['UnmodifiableEntity', 'other'],
  ['EntityAlreadyExists', 'other'],
  ['EntityTemporarilyUnmodifiable', 'other'],
  ['NoSuchEntity', 'other'],
  ['DeleteConflict', 'other'],
  ['LimitExceeded', 'other'],
  ['ConcurrentModification', 'other'],
];
const RETRYABLE = new Set(['session-expired', 'throttled', 'service-unavailable']);

describe('every known error code has the category the AWS reference gives it', () => {
  it.each(CODES)('%s is %s, decided by its code', (code, category) => {
    const c = classifyError({ code });
    expect(c).toMatchObject({ category, retryable: RETRYABLE.has(category), matchedBy: 'code', normalizedCode: normalizeCode(code) });
    expect(c.explanation).toBe(`the code ${code} says so`);
  });

  it('the table lists exactly these codes (a new row needs its row here)', () => {
    expect([...KNOWN_ERROR_CODES].sort()).toEqual([...new Set(CODES.map(([c]) => normalizeCode(c)))].sort());
  });

  it('an HTTP status never overrides a code that decides', () => {
    expect(classifyError({ code: 'ThrottlingException', status: 400 })).toMatchObject({ category: 'throttled', retryable: true });
    expect(classifyError({ code: 'ValidationException', status: 503 })).toMatchObject({ category: 'validation', retryable: false });
  });
});

describe('the retryable and refused sets', () => {
  it('exactly session-expired, throttled and service-unavailable are retryable', () => {
    expect([...RETRYABLE_CATEGORIES].sort()).toEqual([...RETRYABLE].sort());
  });
  it('AWS refusing the identity (exit 4) is credential-invalid, session-expired, iam-permission, model-access-denied', () => {
    expect([...REFUSED_CATEGORIES].sort()).toEqual(['credential-invalid', 'iam-permission', 'model-access-denied', 'session-expired']);
  });
  it('the vocabulary is fixed (DESIGN §4.3)', () => {
    expect([...ERROR_CATEGORIES]).toEqual(['session-expired', 'credential-invalid', 'throttled', 'service-unavailable', 'model-access-denied', 'iam-permission', 'inference-profile-required', 'region-mismatch', 'validation', 'content-filtered', 'other']);
  });
});

describe('normalizeCode: the spellings of one code are one code', () => {
  it.each([
    ['ThrottlingException', 'throttling'],
    ['throttlingException', 'throttling'],
    ['  Throttling  ', 'throttling'],
    ['TimeoutError', 'timeout'],
    ['ModelStreamErrorException', 'modelstream'],
    ['EXCEPTIONAL', 'exceptional'],
    ['ErrorCode', 'errorcode'],
  ])('%j → %s', (code, n) => expect(normalizeCode(code)).toBe(n));
  it('a blank code is no code', () => {
    expect(classifyError({ code: '   ', status: 429 })).toMatchObject({ category: 'throttled', matchedBy: 'status', normalizedCode: undefined });
  });
});

describe('HTTP status alone, when no code or message decides', () => {
  it.each([
    [429, 'throttled'], [408, 'service-unavailable'], [500, 'service-unavailable'], [502, 'service-unavailable'], [503, 'service-unavailable'],
    [504, 'service-unavailable'], [529, 'service-unavailable'], [401, 'credential-invalid'], [403, 'iam-permission'], [400, 'validation'],
    [413, 'validation'], [422, 'validation'],
  ])('HTTP %i is %s', (status, category) => {
    const c = classifyError({ status });
    expect(c).toMatchObject({ category, retryable: RETRYABLE.has(category), matchedBy: 'status' });
    expect(c.explanation).toBe(`HTTP ${status} with no code or message that decides: ${category}${status === 403 ? ' (could also be an expired token; treated as a permission error, not retryable)' : ''}`);
  });
  it('a bare 403 says it could be an expired token but is treated as a permission error', () => {
    expect(classifyError({ status: 403 }).explanation).toMatch(/could also be an expired token; treated as a permission error, not retryable/);
    expect(classifyError({ status: 401 }).explanation).not.toMatch(/expired token/);
  });
  it.each([[200], [404], [418], [424], [501], [505], [599], [0], [-1]])('HTTP %i alone decides nothing: other, not retryable', (status) => {
    expect(classifyError({ status })).toMatchObject({ category: 'other', retryable: false, matchedBy: 'none' });
  });
  it('a status that is not an integer is ignored', () => {
    expect(classifyError({ status: 429.5 })).toMatchObject({ category: 'other', matchedBy: 'none' });
    expect(classifyError({ status: '429' as unknown as number })).toMatchObject({ category: 'other', matchedBy: 'none' });
  });
});

describe('the message, where no code decides', () => {
  it.each([
    ['The security token included in the request is expired', 'session-expired'],
    ['Token expired', 'session-expired'],
    ['token has expired', 'session-expired'],
    ['Session expired', 'session-expired'],
    ['the session has expired', 'session-expired'],
    ["Invocation of model ID x with on-demand throughput isn't supported.", 'inference-profile-required'],
    ['Retry your request with the ID or ARN of an inference profile that contains this model.', 'inference-profile-required'],
    ['Model use case details have not been submitted for this account.', 'model-access-denied'],
    ['requires an AWS Marketplace subscription', 'model-access-denied'],
    ['You do not have model access', 'model-access-denied'],
    ['marketplace subscription required', 'model-access-denied'],
    ["You don't have access to the model with the specified model ID.", 'model-access-denied'],
    ['You do not have access to the model', 'model-access-denied'],
    ['The model is not available in this region for you', 'model-access-denied'],
    ['An agreement is being created', 'model-access-denied'],
    ['User: x is not authorized to perform: bedrock:InvokeModel', 'iam-permission'],
    ['because no identity-based policy allows the action', 'iam-permission'],
    ['with an explicit deny in a service control policy', 'iam-permission'],
    ['You do not have sufficient permissions', 'iam-permission'],
    ['Not authorized', 'iam-permission'],
    ['The security token included in the request is invalid.', 'credential-invalid'],
    ['The request signature we calculated does not match the signature you provided.', 'credential-invalid'],
    ['The AWS Access Key Id you provided does not exist in our records.', 'credential-invalid'],
    ['Signature expired: 20250101T000000Z is now earlier than', 'credential-invalid'],
    ['Request has expired.', 'credential-invalid'],
    ['The region eu-west-9 is not supported', 'region-mismatch'],
    ['this region is not available', 'region-mismatch'],
    ['Region mismatch', 'region-mismatch'],
    ['invalid source region', 'region-mismatch'],
    ['Too many requests, please wait before trying again.', 'throttled'],
    ['Too many tokens, please wait before trying again.', 'throttled'],
    ['Rate exceeded', 'throttled'],
    ['Request was throttled', 'throttled'],
    ["The service isn't currently available.", 'service-unavailable'],
    ['The service is not currently available', 'service-unavailable'],
    ['An internal server error occurred.', 'service-unavailable'],
    ['temporarily unavailable', 'service-unavailable'],
    ['Overloaded', 'service-unavailable'],
    ['The request took too long to process.', 'service-unavailable'],
    ['The model is not ready to serve inference requests.', 'service-unavailable'],
    ['Blocked by a content filter', 'content-filtered'],
    ['The guardrail intervened', 'content-filtered'],
    ['Output blocked by the content policy', 'content-filtered'],
    ['Output blocked by content policy', 'content-filtered'],
    ['The response was blocked by guardrail policy', 'content-filtered'],
    // Requests that are wrong as sent, in the wordings AWS and Bedrock use when no code arrives.
    ["1 validation error detected: Value 'x' at 'modelId' failed to satisfy constraint: Member must satisfy regular expression pattern", 'validation'],
    ['2 validation errors detected: Value null at messages', 'validation'],
    ['1 validation error detected in the request body', 'validation'],
    ["Value 'x' at 'maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1", 'validation'],
    ['Malformed input request: #: subject must not be valid against schema', 'validation'],
    ['messages: roles must alternate between "user" and "assistant"', 'validation'],
    ['messages must alternate between user and assistant', 'validation'],
    ['Input is too long for requested model.', 'validation'],
    ['prompt is too long: 250000 tokens > 200000 maximum', 'validation'],
    ['The model returned the following errors: max_tokens: field required', 'validation'],
    ['Cannot call GetSessionToken with session credentials', 'credential-invalid'],
  ])('"%s" is %s, decided by the message', (message, category) => {
    const c = classifyError({ message });
    expect(c).toMatchObject({ category, retryable: RETRYABLE.has(category), matchedBy: 'message' });
    expect(c.explanation).toMatch(/^the message /);
  });

  it.each([
    ['Cannot call GetFederationToken with session credentials', 'the message says this call needs long-term credentials, not session credentials'],
    ['Input is too long for requested model.', 'the message says the request is malformed or too large'],
    ['Blocked by a content filter', 'the message says content was filtered'],
    ['Rate exceeded', 'the message says the call was throttled'],
  ])('the explanation of "%s" says what the message shows: %s', (message, why) => {
    expect(classifyError({ message }).explanation).toBe(why);
  });
  it('a message that is not text never decides, whatever it would read as (only AWS\'s text is read)', () => {
    for (const message of [['Rate exceeded'], { toString: () => 'The security token included in the request is expired' }]) {
      const c = classifyError({ message: message as unknown as string });
      expect(c).toMatchObject({ category: 'other', retryable: false, matchedBy: 'none' });
      expect(classifyError({ message: message as unknown as string, status: 400 })).toMatchObject({ category: 'validation', retryable: false, matchedBy: 'status' });
    }
  });
  it('an unknown code with a message that decides: the message decides, and the code is kept', () => {
    expect(classifyError({ code: 'SomethingNewException', message: 'Rate exceeded' })).toMatchObject({ category: 'throttled', matchedBy: 'message', normalizedCode: 'somethingnew' });
  });
  it('a message decides before a status', () => {
    expect(classifyError({ status: 429, message: 'not authorized to perform' })).toMatchObject({ category: 'iam-permission', retryable: false });
  });
  it('a message that is not a string is ignored', () => {
    expect(classifyError({ message: 42 as unknown as string, status: 503 })).toMatchObject({ category: 'service-unavailable', matchedBy: 'status' });
  });
});

describe('ambiguous codes are refined by the message, never widened', () => {
  it.each([
    ['AccessDeniedException', 'Model use case details have not been submitted for this account.', 'model-access-denied'],
    ['AccessDenied', 'not authorized to perform', 'iam-permission'],
    ['ValidationException', "on-demand throughput isn't supported", 'inference-profile-required'],
    ['ValidationException', 'The region is not supported', 'region-mismatch'],
    ['ResourceNotFoundException', 'Model use case details have not been submitted', 'model-access-denied'],
    ['NotAuthorized', 'requires an AWS Marketplace subscription', 'model-access-denied'],
  ])('%s saying "%s" is %s', (code, message, category) => {
    const c = classifyError({ code, message });
    expect(c).toMatchObject({ category, matchedBy: 'message', retryable: false });
    expect(c.explanation.startsWith(`${code}: `)).toBe(true);
  });

  it('a code that is not ambiguous keeps its category whatever the message says', () => {
    expect(classifyError({ code: 'UnrecognizedClientException', message: 'not authorized to perform' })).toMatchObject({ category: 'credential-invalid', matchedBy: 'code' });
    expect(classifyError({ code: 'ThrottlingException', message: 'An internal server error occurred.' })).toMatchObject({ category: 'throttled', matchedBy: 'code' });
    expect(classifyError({ code: 'ModelErrorException', message: 'not authorized to perform' })).toMatchObject({ category: 'other', matchedBy: 'code' });
  });

  it('a retryable-sounding message on a non-retryable code says so and stays with the code', () => {
    const c = classifyError({ code: 'AccessDeniedException', message: 'Rate exceeded' });
    expect(c).toMatchObject({ category: 'iam-permission', retryable: false, matchedBy: 'code' });
    expect(c.explanation).toMatch(/^the code AccessDeniedException says so; the message says the call was throttled, but a message never makes a non-retryable code retryable$/);
  });
  it('a retryable message on a retryable code is not called a widening', () => {
    expect(classifyError({ code: 'ThrottlingException', message: 'Rate exceeded' }).explanation).toBe('the code ThrottlingException says so');
  });
});

describe('where nothing identifies the error', () => {
  it('an unknown code is named in the explanation, and is not retryable', () => {
    expect(classifyError({ code: 'BrandNewException' })).toMatchObject({ category: 'other', retryable: false, matchedBy: 'none', explanation: 'unknown error code BrandNewException: not retryable' });
  });
  it('nothing at all says so', () => {
    expect(classifyError({})).toMatchObject({ category: 'other', retryable: false, matchedBy: 'none', explanation: 'nothing in the error identifies it: not retryable' });
  });
});
