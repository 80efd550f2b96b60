// What an AccessDenied means in IAM terms: the action, the resource, and the one statement that
// would grant it, in the shapes reference aws.md §3.2 (geographic) and §3.3 (global) document.
// Pure: no SDK, no I/O.

export interface DeniedAccess {
  action: string;
  resource: string;
  /** True when the action and resource were read from AWS's message, not inferred from the call. */
  fromMessage: boolean;
}

export interface PolicyStatementJson {
  Sid: string;
  Effect: 'Allow';
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

// AWS: "User: arn:... is not authorized to perform: bedrock:InvokeModel on resource: arn:... because ..."
// IAM names some resources its own way: "on resource: user NAME", "on resource: policy ARN|NAME".
const NOT_AUTHORIZED = /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)(?:\s+on resource:?\s+(arn:[^\s,;]+|\*|(?:user|policy)\s+[^\s,;]+))?/i;
const PRINCIPAL_ACCOUNT = /User:\s+arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/;

export function parseAccessDenied(message: string | undefined): { action: string; resource: string | null } | null {
  if (!message) return null;
  const m = NOT_AUTHORIZED.exec(message);
  if (!m) return null;
  const raw = m[2] ? m[2].replace(/[.)]+$/, '') : null;
  return { action: m[1]!, resource: raw === null ? null : iamArn(raw, PRINCIPAL_ACCOUNT.exec(message)?.[1]) };
}

/** "user NAME" / "policy ARN|NAME" as an ARN (the account is the caller's; a user's path is not in the message). */
function iamArn(resource: string, account: string | undefined): string {
  const m = /^(user|policy)\s+(.+)$/.exec(resource);
  if (!m) return resource;
  if (m[2]!.startsWith('arn:')) return m[2]!;
  return `arn:aws:iam::${account ?? '<ACCOUNT_ID>'}:${m[1]}/${m[2]}`;
}

/** The policy types AWS names in an AccessDenied (IAM User Guide, "Troubleshoot access denied error messages"). */
export type DenyingPolicy = 'identity-based policy' | 'service control policy' | 'resource control policy' | 'permissions boundary' | 'session policy' | 'resource-based policy' | 'VPC endpoint policy';
const POLICY_TYPES = 'identity-based policy|service control policy|resource control policy|permissions boundary|session policy|resource-based policy|VPC endpoint policy';
const EXPLICIT = new RegExp(`explicit deny in (?:an?|the) (${POLICY_TYPES})(?::\\s*(arn:[^\\s,;]+))?`, 'i');
const IMPLICIT = new RegExp(`because no (${POLICY_TYPES}) allows`, 'i');

/**
 * Which policy denied, as AWS's message says: "... with an explicit deny in a service control
 * policy", "... because no permissions boundary allows the X action" (AWS: "When an SCP denies
 * access, the error message can include the phrase due to an explicit deny in a Service Control
 * Policy, even if the denial is implicit"). Null when the message does not say (older formats,
 * Bedrock's generic "You don't have access ...").
 */
export function deniedBy(message: string | undefined): { policy: DenyingPolicy; explicit: boolean; policyArn?: string } | null {
  if (!message) return null;
  const e = EXPLICIT.exec(message);
  const i = e ? null : IMPLICIT.exec(message);
  const name = (e ?? i)?.[1];
  if (!name) return null;
  const policy = POLICY_TYPES.split('|').find((t) => t.toLowerCase() === name.toLowerCase()) as DenyingPolicy;
  // Since 2025 AWS appends the denying policy's ARN to an explicit deny within the account or
  // organization (AWS Security Blog, "Enhanced access denied error messages with policy ARNs").
  const policyArn = e?.[2]?.replace(/[.)]+$/, '');
  return { policy, explicit: e !== null, ...(policyArn ? { policyArn } : {}) };
}

/** The action an operation needs (reference §3.1, §4.2). */
export const ACTION_FOR_OPERATION: Record<string, string> = {
  Converse: 'bedrock:InvokeModel',
  InvokeModel: 'bedrock:InvokeModel',
  ConverseStream: 'bedrock:InvokeModelWithResponseStream',
  InvokeModelWithResponseStream: 'bedrock:InvokeModelWithResponseStream',
  GetFoundationModelAvailability: 'bedrock:GetFoundationModelAvailability',
  GetInferenceProfile: 'bedrock:GetInferenceProfile',
  ListInferenceProfiles: 'bedrock:ListInferenceProfiles',
  GetUseCaseForModelAccess: 'bedrock:GetUseCaseForModelAccess',
  PutUseCaseForModelAccess: 'bedrock:PutUseCaseForModelAccess',
};

export function profileArn(region: string, account: string, profileId: string): string {
  return `arn:aws:bedrock:${region}:${account}:inference-profile/${profileId}`;
}

/**
 * The denied action and resource: from AWS's message when it names them, else from the call that
 * was made (the profile ARN in the source region is the first resource evaluated).
 */
export function deniedAccess(message: string | undefined, operation: string, fallbackResource: string): DeniedAccess {
  const parsed = parseAccessDenied(message);
  const action = parsed?.action ?? ACTION_FOR_OPERATION[operation] ?? `bedrock:${operation}`;
  const resource = parsed?.resource ?? fallbackResource;
  return { action, resource, fromMessage: parsed !== null };
}

const pascal = (s: string) => s.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/**
 * What a statement's Sid says about its resource (region and model), so that the statements byok
 * suggests for different resources never share a Sid: IAM refuses a policy that repeats one
 * (MalformedPolicyDocument, "Statement IDs (SID) in a single policy must be unique.").
 */
function sidSuffix(resource: string): string {
  if (resource === '*') return '';
  const region = resource.split(':')[3] ?? '';
  const m = /claude-([a-z]+)-(\d+)-(\d+)/.exec(resource);
  return `${pascal(region)}${m ? `${pascal(m[1]!)}${m[2]}${m[3]}` : pascal(resource.split('/').pop() ?? '')}`;
}

/**
 * The statement that grants exactly the denied access. For inference, the foundation model is
 * granted only through the profile (condition bedrock:InferenceProfileArn, §3.2); the global
 * profile's region-less FM ARN also needs aws:RequestedRegion "unspecified" (§3.3).
 */
export function grantingStatement(denied: { action: string; resource: string }, route: { region: string; profileArn: string | null }): PolicyStatementJson {
  const { action, resource } = denied;
  const isInvoke = action === 'bedrock:InvokeModel' || action === 'bedrock:InvokeModelWithResponseStream';
  const isFm = resource.includes(':foundation-model/');
  const isProfile = resource.includes(':inference-profile/');
  const sidBase = action.split(':')[1] ?? 'Bedrock';
  if (isInvoke && isFm && route.profileArn) {
    const regionLess = /^arn:aws[a-z-]*:bedrock:::foundation-model\//.test(resource);
    const condition: Record<string, Record<string, string>> = { StringEquals: { 'bedrock:InferenceProfileArn': route.profileArn } };
    if (regionLess) condition.StringEquals!['aws:RequestedRegion'] = 'unspecified';
    return { Sid: `Byok${sidBase}${regionLess ? 'GlobalModel' : 'Model'}${sidSuffix(resource)}`, Effect: 'Allow', Action: action, Resource: resource, Condition: condition };
  }
  if (isInvoke && isProfile && /inference-profile\/global\./.test(resource)) {
    return { Sid: `Byok${sidBase}GlobalProfile${sidSuffix(resource)}`, Effect: 'Allow', Action: action, Resource: resource, Condition: { StringEquals: { 'aws:RequestedRegion': route.region } } };
  }
  return { Sid: `Byok${sidBase}${isInvoke || isProfile || isFm ? sidSuffix(resource) : ''}`, Effect: 'Allow', Action: action, Resource: isInvoke || isProfile || isFm ? resource : '*' };
}
