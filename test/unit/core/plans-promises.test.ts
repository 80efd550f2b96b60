// Plans (product document "Prerequisites"; DESIGN §4.3–4.4): BYOK exists on Scale, Scale+,
// Enterprise and BYOC only; fallback is opt-in everywhere, so every workspace starts at strict
// ("disabled by default for Enterprise and BYOC plans"); an Enterprise (and BYOC) admin can lock
// the policy at strict so that members cannot change it. Expected values are written from those
// rules (issue 15), never taken from byok.
import { describe, expect, it } from 'vitest';
import type { Plan, PolicyMode } from '../../../src/core/config-doc.js';
import { canLockPolicy, checkPlan, checkPolicyChange, defaultPolicy, ELIGIBLE_PLANS, PLAN_LABELS } from '../../../src/core/plans.js';

const ALL: Plan[] = ['free', 'pro', 'scale', 'scale-plus', 'enterprise', 'byoc'];

describe('BYOK is available on Scale, Scale+, Enterprise and BYOC only', () => {
  it('plans carry the names the product uses', () => {
    expect(PLAN_LABELS).toEqual({ free: 'Free', pro: 'Pro', scale: 'Scale', 'scale-plus': 'Scale+', enterprise: 'Enterprise', byoc: 'BYOC' });
    expect([...ELIGIBLE_PLANS].sort()).toEqual(['byoc', 'enterprise', 'scale', 'scale-plus']);
  });

  it.each([
    ['scale', 'Scale'],
    ['scale-plus', 'Scale+'],
    ['enterprise', 'Enterprise'],
    ['byoc', 'BYOC'],
  ] as const)('%s is accepted, with its product name %s', (plan, label) => {
    expect(checkPlan(plan)).toEqual({ ok: true, value: { plan, label } });
  });

  it.each([
    ['free', 'Free'],
    ['pro', 'Pro'],
  ] as const)('%s is refused with the reason (only Scale and above) and how to get there', (plan, label) => {
    expect(checkPlan(plan)).toEqual({
      ok: false,
      error: {
        code: 'plan-not-eligible',
        reason: `BYOK is not available on the ${label} plan: it is only available on Scale and above (Scale, Scale+, Enterprise, BYOC).`,
        hint: 'Upgrade the workspace to Scale, Scale+ or Enterprise, then create it with --plan scale|scale-plus|enterprise|byoc.',
      },
    });
  });

  it('a plan name byok does not know (e.g. from an older config) is refused, naming it as given', () => {
    const r = checkPlan('gold' as Plan);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('BYOK is not available on the gold plan: it is only available on Scale and above (Scale, Scale+, Enterprise, BYOC).');
  });
});

describe('fallback is opt-in: every plan starts at strict', () => {
  it.each(ALL)('%s starts at strict', (plan) => {
    expect(defaultPolicy(plan).policy).toBe('strict');
  });

  it.each([
    ['enterprise', 'Enterprise'],
    ['byoc', 'BYOC'],
  ] as const)('for %s the reason says fallback is disabled by default on %s, as recommended for regulated deployments', (plan, label) => {
    expect(defaultPolicy(plan).reason).toBe(`fallback is disabled by default on ${label}, as recommended for regulated deployments`);
  });

  it.each(['free', 'pro', 'scale', 'scale-plus'] as const)('for %s the reason says fallback is opt-in until the owner chooses', (plan) => {
    expect(defaultPolicy(plan).reason).toBe('fallback is opt-in: every workspace starts at strict until its owner chooses allow or warn');
  });
});

describe('the strict lock: Enterprise and BYOC owners only, and only at strict', () => {
  it.each(ALL)('%s: the lock is offered only on Enterprise and BYOC', (plan) => {
    expect(canLockPolicy(plan)).toBe(plan === 'enterprise' || plan === 'byoc');
  });

  const base = { plan: 'enterprise' as Plan, owner: 'alice', actor: 'alice', current: 'strict' as PolicyMode, locked: false, next: 'strict' as PolicyMode };

  it('--lock and --unlock together are refused', () => {
    expect(checkPolicyChange({ ...base, lock: true, unlock: true })).toEqual({ ok: false, error: { code: 'conflicting-flags', reason: '--lock and --unlock cannot be combined.', hint: 'Pick one.' } });
  });

  it('a member cannot lock or unlock; the refusal names the owner', () => {
    expect(checkPolicyChange({ ...base, actor: 'bob', lock: true })).toEqual({ ok: false, error: { code: 'owner-only', reason: 'Only the workspace owner (alice) can lock the fallback policy.', hint: 'Ask the owner.' } });
    expect(checkPolicyChange({ ...base, actor: 'bob', locked: true, unlock: true })).toEqual({ ok: false, error: { code: 'owner-only', reason: 'Only the workspace owner (alice) can unlock the fallback policy.', hint: 'Ask the owner.' } });
  });

  it.each(['free', 'pro', 'scale', 'scale-plus'] as const)('the owner of a %s workspace cannot lock', (plan) => {
    const r = checkPolicyChange({ ...base, plan, lock: true });
    expect(r).toEqual({ ok: false, error: { code: 'lock-not-available', reason: `The policy lock is for Enterprise and BYOC workspaces; this one is ${PLAN_LABELS[plan]}.`, hint: 'Set the policy without --lock.' } });
  });

  it.each(['allow', 'warn'] as const)('the lock holds only at strict: locking at %s is refused', (next) => {
    expect(checkPolicyChange({ ...base, next, lock: true })).toEqual({ ok: false, error: { code: 'lock-requires-strict', reason: `The policy can only be locked at strict, not ${next}.`, hint: 'Run: byok policy set strict --lock' } });
  });

  it('the owner locks at strict; "changed" is true unless it was already strict and locked', () => {
    expect(checkPolicyChange({ ...base, plan: 'byoc', current: 'allow', lock: true })).toEqual({ ok: true, value: { policy: 'strict', locked: true, changed: true } });
    expect(checkPolicyChange({ ...base, current: 'strict', locked: false, lock: true })).toEqual({ ok: true, value: { policy: 'strict', locked: true, changed: true } });
    expect(checkPolicyChange({ ...base, current: 'warn', locked: true, lock: true })).toEqual({ ok: true, value: { policy: 'strict', locked: true, changed: true } });
    expect(checkPolicyChange({ ...base, current: 'strict', locked: true, lock: true })).toEqual({ ok: true, value: { policy: 'strict', locked: true, changed: false } });
  });

  it.each(['allow', 'warn'] as const)('while locked, a member cannot set %s and is told only the owner can unlock', (next) => {
    expect(checkPolicyChange({ ...base, actor: 'bob', locked: true, next })).toEqual({
      ok: false,
      error: { code: 'policy-locked', reason: `The fallback policy is locked at strict by the workspace owner (alice); it cannot be set to ${next}.`, hint: 'Only the owner (alice) can unlock it.' },
    });
  });

  it('while locked, the owner setting warn without --unlock is refused and shown the exact command to unlock', () => {
    expect(checkPolicyChange({ ...base, locked: true, next: 'warn' })).toEqual({
      ok: false,
      error: { code: 'policy-locked', reason: 'The fallback policy is locked at strict; it cannot be set to warn.', hint: 'As the owner you can unlock it: byok policy set warn --unlock' },
    });
  });

  it('while locked, setting strict again keeps the lock and changes nothing', () => {
    expect(checkPolicyChange({ ...base, actor: 'bob', locked: true })).toEqual({ ok: true, value: { policy: 'strict', locked: true, changed: false } });
  });

  it('the owner unlocks and sets allow in one step', () => {
    expect(checkPolicyChange({ ...base, locked: true, next: 'allow', unlock: true })).toEqual({ ok: true, value: { policy: 'allow', locked: false, changed: true } });
  });

  it('unlocking alone (staying at strict) is a change', () => {
    expect(checkPolicyChange({ ...base, locked: true, unlock: true })).toEqual({ ok: true, value: { policy: 'strict', locked: false, changed: true } });
  });

  it('without a lock the plan rules let the policy be set to any mode; "changed" says whether it differs', () => {
    expect(checkPolicyChange({ ...base, plan: 'scale', actor: 'bob', current: 'strict', next: 'allow' })).toEqual({ ok: true, value: { policy: 'allow', locked: false, changed: true } });
    expect(checkPolicyChange({ ...base, plan: 'scale', actor: 'bob', current: 'warn', next: 'warn' })).toEqual({ ok: true, value: { policy: 'warn', locked: false, changed: false } });
  });
});
