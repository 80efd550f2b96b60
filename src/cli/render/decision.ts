// A fallback decision as --json shows it (policy evaluate, invoke).
import type { FallbackDecision } from '../../core/fallback.js';

export function decisionJson(d: FallbackDecision) {
  return {
    decision: d.decision,
    retryable: d.retryable,
    category: d.category,
    reasons: d.reasons,
    rules: d.rules,
    requiresConfirmation: d.requiresConfirmation,
    targetRegion: d.targetRegion,
    policy: d.policy,
  };
}
