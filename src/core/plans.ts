// Plans (product document "Prerequisites"): BYOK on Scale, Scale+, Enterprise and BYOC only.
// Fallback is opt-in everywhere, so every plan starts at strict; Enterprise and BYOC owners can
// lock it there so members cannot change it.
import type { Plan, PolicyMode } from './config-doc.js';
import { err, ok, type Result } from './errors.js';

export const PLAN_LABELS: Record<Plan, string> = { free: 'Free', pro: 'Pro', scale: 'Scale', 'scale-plus': 'Scale+', enterprise: 'Enterprise', byoc: 'BYOC' };
export const ELIGIBLE_PLANS: readonly Plan[] = ['scale', 'scale-plus', 'enterprise', 'byoc'];

export interface PlanProblem { code: string; reason: string; hint: string }

export function checkPlan(plan: Plan): Result<{ plan: Plan; label: string }, PlanProblem> {
  if (ELIGIBLE_PLANS.includes(plan)) return ok({ plan, label: PLAN_LABELS[plan] });
  return err({
    code: 'plan-not-eligible',
    reason: `BYOK is not available on the ${PLAN_LABELS[plan] ?? String(plan)} plan: it is only available on Scale and above (Scale, Scale+, Enterprise, BYOC).`,
    hint: 'Upgrade the workspace to Scale, Scale+ or Enterprise, then create it with --plan scale|scale-plus|enterprise|byoc.',
  });
}

export function defaultPolicy(plan: Plan): { policy: PolicyMode; reason: string } {
  if (plan === 'enterprise' || plan === 'byoc') {
    return { policy: 'strict', reason: `fallback is disabled by default on ${PLAN_LABELS[plan]}, as recommended for regulated deployments` };
  }
  return { policy: 'strict', reason: 'fallback is opt-in: every workspace starts at strict until its owner chooses allow or warn' };
}

export function canLockPolicy(plan: Plan): boolean {
  return plan === 'enterprise' || plan === 'byoc';
}

export function checkPolicyChange(input: {
  plan: Plan;
  owner: string;
  actor: string;
  current: PolicyMode;
  locked: boolean;
  next: PolicyMode;
  lock?: boolean;
  unlock?: boolean;
}): Result<{ policy: PolicyMode; locked: boolean; changed: boolean }, PlanProblem> {
  const isOwner = input.actor === input.owner;
  if (input.lock && input.unlock) return err({ code: 'conflicting-flags', reason: '--lock and --unlock cannot be combined.', hint: 'Pick one.' });
  if ((input.lock || input.unlock) && !isOwner) {
    return err({ code: 'owner-only', reason: `Only the workspace owner (${input.owner}) can ${input.lock ? 'lock' : 'unlock'} the fallback policy.`, hint: 'Ask the owner.' });
  }
  if (input.lock) {
    if (!canLockPolicy(input.plan)) return err({ code: 'lock-not-available', reason: `The policy lock is for Enterprise and BYOC workspaces; this one is ${PLAN_LABELS[input.plan]}.`, hint: 'Set the policy without --lock.' });
    if (input.next !== 'strict') return err({ code: 'lock-requires-strict', reason: `The policy can only be locked at strict, not ${input.next}.`, hint: 'Run: byok policy set strict --lock' });
    return ok({ policy: 'strict', locked: true, changed: input.current !== 'strict' || !input.locked });
  }
  let locked = input.locked;
  if (input.unlock) locked = false;
  if (locked && input.next !== 'strict') {
    return err({
      code: 'policy-locked',
      reason: `The fallback policy is locked at strict${isOwner ? '' : ` by the workspace owner (${input.owner})`}; it cannot be set to ${input.next}.`,
      hint: isOwner ? `As the owner you can unlock it: byok policy set ${input.next} --unlock` : `Only the owner (${input.owner}) can unlock it.`,
    });
  }
  return ok({ policy: input.next, locked, changed: input.next !== input.current || locked !== input.locked });
}
