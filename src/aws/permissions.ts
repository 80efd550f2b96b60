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
const NOT_AUTHORIZED = /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)(?:\s+on resource:?\s+(arn:[^\s,;]+|\*))?/i;

export function parseAccessDenied(message: string | undefined): { action: string; resource: string | null } | null {
  if (!message) return null;
  const m = NOT_AUTHORIZED.exec(message);
  if (!m) return null;
  return { action: m[1]!, resource: m[2] ? m[2].replace(/[.)]+$/, '') : null };
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
