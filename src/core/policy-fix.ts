// The one fix for missing Bedrock permissions (issue 10 §3): byok's least-privilege policy for the
// workspace's own route, whole — every statement, every destination region, unique Sids — so one
// application fixes every missing permission at once, and the byok commands that apply or print
// it with every value filled in. Pure.
import type { Geography } from './config-doc.js';
import type { LiveProfile } from './geography.js';
import { buildBedrockPolicy, POLICY_NAME, type PolicyDoc } from './iam-policy.js';

export interface PolicyFix {
  policyName: string;
  placement: 'inline' | 'managed';
  size: number;
  document: PolicyDoc;
  /** `byok iam put-policy ...` for the IAM user, when the user is known (null for a role or an unknown identity). */
  putPolicy: string | null;
  /** `byok iam policy-document ...`: prints the same policy, for admins who apply IAM changes themselves. */
  printPolicy: string;
}

/** The IAM user name in a user ARN (arn:aws:iam::ACCOUNT:user[/path]/NAME); null for roles and anything else. */
export function iamUserFromArn(arn: string | null | undefined): string | null {
  const m = /^arn:aws[a-z-]*:iam::\d{12}:user\/(?:[^/]+\/)*([\w+=,.@-]{1,64})$/.exec(arn ?? '');
  return m ? m[1]! : null;
}

export function policyFix(i: { workspace: string; geography?: Geography; region?: string; accountId: string | null; userName: string | null; catalog?: readonly LiveProfile[] }): PolicyFix | null {
  if (!i.geography || !i.region || !i.accountId) return null;
  const p = buildBedrockPolicy({ geography: i.geography, region: i.region, accountId: i.accountId, catalog: i.catalog });
  if (!p.ok) return null;
  return {
    policyName: POLICY_NAME,
    placement: p.value.placement,
    size: p.value.size,
    document: p.value.document,
    putPolicy: i.userName ? `byok iam put-policy --workspace ${i.workspace} --user-name ${i.userName}` : null,
    printPolicy: `byok iam policy-document --workspace ${i.workspace} --geography ${i.geography} --region ${i.region} --account ${i.accountId}`,
  };
}

/** One sentence naming the fix: the put-policy command when the user is known, and the printed policy. */
export function describePolicyFix(fix: PolicyFix): string {
  const apply = fix.putPolicy
    ? `Apply it with IAM admin credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID): ${fix.putPolicy} ; or print it to apply yourself: ${fix.printPolicy} .`
    : `Print it to attach to the identity: ${fix.printPolicy} .`;
  return `byok's least-privilege policy ${fix.policyName} for this workspace (${fix.placement}, ${fix.size} characters) grants every missing permission at once. ${apply}`;
}
