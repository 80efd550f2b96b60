// Failure → the steps the product document's Troubleshooting section gives for it, plus the byok
// command that checks or fixes it. Used by doctor, test-connection and setup. Never invented:
// the quoted steps are the document's own.
import type { ErrorCategory } from './error-classes.js';

export type Problem =
  | ErrorCategory
  | 'owner-not-configured'
  | 'byok-disabled'
  | 'plan-ineligible'
  | 'region-outside-geography'
  | 'profile-leaves-geography'
  | 'apac-opus-unavailable'
  | 'marketplace-permission'
  | 'marketplace-subscription-pending'
  | 'network-unreachable';

export interface Troubleshooting { title: string; steps: string[] }

const MODEL_ACCESS: Troubleshooting = {
  title: 'Model access denied',
  steps: [
    "Verify you've submitted the use case form in Bedrock Console (or: byok models request-access).",
    'Check that both Sonnet 4.5 and Opus 4.5 models are enabled (byok models check).',
    'Confirm access was granted (check Model access page in Bedrock Console).',
    'Wait a few minutes after form submission for access to propagate.',
  ],
};
const IAM: Troubleshooting = {
  title: 'IAM permission error',
  steps: [
    'Verify your IAM policy includes bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream.',
    "Check that model ARNs in the policy match the models you're using, in every destination region of the profile.",
    'Ensure inference profile ARNs are included if using profiles (global, us, eu, apac).',
    "Generate the least-privilege policy for the workspace's geography and region with: byok iam policy-document (apply it to the IAM user with: byok iam put-policy).",
  ],
};
const CREDENTIALS: Troubleshooting = {
  title: 'Credential validation failure',
  steps: [
    'Verify access key ID and secret access key are correct.',
    "Check that credentials haven't been rotated or revoked.",
    "For temporary credentials, ensure session token hasn't expired.",
    // Each step is a sentence: hints join them with spaces.
    'Test credentials using AWS CLI (aws sts get-caller-identity).',
    'Store the current key (byok credentials set --access-key-id ID --secret-access-key-stdin).',
  ],
};
const SESSION: Troubleshooting = {
  title: 'Session token expired',
  steps: [
    'Long-term credentials (AKIA) are automatically refreshed (force it with: byok credentials refresh).',
    'Temporary credentials (ASIA) cannot be refreshed - reconfigure with new credentials (byok credentials set ...).',
    'Check session_token_expires_at timestamp in configuration (byok config show).',
    'Reconfigure if automatic refresh fails.',
  ],
};
const CONNECTION: Troubleshooting = {
  title: 'Test connection fails',
  steps: [
    'Verify both Sonnet 4.5 and Opus 4.5 models are accessible.',
    'Check IAM permissions include both model ARNs.',
    'Ensure Bedrock service is enabled in your AWS account.',
    'Check AWS region selection matches your model access.',
  ],
};

/**
 * Reference aws.md §3.4: the first invocation of a Marketplace-served model in an account subscribes
 * to it, which needs aws-marketplace:Subscribe, Unsubscribe and ViewSubscriptions that one time;
 * AWS's message ends "If you recently fixed this issue, try again after N minutes".
 */
const MARKETPLACE: Troubleshooting = {
  title: 'AWS Marketplace permissions missing for the first use of the model',
  steps: [
    'The first invocation of a model in an account subscribes the account to it through AWS Marketplace; the calling identity needs aws-marketplace:Subscribe, aws-marketplace:Unsubscribe and aws-marketplace:ViewSubscriptions for that (afterwards they are not needed).',
    "byok's least-privilege policy grants them only when Bedrock makes the call (condition aws:CalledViaLast = bedrock.amazonaws.com): apply it with byok iam put-policy, or add that statement to the identity's policy.",
    'Alternatively, an identity that has these permissions invokes the model once in this account.',
    'After the fix, try again: AWS says the subscription can take up to 15 minutes.',
  ],
};

const CATALOGUE: Record<Problem, Troubleshooting> = {
  'session-expired': SESSION,
  'credential-invalid': CREDENTIALS,
  throttled: {
    title: 'Throttled by Bedrock',
    steps: [
      'AWS: retry with exponential backoff and jitter, and request a quota increase if it persists (Service Quotas, tokens/requests per minute for the model).',
      'Global cross-region inference has its own, separate quotas, managed in the source region.',
      'Under the allow or warn policy a throttled read may fall back to platform credentials in the same region; under strict it never does.',
    ],
  },
  'service-unavailable': {
    title: 'Bedrock temporarily unavailable',
    steps: [
      'AWS: retry with backoff and jitter; this is not an account quota error.',
      'Cross-region inference profiles spread load across the destination regions of the geography.',
      'Check the AWS Health Dashboard for Amazon Bedrock in the source region.',
    ],
  },
  'model-access-denied': MODEL_ACCESS,
  'iam-permission': IAM,
  'inference-profile-required': {
    title: 'The model needs an inference profile',
    steps: ['Invoke the model through an inference profile ID (global., us., eu., jp., au.), not the bare model ID: byok route shows the one byok uses.', ...IAM.steps.slice(2, 3)],
  },
  'region-mismatch': { title: 'Region does not match the inference profile', steps: [CONNECTION.steps[3]!, 'Pick a source region of the selected geography: byok config set region REGION (byok route shows the allowed ones).'] },
  validation: { title: 'Request rejected as invalid', steps: ['Fix the request; retrying the same request will fail the same way.', 'Check the model ID or inference profile ID and the request parameters (byok route).'] },
  'content-filtered': { title: 'Content filtered', steps: ['The request or response was blocked by a content filter or guardrail; it is not retried on other credentials.'] },
  other: CONNECTION,
  'owner-not-configured': { title: 'BYOK not working in workspace', steps: ['Verify workspace owner has configured BYOK (the owner runs: byok setup, or byok credentials set).'] },
  'byok-disabled': { title: 'BYOK not working in workspace', steps: ['Check that BYOK is enabled (not disabled) in settings: byok config set enabled true (owner).'] },
  'plan-ineligible': { title: 'BYOK not working in workspace', steps: ["Confirm workspace owner's plan is Scale, Scale +, or Enterprise (or BYOC)."] },
  'region-outside-geography': { title: 'Region outside the geography', steps: [CONNECTION.steps[3]!, 'Choose a source region of the selected inference profile: byok config set region REGION.'] },
  // Never the IAM steps: those say "grant the FM in every destination region", which here would
  // mean granting a region outside the workspace's geography.
  'profile-leaves-geography': {
    title: 'AWS routes the inference profile outside the geography',
    steps: [
      "Do not widen the IAM policy: byok's policy grants the model only in the geography's regions, which is what made AWS refuse this request.",
      'byok models check re-reads the profile destinations from AWS (it needs the read-only bedrock:GetInferenceProfile that byok iam put-policy grants by default).',
    ],
  },
  'marketplace-permission': MARKETPLACE,
  // Nothing answered (a refused connection, a timeout, a name that does not resolve): AWS judged
  // nothing, so the category's steps (quotas, the Health Dashboard, IAM) would send the admin the
  // wrong way. The fallback rules still see the category (service-unavailable): only advice changes.
  'network-unreachable': {
    title: 'No answer from AWS',
    steps: [
      'No answer came, so AWS has not refused anything: check that this machine reaches the endpoint (DNS, the firewall, any proxy: HTTPS_PROXY, NO_PROXY).',
      'If AWS_ENDPOINT_URL or an AWS_ENDPOINT_URL_* variable is set, check that it names the endpoint you mean.',
    ],
  },
  // AWS reference §5.1 (MPAgreementBeingCreated): the first use of a model in an account subscribes
  // through AWS Marketplace, and until that completes the model answers AccessDeniedException.
  'marketplace-subscription-pending': {
    title: 'AWS is still creating the model subscription',
    steps: [
      "This is the model's first use in the account: AWS Marketplace is still creating its subscription. Nothing needs fixing: try again in about 15 minutes, as AWS advises.",
      'byok models check shows when the model answers.',
    ],
  },
  'apac-opus-unavailable': {
    title: 'Opus 4.5 has no APAC inference profile',
    steps: ['AWS lists only the jp. and au. profiles for Sonnet 4.5 in APAC, and none for Opus 4.5; byok will not route Opus through Global (byok models check re-reads the live list).', 'Use Sonnet 4.5 in APAC, or a geography that serves Opus 4.5 if your residency rules allow it.'],
  },
};

export function troubleshoot(problem: Problem): Troubleshooting {
  return CATALOGUE[problem];
}

/** AWS's AccessDenied for the Marketplace first-use actions (reference aws.md §3.4). */
/** AWS's answer while a first use's Marketplace subscription is being created (reference §5.1). */
const SUBSCRIPTION_PENDING = /subscription for this model is still being processed|MPAgreementBeingCreated/i;
const MARKETPLACE_DENIED = /aws-marketplace:(?:ViewSubscriptions|Subscribe)|not authorized to perform the required AWS Marketplace actions/i;

/**
 * The catalogue entry that fits a failure: its category's, except where the message says more
 * (a model-access denial about the Marketplace first-use actions is not a missing use-case form).
 */
export function problemFor(f: { category: ErrorCategory; message?: string; network?: boolean }): Problem {
  if (f.network === true) return 'network-unreachable';
  if (f.category === 'model-access-denied' && MARKETPLACE_DENIED.test(f.message ?? '')) return 'marketplace-permission';
  if (f.category === 'model-access-denied' && SUBSCRIPTION_PENDING.test(f.message ?? '')) return 'marketplace-subscription-pending';
  return f.category;
}
