// The least-privilege identity policy for BYOK (reference aws.md §3): invoke and stream through
// the workspace's inference profile only, the foundation model in every destination region
// under the bedrock:InferenceProfileArn condition, the three-part global form, first-use
// Marketplace actions only when called via Bedrock, and (unless left out) the read-only discovery
// actions `byok models check` and `test-connection` use. Pure: builds JSON and measures it.
//
// Residency needs discovery: AWS can route a profile to a new destination, and only
// bedrock:GetInferenceProfile tells byok before a prompt goes through it, so the default policy
// includes the read-only actions; `--no-discovery` leaves them out (byok then relies on this
// policy granting the model only inside the geography, which makes AWS refuse such a request).
import type { Geography } from './config-doc.js';
import { err, ok, type Result } from './errors.js';
import { checkRegion, foundationModelArn, geographyLabel, inferenceProfileArn, profileFor, type LiveProfile, type RouteRefusal } from './geography.js';
import { MODELS, type ModelKey } from './models.js';

export const INVOKE_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'] as const;
/** What `byok models check` reads (besides the profiles): model availability and the use-case form. */
export const DISCOVERY_ACTIONS = ['bedrock:GetFoundationModelAvailability', 'bedrock:GetUseCaseForModelAccess'] as const;
export const PROFILE_READ_ACTIONS = ['bedrock:GetInferenceProfile', 'bedrock:ListInferenceProfiles'] as const;
/** §3.4: needed once per account, for the first invocation's Marketplace subscription. */
export const MARKETPLACE_ACTIONS = ['aws-marketplace:Subscribe', 'aws-marketplace:Unsubscribe', 'aws-marketplace:ViewSubscriptions'] as const;

/** §7: all of a user's inline policies together; a customer-managed policy. Whitespace not counted. */
export const INLINE_LIMIT = 2048;
export const MANAGED_LIMIT = 6144;
export const POLICY_NAME = 'byok-bedrock-invoke';

/**
 * The customer-managed policy of one IAM user: a managed policy is an account-wide object, so one
 * name for every workspace would let provisioning a US workspace rewrite the EU one's permissions
 * (new-user review, stop 23). IAM user names are at most 64 of [\w+=,.@-], so this stays a valid
 * policy name (1–128 of the same characters).
 */
export function managedPolicyName(userName: string): string {
  return `${POLICY_NAME}-${userName}`;
}

export interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDoc { Version: '2012-10-17'; Statement: Statement[] }

export interface PolicyPlan {
  document: PolicyDoc;
  json: string;
  size: number;
  placement: 'inline' | 'managed';
  reason: string;
  models: ModelKey[];
  notes: string[];
}

const ACCOUNT_ID = /^\d{12}$/;
const sidName = (m: ModelKey) => (m === 'sonnet' ? 'Sonnet45' : 'Opus45');

/** Size as IAM counts it: whitespace is not counted (§7). */
export function policySize(json: string): number {
  // One whitespace character at a time (the same result as runs of them), so no mutant of the regex is equivalent.
  return json.replace(/\s/g, '').length;
}

/** `withDiscovery` defaults to true: residency needs the destinations (see the top of this file). */
export function buildBedrockPolicy(input: { geography: Geography; region: string; accountId: string; models?: ModelKey[]; withDiscovery?: boolean; otherInlineSize?: number; catalog?: readonly LiveProfile[] }): Result<PolicyPlan, RouteRefusal> {
  if (!ACCOUNT_ID.test(input.accountId)) {
    return err({ code: 'invalid-account', reason: `"${input.accountId.slice(0, 20)}" is not a 12-digit AWS account ID.`, hint: 'Pass --account 123456789012 (aws sts get-caller-identity shows it).', allowedRegions: [] });
  }
  // The residency table decides first: a source region outside the geography gets no policy at all.
  const region = checkRegion(input.geography, input.region, input.catalog);
  if (!region.ok) return region;
  const wanted = input.models && input.models.length > 0 ? [...new Set(input.models)] : (['sonnet', 'opus'] as ModelKey[]);
  const statements: Statement[] = [];
  const notes: string[] = [];
  const served: ModelKey[] = [];
  for (const m of wanted) {
    const p = profileFor(input.geography, m, input.region, input.catalog);
    if (!p.ok) {
      if (input.models && input.models.includes(m)) return p;
      notes.push(`${MODELS[m].name} is left out: ${p.error.reason}`);
      continue;
    }
    served.push(m);
    const pArn = inferenceProfileArn(input.region, input.accountId, p.value.profileId);
    const modelId = MODELS[m].modelId;
    if (input.geography === 'global') {
      // §3.3: all three parts are required; the service evaluates the region-less FM with
      // aws:RequestedRegion = "unspecified".
      statements.push(
        { Sid: `${sidName(m)}GlobalProfile`, Effect: 'Allow', Action: [...INVOKE_ACTIONS], Resource: pArn, Condition: { StringEquals: { 'aws:RequestedRegion': input.region } } },
        { Sid: `${sidName(m)}GlobalInRegionModel`, Effect: 'Allow', Action: [...INVOKE_ACTIONS], Resource: foundationModelArn(input.region, modelId), Condition: { StringEquals: { 'aws:RequestedRegion': input.region, 'bedrock:InferenceProfileArn': pArn } } },
        { Sid: `${sidName(m)}GlobalModel`, Effect: 'Allow', Action: [...INVOKE_ACTIONS], Resource: `arn:aws:bedrock:::foundation-model/${modelId}`, Condition: { StringEquals: { 'aws:RequestedRegion': 'unspecified', 'bedrock:InferenceProfileArn': pArn } } },
      );
    } else {
      // §3.2: the profile in the source region, and the FM in every destination region, only through it.
      statements.push(
        { Sid: `${sidName(m)}Profile`, Effect: 'Allow', Action: [...INVOKE_ACTIONS], Resource: pArn },
        { Sid: `${sidName(m)}ViaProfile`, Effect: 'Allow', Action: [...INVOKE_ACTIONS], Resource: p.value.destinations.map((d) => foundationModelArn(d, modelId)), Condition: { StringEquals: { 'bedrock:InferenceProfileArn': pArn } } },
      );
    }
  }
  if (served.length === 0) {
    return err({ code: 'no-model-servable', reason: `No requested model has a ${geographyLabel(input.geography)} inference profile from ${input.region}.`, hint: notes.join(' '), allowedRegions: [] });
  }
  statements.push({ Sid: 'MarketplaceFirstUseViaBedrock', Effect: 'Allow', Action: [...MARKETPLACE_ACTIONS], Resource: '*', Condition: { StringEquals: { 'aws:CalledViaLast': ['bedrock.amazonaws.com'] } } });
  if (input.withDiscovery !== false) {
    statements.push(
      { Sid: 'ModelAccessDiscovery', Effect: 'Allow', Action: [...DISCOVERY_ACTIONS], Resource: '*' },
      { Sid: 'InferenceProfileDiscovery', Effect: 'Allow', Action: [...PROFILE_READ_ACTIONS], Resource: inferenceProfileArn(input.region, input.accountId, '*') },
    );
  }
  const document: PolicyDoc = { Version: '2012-10-17', Statement: statements };
  const json = JSON.stringify(document);
  const size = policySize(json);
  const other = input.otherInlineSize ?? 0;
  let placement: PolicyPlan['placement'];
  let reason: string;
  if (size + other <= INLINE_LIMIT) {
    placement = 'inline';
    reason = `${size} characters${other ? ` (+${other} in the user's other inline policies)` : ''} fit the ${INLINE_LIMIT}-character limit for all of a user's inline policies, so an inline policy is enough`;
  } else if (size <= MANAGED_LIMIT) {
    placement = 'managed';
    reason = `${size} characters${other ? ` (+${other} already inline)` : ''} exceed the ${INLINE_LIMIT}-character inline limit for a user, so a customer-managed policy (limit ${MANAGED_LIMIT}) is used`;
  } else {
    return err({ code: 'policy-too-large', reason: `The policy is ${size} characters, above the ${MANAGED_LIMIT}-character limit of a managed policy.`, hint: 'Generate it for one model at a time (--models sonnet) and attach two policies.', allowedRegions: [] });
  }
  if (input.geography === 'apac' && !served.includes('opus')) notes.push('APAC: AWS offers Sonnet 4.5 through the jp. and au. profiles only; no APAC profile serves Opus 4.5.');
  return ok({ document, json, size, placement, reason, models: served, notes });
}

/** Same statements, whatever their order or formatting. */
export function samePolicy(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
