// DESIGN §4.3: may a failed BYOK call be retried on platform credentials? Every rule is evaluated
// (no short-circuit) so the decision comes with all its reasons; anything that cannot be decided
// with certainty means "fail". Never throws.
import type { PlatformConfig, PolicyMode } from './config-doc.js';
import { classifyError, type ErrorCategory } from './error-classes.js';
import { isValidRegionName } from './geography.js';

export interface FallbackInput {
  error: { code?: string; status?: number; message?: string };
  operation: {
    kind: 'read' | 'write' | undefined;
    markedFallbackEligible?: boolean;
    autonomous?: boolean;
    environment?: 'production' | 'staging' | 'development';
  };
  policy: PolicyMode | undefined;
  /**
   * The policy was given for this evaluation in place of the workspace's (a what-if, `byok policy
   * evaluate --policy`): the workspace's own, or null when no workspace was read. Only the wording changes.
   */
  policyGiven?: { workspacePolicy: PolicyMode | null };
  region: string | undefined;
  /** Regions the platform serves: the original region must be among them. Not known (undefined): no fallback. */
  platformRegions?: readonly string[];
  /** Who owns the platform credentials; null when none is recorded (then no fallback); undefined: not known (no fallback, unless there are no platform credentials at all). */
  platformOwner?: string | null;
  /** false when the audit event could not be written: then there is no fallback. */
  auditWritable?: boolean;
  /** An earlier fallback under warn awaits re-confirmation: no further fallback until then. */
  confirmationPending?: boolean;
  /**
   * What the caller knows beyond the error's text (issue 14): a Bedrock API key byok had just
   * renewed and that Bedrock still calls expired is not an expiry a retry elsewhere fixes. It may
   * only make the error less eligible, never more.
   */
  notRetryableBecause?: { category: ErrorCategory; explanation: string };
}

export type FallbackRuleName = 'retryable' | 'operation-eligible' | 'policy' | 'same-region' | 'platform-owner' | 'audit';

export interface FallbackDecision {
  decision: 'fallback' | 'fail';
  retryable: boolean;
  category: ErrorCategory;
  reasons: string[];
  rules: { rule: FallbackRuleName; passed: boolean; detail: string }[];
  requiresConfirmation: boolean;
  targetRegion: string | null;
  policy: PolicyMode | null;
}

const POLICIES: readonly string[] = ['allow', 'warn', 'strict'];

export function evaluateFallback(input: FallbackInput): FallbackDecision {
  const rules: FallbackDecision['rules'] = [];
  const classified = classifyError(input.error ?? {});
  const c = input.notRetryableBecause ? { ...classified, category: input.notRetryableBecause.category, retryable: false, explanation: input.notRetryableBecause.explanation } : classified;

  rules.push({
    rule: 'retryable',
    passed: c.retryable,
    detail: c.retryable
      ? `the error is retryable (${c.category}: ${c.explanation})`
      : `the error is not retryable (${c.category}: ${c.explanation}); it is surfaced, never masked by platform credentials`,
  });

  // Stryker disable next-line ObjectLiteral: equivalent, {} and { kind: undefined } both leave op.kind undefined
  const op = input.operation ?? { kind: undefined };
  let opOk = false;
  let opDetail: string;
  const autonomousProduction = op.autonomous === true && (op.environment === undefined || op.environment === 'production');
  if (op.kind === 'read') {
    opOk = true;
    opDetail = 'read operations are fallback-eligible by default';
  } else if (op.kind === 'write') {
    if (autonomousProduction) {
      opDetail = op.environment === undefined
        ? 'an autonomous write with no environment given is treated as production, and autonomous production writes never fall back'
        : 'autonomous write actions in production never fall back, whatever their marking';
    } else if (op.markedFallbackEligible === true) {
      opOk = true;
      opDetail = 'this write operation is explicitly marked fallback-eligible';
    } else {
      opDetail = 'write operations fall back only when explicitly marked fallback-eligible';
    }
  } else {
    opDetail = 'the operation kind is unknown, so it is not fallback-eligible';
  }
  rules.push({ rule: 'operation-eligible', passed: opOk, detail: opDetail });

  const policy = typeof input.policy === 'string' && POLICIES.includes(input.policy) ? input.policy : undefined;
  const policyAllows = policy === 'allow' || policy === 'warn';
  const pending = policyAllows && input.confirmationPending === true;
  const given = input.policyGiven;
  const whose = given ? 'the policy given' : 'the workspace policy';
  const whatIf = !given ? '' : given.workspacePolicy === null ? '; a what-if: no workspace was read' : `; a what-if: the workspace's own is ${given.workspacePolicy}`;
  rules.push({
    rule: 'policy',
    passed: policyAllows && !pending,
    detail:
      (pending ? `${whose} is ${policy}, but an earlier fallback under warn awaits re-confirmation: nothing falls back again until it is confirmed (byok policy confirm)`
      : policy === 'allow' ? `${whose} is allow`
      : policy === 'warn' ? `${whose} is warn (the user must re-confirm on the next session)`
      : policy === 'strict' ? `${whose} is strict: never retry on a different credential`
      : 'no valid fallback policy is known, so there is no fallback') + (policy === undefined ? '' : whatIf),
  });

  const region = typeof input.region === 'string' && isValidRegionName(input.region) ? input.region : undefined;
  let regionOk = region !== undefined;
  let regionDetail = region !== undefined ? `the retry would go to the platform endpoint in ${region}, the region of the original call` : 'the original region is unknown, so the retry cannot be pinned to it';
  if (region !== undefined && input.platformRegions === undefined) {
    // Nothing says the platform serves this region: the retry could not be held to it.
    regionOk = false;
    regionDetail = `the regions the platform credentials serve are not known, so a retry in ${region} cannot be shown to stay in the region`;
  }
  if (region !== undefined && input.platformRegions !== undefined) {
    if (!input.platformRegions.includes(region)) {
      regionOk = false;
      regionDetail = input.platformRegions.length === 0
        ? 'no platform credentials are configured for any region'
        : `the platform does not serve ${region} (it serves ${input.platformRegions.join(', ')}); a fallback never leaves the region`;
    }
  }
  rules.push({ rule: 'same-region', passed: regionOk, detail: regionDetail });

  // Platform credentials with no recorded owner were stored by an older byok, when any workspace
  // owner could replace them: nobody answers for where they send a request, so they are not used.
  const owner = input.platformOwner;
  const named = typeof owner === 'string' && owner !== '';
  rules.push({
    rule: 'platform-owner',
    passed: named || (owner === undefined && input.platformRegions?.length === 0),
    detail:
      owner === null || owner === '' ? 'the platform credentials have no recorded owner (stored by an older byok), so they are not used for a fallback until someone sets them again: byok credentials set --platform ...'
      : named ? `the platform credentials belong to ${owner}, the only user who can replace or remove them`
      : input.platformRegions?.length === 0 ? 'no owner to check: there are no platform credentials (the same-region rule refuses the fallback)'
      : "the platform credentials' owner is not known, so they are not used for a fallback",
  });

  const auditOk = input.auditWritable !== false;
  rules.push({ rule: 'audit', passed: auditOk, detail: auditOk ? 'the audit event is written before any fallback' : 'the audit event could not be written, so the fallback does not happen' });

  const fallback = rules.every((r) => r.passed);
  return {
    decision: fallback ? 'fallback' : 'fail',
    retryable: c.retryable,
    category: c.category,
    reasons: rules.map((r) => `${r.passed ? 'ok' : 'no'}: ${r.detail}`),
    rules,
    requiresConfirmation: fallback && policy === 'warn',
    targetRegion: fallback ? region! : null,
    policy: policy ? (policy as PolicyMode) : null,
  };
}

/** The platform side of a fallback decision, from the config's platform credentials (none: nowhere to go). */
export function platformTarget(p: PlatformConfig | undefined): Pick<FallbackInput, 'platformRegions' | 'platformOwner'> {
  if (!p) return { platformRegions: [] };
  return { platformRegions: p.regions, platformOwner: typeof p.owner === 'string' && p.owner !== '' ? p.owner : null };
}
