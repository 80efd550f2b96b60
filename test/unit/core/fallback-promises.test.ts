// The fallback promises (DESIGN §4.3, README "Fallback policy") stated as properties over every
// combination of their inputs, with the expected outcome written from the product's rules (a
// model below), not from byok's own functions. Written for the mutation pass (issue 15): each
// property fails when any one rule, its target or its stated reason is changed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFallback, platformTarget, type FallbackInput } from '../../../src/core/fallback.js';
import type { PlatformConfig } from '../../../src/core/config-doc.js';

// Errors with their retryability as the product states it (reference aws.md §5): session expired,
// throttled and transient server failures are retryable; identity, permission, validation,
// content and anything unidentified are not.
const ERRORS: [FallbackInput['error'], boolean][] = [
  [{ code: 'ThrottlingException', status: 429 }, true],
  [{ code: 'ServiceUnavailableException', status: 503 }, true],
  [{ code: 'InternalServerException', status: 500 }, true],
  [{ code: 'ExpiredTokenException', status: 403 }, true],
  [{ code: 'ModelNotReadyException' }, true],
  [{ status: 429 }, true],
  [{ status: 503 }, true],
  [{ message: 'Too many requests, please wait before trying again.' }, true],
  [{ code: 'AccessDeniedException', status: 403, message: 'User: arn:aws:iam::123456789012:user/x is not authorized to perform: bedrock:InvokeModel' }, false],
  [{ code: 'UnrecognizedClientException', status: 403 }, false],
  [{ code: 'ValidationException', status: 400 }, false],
  [{ code: 'ModelErrorException', status: 424 }, false],
  [{ status: 403 }, false],
  [{}, false],
];
const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-northeast-1'];
const RULES = ['retryable', 'operation-eligible', 'policy', 'same-region', 'platform-owner', 'audit'] as const;

const inputArb = fc.record({
  error: fc.constantFrom(...ERRORS),
  kind: fc.constantFrom('read' as const, 'write' as const, undefined, 'delete'),
  marked: fc.constantFrom(true, false, undefined),
  autonomous: fc.constantFrom(true, false, undefined),
  environment: fc.constantFrom('production' as const, 'staging' as const, 'development' as const, undefined),
  policy: fc.constantFrom('allow', 'warn', 'strict', undefined, 'ALLOW', 'permissive', ''),
  region: fc.oneof(fc.constantFrom(...REGIONS), fc.constantFrom(undefined, '', 'EU-WEST-1', 'nowhere', 'eu-west-1 ')),
  platformRegions: fc.option(fc.subarray(REGIONS), { nil: undefined }),
  auditWritable: fc.constantFrom(true, false, undefined),
  // Issue 9: platform credentials with no recorded owner are never a target (null); an earlier
  // fallback under warn that awaits re-confirmation stops the next one.
  platformOwner: fc.constantFrom('alice', null, undefined),
  confirmationPending: fc.constantFrom(true, false, undefined),
});
type Gen = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function toInput(g: Gen): FallbackInput {
  return {
    error: g.error[0],
    operation: { kind: g.kind as 'read' | 'write' | undefined, markedFallbackEligible: g.marked, autonomous: g.autonomous, environment: g.environment },
    policy: g.policy as FallbackInput['policy'],
    region: g.region,
    platformRegions: g.platformRegions,
    auditWritable: g.auditWritable,
    platformOwner: g.platformOwner,
    confirmationPending: g.confirmationPending,
  };
}

/** The product's rules, one by one. */
function model(g: Gen): Record<(typeof RULES)[number], boolean> {
  const autonomousProduction = g.autonomous === true && (g.environment === undefined || g.environment === 'production');
  return {
    retryable: g.error[1],
    'operation-eligible': g.kind === 'read' || (g.kind === 'write' && !autonomousProduction && g.marked === true),
    policy: (g.policy === 'allow' || g.policy === 'warn') && g.confirmationPending !== true,
    // What is not known is not assumed (fail closed): the regions the platform serves must be given
    // and hold the original region; the owner must be named, or there are no platform credentials at all.
    'same-region': g.region !== undefined && REGIONS.includes(g.region) && g.platformRegions !== undefined && g.platformRegions.includes(g.region),
    'platform-owner': g.platformOwner === 'alice' || (g.platformOwner === undefined && g.platformRegions !== undefined && g.platformRegions.length === 0),
    audit: g.auditWritable !== false,
  };
}

describe('the fallback decision follows the product rules for every input', () => {
  it('a fallback happens exactly when every rule holds, and each rule is judged on its own', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const d = evaluateFallback(toInput(g));
        const m = model(g);
        const got = { rules: d.rules.map((r) => `${r.rule}=${r.passed}`).join(' '), decision: d.decision, retryable: d.retryable };
        const want = { rules: RULES.map((r) => `${r}=${m[r]}`).join(' '), decision: RULES.every((r) => m[r]) ? 'fallback' : 'fail', retryable: g.error[1] };
        if (JSON.stringify(got) !== JSON.stringify(want)) expect(got).toEqual(want);
      }),
      { numRuns: 1500 },
    );
  });

  it("for every platform-region list and every workspace region, a fallback's target equals the original call's region, or there is no fallback", () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const d = evaluateFallback(toInput(g));
        if (d.decision === 'fallback') {
          expect(d.targetRegion).toBe(g.region);
          expect(g.platformRegions).toContain(d.targetRegion);
        } else expect(d.targetRegion).toBeNull();
      }),
      { numRuns: 1500 },
    );
  });

  it('only the warn policy asks for re-confirmation, and only after a fallback; the policy is reported as given, or null when it is not valid', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const d = evaluateFallback(toInput(g));
        expect(d.requiresConfirmation).toBe(d.decision === 'fallback' && g.policy === 'warn');
        expect(d.policy).toBe(g.policy === 'allow' || g.policy === 'warn' || g.policy === 'strict' ? g.policy : null);
      }),
      { numRuns: 1000 },
    );
  });

  it('every decision comes with one reason per rule, "ok:" for a rule that held and "no:" for one that did not', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const d = evaluateFallback(toInput(g));
        expect(d.reasons).toHaveLength(RULES.length);
        d.rules.forEach((r, i) => {
          const reason = d.reasons[i]!;
          const good = reason === `${r.passed ? 'ok' : 'no'}: ${r.detail}` && r.detail.length > 20;
          if (!good) expect({ reason, rule: r }).toBe('one "ok: "/"no: " line per rule, with its detail');
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, whatever arrives (missing operation, error or policy): it fails closed', () => {
    const d = evaluateFallback({ error: undefined, operation: undefined, policy: undefined, region: undefined } as unknown as FallbackInput);
    expect(d.decision).toBe('fail');
    expect(d.rules.find((r) => r.rule === 'operation-eligible')!.detail).toMatch(/operation kind is unknown/);
  });
});

describe('each reason names the cause an admin needs to act on', () => {
  const base: FallbackInput = { error: { code: 'ThrottlingException' }, operation: { kind: 'read' }, policy: 'allow', region: 'eu-west-1', platformRegions: ['eu-west-1'] };
  const detail = (patch: Partial<FallbackInput>, rule: (typeof RULES)[number]) => evaluateFallback({ ...base, ...patch }).rules.find((r) => r.rule === rule)!.detail;

  it('retryability: says whether the error is retryable and why, and that a non-retryable one is surfaced', () => {
    expect(detail({}, 'retryable')).toMatch(/^the error is retryable \(throttled: .+\)$/);
    expect(detail({ error: { code: 'AccessDeniedException' } }, 'retryable')).toMatch(/^the error is not retryable \(iam-permission: .+\); it is surfaced, never masked by platform credentials$/);
  });
  it('operation: names reads, marked and unmarked writes, autonomous production writes and an unknown kind', () => {
    expect(detail({}, 'operation-eligible')).toMatch(/read operations are fallback-eligible/);
    expect(detail({ operation: { kind: 'write', markedFallbackEligible: true } }, 'operation-eligible')).toMatch(/explicitly marked fallback-eligible/);
    expect(detail({ operation: { kind: 'write' } }, 'operation-eligible')).toMatch(/write operations fall back only when explicitly marked/);
    expect(detail({ operation: { kind: 'write', markedFallbackEligible: true, autonomous: true, environment: 'production' } }, 'operation-eligible')).toMatch(/autonomous write actions in production never fall back/);
    expect(detail({ operation: { kind: 'write', markedFallbackEligible: true, autonomous: true } }, 'operation-eligible')).toMatch(/no environment given is treated as production/);
    expect(detail({ operation: { kind: undefined } }, 'operation-eligible')).toMatch(/operation kind is unknown/);
  });
  it('policy: a policy given for a what-if is called that, beside the workspace\'s own (or that none was read)', () => {
    expect(detail({ policyGiven: { workspacePolicy: 'strict' } }, 'policy')).toBe("the policy given is allow; a what-if: the workspace's own is strict");
    expect(detail({ policy: 'strict', policyGiven: { workspacePolicy: 'allow' } }, 'policy')).toBe("the policy given is strict: never retry on a different credential; a what-if: the workspace's own is allow");
    expect(detail({ policy: 'warn', policyGiven: { workspacePolicy: null } }, 'policy')).toBe('the policy given is warn (the user must re-confirm on the next session); a what-if: no workspace was read');
    expect(detail({ policy: 'warn', confirmationPending: true, policyGiven: { workspacePolicy: 'warn' } }, 'policy')).toMatch(/^the policy given is warn, but an earlier fallback under warn awaits re-confirmation: .*\(byok policy confirm\); a what-if: the workspace's own is warn$/);
    expect(detail({ policy: undefined, policyGiven: { workspacePolicy: 'allow' } }, 'policy')).toBe('no valid fallback policy is known, so there is no fallback');
    expect(detail({}, 'policy')).toBe('the workspace policy is allow');
  });
  it('policy: names the policy, says warn needs re-confirmation and strict never retries', () => {
    expect(detail({}, 'policy')).toMatch(/policy is allow/);
    expect(detail({ policy: 'warn' }, 'policy')).toMatch(/policy is warn \(the user must re-confirm/);
    expect(detail({ policy: 'strict' }, 'policy')).toMatch(/policy is strict: never retry on a different credential/);
    expect(detail({ policy: undefined }, 'policy')).toMatch(/no valid fallback policy is known/);
  });
  it('region: names the region the retry goes to, the regions the platform serves, or why it cannot be pinned', () => {
    expect(detail({}, 'same-region')).toBe('the retry would go to the platform endpoint in eu-west-1, the region of the original call');
    expect(detail({ platformRegions: undefined }, 'same-region')).toBe('the regions the platform credentials serve are not known, so a retry in eu-west-1 cannot be shown to stay in the region');
    expect(detail({ platformRegions: ['us-east-1', 'us-west-2'] }, 'same-region')).toBe('the platform does not serve eu-west-1 (it serves us-east-1, us-west-2); a fallback never leaves the region');
    expect(detail({ platformRegions: [] }, 'same-region')).toMatch(/no platform credentials are configured for any region/);
    expect(detail({ region: undefined }, 'same-region')).toMatch(/original region is unknown/);
    expect(detail({ region: undefined, platformRegions: undefined }, 'same-region')).toBe('the original region is unknown, so the retry cannot be pinned to it');
    // A name that is not a region is no region, even where the platform list carries the same text.
    for (const bad of ['EU-WEST-1', 'nowhere', 'eu-west-1 ']) {
      const d = evaluateFallback({ ...base, region: bad, platformRegions: [bad], platformOwner: 'alice' });
      expect(d.rules.find((r) => r.rule === 'same-region')).toEqual({ rule: 'same-region', passed: false, detail: 'the original region is unknown, so the retry cannot be pinned to it' });
      expect(d.decision).toBe('fail');
    }
  });
  it('policy: an earlier warn fallback awaiting re-confirmation stops the next one, names the policy and says how to confirm', () => {
    for (const policy of ['allow', 'warn'] as const) {
      expect(detail({ policy, confirmationPending: true }, 'policy')).toBe(`the workspace policy is ${policy}, but an earlier fallback under warn awaits re-confirmation: nothing falls back again until it is confirmed (byok policy confirm)`);
    }
    // Under strict nothing falls back anyway: the reason is strict, not a confirmation the admin cannot give.
    expect(detail({ policy: 'strict', confirmationPending: true }, 'policy')).toMatch(/^the workspace policy is strict: never retry/);
    expect(detail({ policy: undefined, confirmationPending: true }, 'policy')).toMatch(/^no valid fallback policy is known/);
  });
  it('platform owner: names who answers for the platform credentials, or says ownerless ones are not used and how to fix it', () => {
    expect(detail({ platformOwner: 'alice' }, 'platform-owner')).toBe('the platform credentials belong to alice, the only user who can replace or remove them');
    expect(detail({ platformOwner: null }, 'platform-owner')).toBe('the platform credentials have no recorded owner (stored by an older byok), so they are not used for a fallback until someone sets them again: byok credentials set --platform ...');
    expect(detail({ platformOwner: undefined, platformRegions: [] }, 'platform-owner')).toBe('no owner to check: there are no platform credentials (the same-region rule refuses the fallback)');
    expect(detail({ platformOwner: undefined, platformRegions: ['eu-west-1'] }, 'platform-owner')).toBe("the platform credentials' owner is not known, so they are not used for a fallback");
    expect(detail({ platformOwner: undefined, platformRegions: undefined }, 'platform-owner')).toBe("the platform credentials' owner is not known, so they are not used for a fallback");
    expect(detail({ platformOwner: '' }, 'platform-owner')).toMatch(/^the platform credentials have no recorded owner/);
    // An empty owner is no owner: the rule fails, as for null.
    expect(evaluateFallback({ ...base, platformOwner: '' }).rules.find((r) => r.rule === 'platform-owner')!.passed).toBe(false);
    expect(evaluateFallback({ ...base, platformOwner: 'alice' }).rules.find((r) => r.rule === 'platform-owner')!.passed).toBe(true);
  });
  it('audit: says the event is written first, or that the fallback does not happen without it', () => {
    expect(detail({}, 'audit')).toMatch(/audit event is written before any fallback/);
    expect(detail({ auditWritable: false }, 'audit')).toMatch(/could not be written, so the fallback does not happen/);
  });
});

describe("the platform side of a decision comes from the config's platform credentials", () => {
  const creds: PlatformConfig['credentials'] = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', source: 'stdin', storedAt: '2026-11-27T00:00:00Z' };
  const read: Omit<FallbackInput, 'platformRegions' | 'platformOwner'> = { error: { code: 'ThrottlingException' }, operation: { kind: 'read' }, policy: 'allow', region: 'eu-west-1' };

  it('no platform credentials: nowhere to go, so no fallback, and the reason says so', () => {
    const t = platformTarget(undefined);
    expect(t).toEqual({ platformRegions: [] });
    const d = evaluateFallback({ ...read, ...t });
    expect(d.decision).toBe('fail');
    expect(d.reasons).toContain('no: no platform credentials are configured for any region');
  });
  it('credentials with a recorded owner serve their regions and are used, naming the owner', () => {
    const t = platformTarget({ credentials: creds, regions: ['eu-west-1', 'eu-central-1'], owner: 'alice' });
    expect(t).toEqual({ platformRegions: ['eu-west-1', 'eu-central-1'], platformOwner: 'alice' });
    const d = evaluateFallback({ ...read, ...t });
    expect(d).toMatchObject({ decision: 'fallback', targetRegion: 'eu-west-1' });
  });
  it('credentials stored without an owner (absent or empty) are never a fallback target', () => {
    for (const owner of [undefined, '']) {
      const t = platformTarget({ credentials: creds, regions: ['eu-west-1'], ...(owner === undefined ? {} : { owner }) });
      expect(t).toEqual({ platformRegions: ['eu-west-1'], platformOwner: null });
      expect(evaluateFallback({ ...read, ...t }).decision).toBe('fail');
    }
  });
});

describe('what byok knows beyond the error text decides too', () => {
  it('an error byok knows is not retryable (e.g. a minted API key AWS called expired, already renewed once) never falls back, under any policy', () => {
    for (const policy of ['allow', 'warn', 'strict'] as const) {
      const d = evaluateFallback({
        error: { code: 'ThrottlingException', status: 429 },
        operation: { kind: 'read' },
        policy,
        region: 'eu-west-1',
        platformRegions: ['eu-west-1'],
        platformOwner: 'platform-team',
        notRetryableBecause: { category: 'credential-invalid', explanation: 'the key was renewed and refused again' },
      });
      expect(d).toMatchObject({ decision: 'fail', retryable: false, category: 'credential-invalid', targetRegion: null });
      expect(d.rules.find((r) => r.rule === 'retryable')).toMatchObject({ passed: false });
    }
  });
});
