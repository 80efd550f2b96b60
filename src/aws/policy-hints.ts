// Hints that fix permissions in one step (issue 10 §3): a failed connection test's `permissions`
// check, and a Marketplace first-use denial, name byok's whole least-privilege policy for the
// workspace's route and the put-policy command for the workspace's IAM user, values filled in —
// never a statement per run, never a placeholder.
import { workspaceCatalog, type Workspace } from '../core/config-doc.js';
import type { ErrorCategory } from '../core/error-classes.js';
import { describePolicyFix, iamUserFromArn, policyFix, type PolicyFix } from '../core/policy-fix.js';
import { problemFor, type Problem } from '../core/troubleshooting.js';

/** The fields of a check this module reads and completes (aws/checks.ts CheckResult). */
interface FixableCheck {
  name: string;
  detail: string;
  category: Problem | null;
  hint: string | null;
  steps?: string[];
  permission?: { policy?: PolicyFix };
}

/** The policy fix for the workspace, for the identity AWS reported (its account; its user when the workspace did not record one). */
export function workspacePolicyFix(ws: Workspace, identity: { account: string; arn: string } | null): PolicyFix | null {
  return policyFix({
    workspace: ws.name,
    geography: ws.geography,
    region: ws.region,
    accountId: identity?.account ?? null,
    userName: ws.credentials?.iamUserName ?? iamUserFromArn(identity?.arn),
    catalog: workspaceCatalog(ws),
  });
}

export function addPolicyFix(checks: FixableCheck[], fix: PolicyFix | null): void {
  if (!fix) return;
  const command = fix.putPolicy ?? fix.printPolicy;
  for (const c of checks) {
    if (c.name === 'permissions' && c.category === 'iam-permission' && c.permission) {
      c.permission.policy = fix;
      c.hint = [describePolicyFix(fix), ...(c.steps ?? [])].join(' '); // the product document's steps stay
    } else if (c.category === 'iam-permission' && c.permission) {
      c.hint = `${c.hint ?? ''} Every missing permission at once: ${command}`.trim();
    } else if (c.category !== null && c.category !== 'iam-permission' && problemFor({ category: c.category as ErrorCategory, message: c.detail }) === 'marketplace-permission') {
      c.hint = `Missing aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions for the first use of the model. byok's least-privilege policy ${fix.policyName} includes them: ${command}${fix.putPolicy ? ' (with IAM admin credentials)' : ''}. ${c.hint ?? ''}`.trim();
    }
  }
}
