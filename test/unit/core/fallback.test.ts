import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyError } from '../../../src/core/error-classes.js';
import { evaluateFallback, type FallbackInput } from '../../../src/core/fallback.js';
import { checkPlan, checkPolicyChange, defaultPolicy } from '../../../src/core/plans.js';

describe('classifyError (reference aws.md §5)', () => {
  it.each([
    [{ code: 'ThrottlingException' }, 'throttled', true],
    [{ code: 'throttlingException' }, 'throttled', true],
    [{ code: 'Throttling' }, 'throttled', true],
    [{ code: 'ServiceQuotaExceededException' }, 'throttled', true],
    [{ code: 'ExpiredTokenException' }, 'session-expired', true],
    [{ code: 'ExpiredToken' }, 'session-expired', true],
    [{ code: 'InternalServerException' }, 'service-unavailable', true],
    [{ code: 'serviceUnavailableException' }, 'service-unavailable', true],
    [{ code: 'ModelTimeoutException' }, 'service-unavailable', true],
    [{ code: 'ModelNotReadyException' }, 'service-unavailable', true],
    [{ code: 'modelStreamErrorException' }, 'service-unavailable', true],
    [{ code: 'ECONNRESET' }, 'service-unavailable', true],
    [{ code: 'ModelErrorException' }, 'other', false],
    [{ code: 'UnrecognizedClientException' }, 'credential-invalid', false],
    [{ code: 'InvalidSignatureException' }, 'credential-invalid', false],
    [{ code: 'SignatureDoesNotMatch' }, 'credential-invalid', false],
    [{ code: 'InvalidClientTokenId' }, 'credential-invalid', false],
    [{ code: 'AccessDeniedException', message: 'User: arn:aws:iam::1:user/x is not authorized to perform: bedrock:InvokeModel on resource: arn' }, 'iam-permission', false],
    [{ code: 'AccessDeniedException', message: 'Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions' }, 'model-access-denied', false],
    // A message never makes a non-retryable code retryable (issue 9): AccessDenied stays a permission error.
    [{ code: 'AccessDeniedException', message: 'The security token included in the request is expired' }, 'iam-permission', false],
    [{ code: 'ResourceNotFoundException', message: 'Model use case details have not been submitted for this account' }, 'model-access-denied', false],
    [{ code: 'ValidationException', message: 'Invocation of model ID x with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.' }, 'inference-profile-required', false],
    [{ code: 'ValidationException', message: 'Too many tokens in the input' }, 'validation', false],
    [{ code: 'ValidationException' }, 'validation', false],
    [{ code: 'guardrail_intervened' }, 'content-filtered', false],
    [{ status: 429 }, 'throttled', true],
    [{ status: 503 }, 'service-unavailable', true],
    [{ status: 529 }, 'service-unavailable', true],
    [{ status: 403 }, 'iam-permission', false],
    [{ status: 400 }, 'validation', false],
    [{ message: 'Too many requests, please wait before trying again.' }, 'throttled', true],
    [{ message: 'The security token included in the request is expired' }, 'session-expired', true],
    [{}, 'other', false],
    [{ code: 'SomethingNew' }, 'other', false],
    [{ status: 418 }, 'other', false],
  ])('%j → %s', (input, category, retryable) => {
    expect(classifyError(input)).toMatchObject({ category, retryable });
  });
});

describe('evaluateFallback', () => {
  const base: FallbackInput = { error: { code: 'ThrottlingException' }, operation: { kind: 'read' }, policy: 'allow', region: 'eu-west-1', platformRegions: ['eu-west-1'], platformOwner: 'alice' };
  it('falls back only when every rule holds, to the same region', () => {
    expect(evaluateFallback(base)).toMatchObject({ decision: 'fallback', targetRegion: 'eu-west-1', requiresConfirmation: false });
    expect(evaluateFallback({ ...base, policy: 'warn' })).toMatchObject({ decision: 'fallback', requiresConfirmation: true });
  });
  it.each([
    ['strict', { policy: 'strict' as const }],
    ['no policy', { policy: undefined }],
    ['not retryable', { error: { code: 'AccessDeniedException' } }],
    ['unknown error', { error: {} }],
    ['unmarked write', { operation: { kind: 'write' as const } }],
    ['autonomous production write, marked', { operation: { kind: 'write' as const, markedFallbackEligible: true, autonomous: true, environment: 'production' as const } }],
    ['autonomous write, environment unknown', { operation: { kind: 'write' as const, markedFallbackEligible: true, autonomous: true } }],
    ['unknown kind', { operation: { kind: undefined } }],
    ['no region', { region: undefined }],
    ['bad region', { region: 'nowhere' }],
    ['platform elsewhere', { platformRegions: ['us-east-1'] }],
    ['no platform', { platformRegions: [] }],
    ['audit unwritable', { auditWritable: false }],
    ['platform credentials with no recorded owner', { platformRegions: ['eu-west-1'], platformOwner: null }],
    // What is not known is not assumed: a what-if with no workspace read knows no platform credentials.
    ['the regions the platform serves are not known', { platformRegions: undefined }],
    ["the platform credentials' owner is not known", { platformOwner: undefined }],
    ['an earlier warn fallback awaits re-confirmation (warn)', { policy: 'warn' as const, confirmationPending: true }],
    ['an earlier warn fallback awaits re-confirmation (allow)', { confirmationPending: true }],
  ])('fails closed: %s', (_n, patch) => {
    const d = evaluateFallback({ ...base, ...patch });
    expect(d.decision).toBe('fail');
    expect(d.targetRegion).toBeNull();
    expect(d.reasons.length).toBe(6);
  });
  it('a marked write in staging may fall back', () => {
    expect(evaluateFallback({ ...base, operation: { kind: 'write', markedFallbackEligible: true, autonomous: true, environment: 'staging' } }).decision).toBe('fallback');
  });

  it('property: the safety rules hold over thousands of generated inputs', () => {
    const codes = ['ThrottlingException', 'throttlingException', 'ExpiredToken', 'ExpiredTokenException', 'InternalServerException', 'AccessDeniedException', 'ValidationException', 'ModelErrorException', 'ServiceUnavailableException', 'ECONNRESET', 'Whatever', ''];
    const arb = fc.record({
      error: fc.record({ code: fc.option(fc.oneof(fc.constantFrom(...codes), fc.string()), { nil: undefined }), status: fc.option(fc.oneof(fc.constantFrom(400, 403, 408, 429, 500, 503, 529), fc.integer({ min: 0, max: 999 })), { nil: undefined }), message: fc.option(fc.oneof(fc.constantFrom('Too many requests', 'The security token included in the request is expired', 'not authorized to perform'), fc.string()), { nil: undefined }) }, { requiredKeys: [] }),
      operation: fc.record({ kind: fc.constantFrom('read' as const, 'write' as const, undefined), markedFallbackEligible: fc.option(fc.boolean(), { nil: undefined }), autonomous: fc.option(fc.boolean(), { nil: undefined }), environment: fc.constantFrom('production' as const, 'staging' as const, 'development' as const, undefined) }),
      policy: fc.constantFrom('allow' as const, 'warn' as const, 'strict' as const, undefined),
      region: fc.option(fc.oneof(fc.constantFrom('eu-west-1', 'us-east-1', 'ap-northeast-1'), fc.string()), { nil: undefined }),
      platformRegions: fc.option(fc.subarray(['eu-west-1', 'us-east-1', 'ap-northeast-1']), { nil: undefined }),
      auditWritable: fc.option(fc.boolean(), { nil: undefined }),
      confirmationPending: fc.option(fc.boolean(), { nil: undefined }),
      platformOwner: fc.constantFrom('alice', null, undefined),
    });
    fc.assert(
      fc.property(arb, (input) => {
        const d = evaluateFallback(input as FallbackInput);
        if (input.policy === 'strict' || input.policy === undefined) expect(d.decision).toBe('fail');
        if (d.decision === 'fallback') {
          expect(d.targetRegion).toBe(input.region);
          expect(d.retryable).toBe(true);
          expect(d.category).not.toBe('other');
          expect(input.auditWritable).not.toBe(false);
          if (input.platformRegions) expect(input.platformRegions).toContain(input.region);
        } else expect(d.targetRegion).toBeNull();
        if (input.operation.kind === 'write' && input.operation.autonomous && (input.operation.environment === 'production' || input.operation.environment === undefined)) expect(d.decision).toBe('fail');
        if (d.category === 'other') expect(d.decision).toBe('fail');
        if (input.confirmationPending) expect(d.decision).toBe('fail');
        if (input.platformOwner === null) expect(d.decision).toBe('fail');
        expect(d.requiresConfirmation).toBe(d.decision === 'fallback' && input.policy === 'warn');
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('plans', () => {
  it('eligibility and defaults', () => {
    for (const p of ['scale', 'scale-plus', 'enterprise', 'byoc'] as const) expect(checkPlan(p).ok).toBe(true);
    for (const p of ['free', 'pro'] as const) expect(checkPlan(p)).toMatchObject({ ok: false, error: { code: 'plan-not-eligible' } });
    expect(defaultPolicy('enterprise').policy).toBe('strict');
    expect(defaultPolicy('byoc').policy).toBe('strict');
  });
  const change = { plan: 'enterprise' as const, owner: 'alice', actor: 'alice', current: 'strict' as const, locked: false, next: 'strict' as const };
  it.each([
    ['owner locks at strict', { lock: true }, true],
    ['lock at allow', { next: 'allow' as const, lock: true }, false],
    ['member locks', { actor: 'bob', lock: true }, false],
    ['lock on scale', { plan: 'scale' as const, lock: true }, false],
    ['member sets allow while locked', { actor: 'bob', locked: true, next: 'allow' as const }, false],
    ['owner sets allow while locked', { locked: true, next: 'allow' as const }, false],
    ['owner unlocks and sets allow', { locked: true, next: 'allow' as const, unlock: true }, true],
    ['member unlocks', { actor: 'bob', locked: true, unlock: true }, false],
    ['member sets warn unlocked', { actor: 'bob', next: 'warn' as const }, true],
  ])('%s', (_n, patch, allowed) => {
    expect(checkPolicyChange({ ...change, ...patch }).ok).toBe(allowed);
  });
});
