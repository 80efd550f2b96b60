// What the fallback policy would decide for a failed call (DESIGN §4.3), without making one: the
// workspace's policy, region, platform credentials and pending re-confirmation. An explicit policy
// (a what-if) replaces only the policy; the rest still comes from the workspace when there is one.
// With none (no config, or no workspace selected), nothing is known of the platform credentials,
// so the decision is "fail", as the rules say of anything that cannot be decided.
import { pickWorkspace, requireAccess } from '../core/access.js';
import { workspaceCatalog, type PolicyMode } from '../core/config-doc.js';
import { UsageError } from '../core/errors.js';
import { evaluateFallback, platformTarget, type FallbackDecision } from '../core/fallback.js';
import { didYouMean } from '../core/suggest.js';
import { printable } from '../core/text.js';
import { checkRegion, geographyLabel } from '../core/geography.js';
import { checkedRegion } from './route.js';
import type { Runtime } from './runtime.js';

export interface PolicyQuery {
  /** The failed call: at least one of its error code, HTTP status or message. */
  errorCode?: string;
  httpStatus?: number;
  message?: string;
  operationKind?: 'read' | 'write';
  fallbackEligible?: boolean;
  autonomous?: boolean;
  environment?: 'production' | 'staging' | 'development';
  region?: string;
  /** Evaluate this policy instead of the workspace's (a what-if): only the policy is replaced. */
  policy?: PolicyMode;
  workspace?: string;
}

export interface PolicyEvaluation {
  /** The workspace whose facts were evaluated; null for a what-if (an explicit policy) with no workspace. */
  workspace: string | null;
  decision: FallbackDecision;
  /** The original call's region, and where it came from (--region, or the workspace's); null when neither gave one. */
  region: string | null;
  regionFrom: 'given' | 'workspace' | null;
}

export async function evaluatePolicy(rt: Runtime, q: PolicyQuery): Promise<PolicyEvaluation> {
  if (q.errorCode === undefined && q.httpStatus === undefined && q.message === undefined) {
    throw new UsageError('missing-error', 'Describe the failed call: at least one of --error-code, --http-status or --message.', 'Example: byok policy evaluate --error-code ThrottlingException --operation-kind read --region eu-west-1 --policy allow');
  }
  if (q.errorCode !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(q.errorCode)) {
    throw new UsageError('invalid-error-code', `"${printable(q.errorCode)}" does not look like an AWS error code.`, 'Error codes are names like ThrottlingException or ExpiredToken.');
  }
  // The CLI's parsers check these; a Node caller's values are checked here (a misspelt value must
  // not quietly become "fail").
  const oneOf = (name: string, v: unknown, values: readonly string[]) => {
    if (v !== undefined && !(typeof v === 'string' && values.includes(v))) {
      const shown = printable(String(v));
      throw new UsageError(`invalid-${name.replace(/ /g, '-')}`, `"${shown}" is not a valid ${name}.${didYouMean(shown.toLowerCase(), values)}`, `Use one of: ${values.join(', ')}.`);
    }
  };
  oneOf('operation kind', q.operationKind, ['read', 'write']);
  oneOf('environment', q.environment, ['production', 'staging', 'development']);
  oneOf('policy', q.policy, ['allow', 'warn', 'strict']);
  let policy = q.policy;
  let region = q.region !== undefined ? checkedRegion(q.region) : undefined;
  let workspace: string | null = null;
  // Not known until a workspace is read: then the rules refuse the fallback.
  let platform: ReturnType<typeof platformTarget> = {};
  let confirmationPending: boolean | undefined;
  let workspacePolicy: PolicyMode | null = null;
  const { doc } = await rt.store().read();
  // A what-if needs no workspace; one that is named or selected is read, as invoke would.
  if (q.policy === undefined || (q.workspace ?? rt.flags.workspace ?? doc.currentWorkspace) !== undefined) {
    const ws = pickWorkspace(rt, doc, q.workspace);
    requireAccess(rt, ws);
    // invoke refuses these workspaces before any call, so there is nothing to fall back from: said
    // as invoke says it, rather than as a decision whose reasons would not be the real ones.
    if (!ws.byokEnabled) throw new UsageError('byok-disabled', `BYOK is disabled in workspace ${ws.name}: invoke makes no BYOK call there, so nothing falls back.`, `The owner (${ws.owner}) can enable it: byok config set enabled true`);
    if (ws.geography === undefined) throw new UsageError('geography-not-set', `Workspace ${ws.name} has no geography set: invoke refuses it, so nothing falls back, and no region can be checked against it.`, 'Run: byok config set geography global|us|eu|apac, then byok config set region REGION');
    workspace = ws.name;
    workspacePolicy = ws.policy;
    policy ??= ws.policy;
    if (region !== undefined) {
      // invoke only ever calls from a source region of the workspace's geography: a region outside
      // it is a question with no real answer, refused as route refuses it (a "fallback in
      // us-east-1" for an EU workspace would read as permission to go there).
      const inside = checkRegion(ws.geography, region, workspaceCatalog(ws));
      if (!inside.ok) throw new UsageError(inside.error.code, `${inside.error.reason} Workspace ${ws.name} is in ${geographyLabel(ws.geography)}: its calls, and any fallback, stay there.`, inside.error.hint);
    }
    region ??= ws.region;
    // As invoke sees it: no platform credentials means no region to fall back to.
    platform = platformTarget(doc.platform);
    confirmationPending = ws.confirmationRequired !== undefined;
  }
  const decision = evaluateFallback({
    error: { code: q.errorCode, status: q.httpStatus, message: q.message },
    operation: { kind: q.operationKind, markedFallbackEligible: q.fallbackEligible === true, autonomous: q.autonomous === true, environment: q.environment },
    policy,
    policyGiven: q.policy === undefined ? undefined : { workspacePolicy },
    region,
    ...platform,
    confirmationPending,
  });
  return { workspace, decision, region: region ?? null, regionFrom: q.region !== undefined ? 'given' : region !== undefined ? 'workspace' : null };
}
