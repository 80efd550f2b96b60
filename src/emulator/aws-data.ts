// The emulator's own copy of the AWS facts it serves: foundation models, system-defined inference
// profiles (source region -> destination regions), what the profile API returns, and which errors
// each emulated operation can send. Written from AWS's documentation (each row names its source),
// NOT from byok's routing table: byok's src/core/geography.ts is checked against this file by
// test/unit/emulator/aws-data.test.ts, so a wrong byok table fails a test instead of agreeing with
// itself. No module outside src/emulator/ may import this file (the same test enforces it).

/** AWS doc pages the rows below cite. */
export const SOURCES = {
  profilesSupport: 'https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html',
  globalCris: 'https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html',
  geoCris: 'https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html',
  botocoreModels: 'botocore 1.43.11 data/{iam,sts,bedrock,bedrock-runtime}/*/service-2.json (the API models AWS publishes)',
} as const;

export interface EmuFoundationModel {
  key: 'sonnet' | 'opus';
  modelId: string;
  /** modelName as ListFoundationModels reports it. */
  modelName: string;
  source: string;
}

export const FOUNDATION_MODELS: readonly EmuFoundationModel[] = [
  // Model IDs spelled as on the global-CRIS page (Sonnet) and the profiles-support page (Opus).
  { key: 'sonnet', modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0', modelName: 'Claude Sonnet 4.5', source: SOURCES.globalCris },
  { key: 'opus', modelId: 'anthropic.claude-opus-4-5-20251101-v1:0', modelName: 'Claude Opus 4.5', source: SOURCES.profilesSupport },
];

/** "Commercial AWS Regions" plus the source Region: what the profiles-support page gives as a global profile's destinations. */
export const ALL_COMMERCIAL = 'all-commercial' as const;
export type Destinations = readonly string[] | typeof ALL_COMMERCIAL;

export interface EmuProfileRow {
  id: string;
  model: 'sonnet' | 'opus';
  /** inferenceProfileName. */
  name: string;
  /** How the description names the model ("Routes requests to NAME in ..."). */
  descriptionModel: string;
  global: boolean;
  /** Source region -> destination regions. */
  routes: Readonly<Record<string, Destinations>>;
  source: string;
}

// Source regions of the two global profiles, as the profiles-support page lists them (27 each).
const GLOBAL_SONNET_SOURCE_REGIONS = [
  'af-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1',
  'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2',
  'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1',
  'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
];
const GLOBAL_OPUS_SOURCE_REGIONS = [
  'af-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2', 'ap-southeast-1',
  'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ca-central-1', 'eu-central-1', 'eu-central-2', 'eu-north-1',
  'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1', 'me-south-1',
  'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
];

// US (same table for both models on the profiles-support page).
const US_ROUTES: Record<string, Destinations> = {
  'ca-central-1': ['ca-central-1', 'us-east-1', 'us-east-2', 'us-west-2'],
  'us-east-1': ['us-east-1', 'us-east-2', 'us-west-2'],
  'us-east-2': ['us-east-1', 'us-east-2', 'us-west-2'],
  'us-west-1': ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'],
  'us-west-2': ['us-east-1', 'us-east-2', 'us-west-2'],
};
// EU (same table for both models): six regions route among themselves; eu-central-2 and eu-west-2
// route to the six plus themselves.
const EU_SIX = ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-3'];
const EU_ROUTES: Record<string, Destinations> = {
  'eu-central-1': EU_SIX, 'eu-north-1': EU_SIX, 'eu-south-1': EU_SIX, 'eu-south-2': EU_SIX, 'eu-west-1': EU_SIX, 'eu-west-3': EU_SIX,
  'eu-central-2': [...EU_SIX, 'eu-central-2'],
  'eu-west-2': [...EU_SIX, 'eu-west-2'],
};

const S = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const O = 'anthropic.claude-opus-4-5-20251101-v1:0';
const all = (regions: readonly string[]): Record<string, Destinations> => Object.fromEntries(regions.map((r) => [r, ALL_COMMERCIAL]));

// Names: "Global Claude Sonnet 4.5", "GLOBAL Anthropic Claude Opus 4.5", "US Anthropic Claude Sonnet 4.5"
// and "US Anthropic Claude Opus 4.5" are AWS's (profiles-support page; ListInferenceProfiles output
// quoted in public repos). The EU/JP/AU/US-GOV names follow the US pattern: UNCONFIRMED.
// Descriptions: "Routes requests to Claude Sonnet 4.5 globally across all supported AWS Regions." and
// "Routes requests to Anthropic Claude Sonnet 4.5 in us-east-1, us-east-2 and us-west-2." are quoted
// from real ListInferenceProfiles output in public repositories (secondary); the model wording of
// the other rows follows them: UNCONFIRMED.
export const PROFILES: readonly EmuProfileRow[] = [
  { id: `global.${S}`, model: 'sonnet', name: 'Global Claude Sonnet 4.5', descriptionModel: 'Claude Sonnet 4.5', global: true, routes: all(GLOBAL_SONNET_SOURCE_REGIONS), source: SOURCES.profilesSupport },
  { id: `global.${O}`, model: 'opus', name: 'GLOBAL Anthropic Claude Opus 4.5', descriptionModel: 'Anthropic Claude Opus 4.5', global: true, routes: all(GLOBAL_OPUS_SOURCE_REGIONS), source: SOURCES.profilesSupport },
  { id: `us.${S}`, model: 'sonnet', name: 'US Anthropic Claude Sonnet 4.5', descriptionModel: 'Anthropic Claude Sonnet 4.5', global: false, routes: US_ROUTES, source: SOURCES.profilesSupport },
  { id: `us.${O}`, model: 'opus', name: 'US Anthropic Claude Opus 4.5', descriptionModel: 'Anthropic Claude Opus 4.5', global: false, routes: US_ROUTES, source: SOURCES.profilesSupport },
  { id: `eu.${S}`, model: 'sonnet', name: 'EU Anthropic Claude Sonnet 4.5', descriptionModel: 'Anthropic Claude Sonnet 4.5', global: false, routes: EU_ROUTES, source: SOURCES.profilesSupport },
  { id: `eu.${O}`, model: 'opus', name: 'EU Anthropic Claude Opus 4.5', descriptionModel: 'Anthropic Claude Opus 4.5', global: false, routes: EU_ROUTES, source: SOURCES.profilesSupport },
  // JP, AU and US-GOV serve Sonnet 4.5 only; the page lists no apac. profile for either model.
  { id: `jp.${S}`, model: 'sonnet', name: 'JP Anthropic Claude Sonnet 4.5', descriptionModel: 'Anthropic Claude Sonnet 4.5', global: false, routes: { 'ap-northeast-1': ['ap-northeast-1', 'ap-northeast-3'], 'ap-northeast-3': ['ap-northeast-1', 'ap-northeast-3'] }, source: SOURCES.profilesSupport },
  { id: `au.${S}`, model: 'sonnet', name: 'AU Anthropic Claude Sonnet 4.5', descriptionModel: 'Anthropic Claude Sonnet 4.5', global: false, routes: { 'ap-southeast-2': ['ap-southeast-2', 'ap-southeast-4'], 'ap-southeast-4': ['ap-southeast-2', 'ap-southeast-4'] }, source: SOURCES.profilesSupport },
  { id: `us-gov.${S}`, model: 'sonnet', name: 'US-GOV Anthropic Claude Sonnet 4.5', descriptionModel: 'Anthropic Claude Sonnet 4.5', global: false, routes: { 'us-gov-east-1': ['us-gov-west-1'], 'us-gov-west-1': ['us-gov-west-1'] }, source: SOURCES.profilesSupport },
];

/**
 * models[] of a global profile as GetInferenceProfile / ListInferenceProfiles return it: the
 * region-less foundation-model ARN first, then the source region's. Seen in three independent real
 * outputs quoted in public repositories (secondary; the API model's FoundationModelArn pattern,
 * which wants a region, is not what the service returns here):
 *   aws bedrock list-inference-profiles --region ca-central-1 (global.amazon.nova-2-lite-v1:0):
 *     arn:aws:bedrock:::foundation-model/amazon.nova-2-lite-v1:0, arn:aws:bedrock:ca-central-1::foundation-model/amazon.nova-2-lite-v1:0
 *   us-east-1 (global.anthropic.claude-opus-4-6-v1): arn:aws:bedrock:::foundation-model/…, arn:aws:bedrock:us-east-1::foundation-model/…
 *   ap-southeast-2 (global.cohere.embed-v4:0): arn:aws:bedrock:::foundation-model/…, arn:aws:bedrock:ap-southeast-2::foundation-model/…
 * The global-CRIS page agrees that the region-less ARN is what a global profile routes through.
 */
export function globalProfileModelArns(sourceRegion: string, modelId: string): string[] {
  return [`arn:aws:bedrock:::foundation-model/${modelId}`, `arn:aws:bedrock:${sourceRegion}::foundation-model/${modelId}`];
}

// ------------------------------------------------------------------ operations and their errors

export type EmuService = 'iam' | 'sts' | 'bedrock' | 'bedrock-runtime';

export interface EmuOperation {
  service: EmuService;
  /** Errors the API model lists for the operation (wire codes). */
  errors: readonly string[];
  /** Event-stream operations: the exceptions the stream's union can carry mid-stream. */
  streamErrors?: readonly string[];
}

const IAM_OPS: Record<string, readonly string[]> = {
  CreateUser: ['LimitExceeded', 'EntityAlreadyExists', 'NoSuchEntity', 'InvalidInput', 'ConcurrentModification', 'ServiceFailure'],
  GetUser: ['NoSuchEntity', 'ServiceFailure'],
  TagUser: ['NoSuchEntity', 'LimitExceeded', 'InvalidInput', 'ConcurrentModification', 'ServiceFailure'],
  DeleteUser: ['LimitExceeded', 'NoSuchEntity', 'DeleteConflict', 'ConcurrentModification', 'ServiceFailure'],
  PutUserPolicy: ['LimitExceeded', 'MalformedPolicyDocument', 'NoSuchEntity', 'ServiceFailure'],
  GetUserPolicy: ['NoSuchEntity', 'ServiceFailure'],
  DeleteUserPolicy: ['NoSuchEntity', 'LimitExceeded', 'ServiceFailure'],
  ListUserPolicies: ['NoSuchEntity', 'ServiceFailure'],
  CreatePolicy: ['InvalidInput', 'LimitExceeded', 'EntityAlreadyExists', 'MalformedPolicyDocument', 'ConcurrentModification', 'ServiceFailure'],
  GetPolicy: ['NoSuchEntity', 'InvalidInput', 'ServiceFailure'],
  GetPolicyVersion: ['NoSuchEntity', 'InvalidInput', 'ServiceFailure'],
  CreatePolicyVersion: ['NoSuchEntity', 'MalformedPolicyDocument', 'InvalidInput', 'LimitExceeded', 'ServiceFailure'],
  ListPolicyVersions: ['NoSuchEntity', 'InvalidInput', 'ServiceFailure'],
  DeletePolicyVersion: ['NoSuchEntity', 'LimitExceeded', 'InvalidInput', 'DeleteConflict', 'ServiceFailure'],
  AttachUserPolicy: ['NoSuchEntity', 'LimitExceeded', 'InvalidInput', 'PolicyNotAttachable', 'ServiceFailure'],
  DetachUserPolicy: ['NoSuchEntity', 'LimitExceeded', 'InvalidInput', 'ServiceFailure'],
  ListAttachedUserPolicies: ['NoSuchEntity', 'InvalidInput', 'ServiceFailure'],
  CreateAccessKey: ['NoSuchEntity', 'LimitExceeded', 'ServiceFailure'],
  ListAccessKeys: ['NoSuchEntity', 'ServiceFailure'],
  UpdateAccessKey: ['NoSuchEntity', 'LimitExceeded', 'ServiceFailure', 'InvalidInput'],
  DeleteAccessKey: ['NoSuchEntity', 'LimitExceeded', 'ServiceFailure'],
  CreateServiceSpecificCredential: ['LimitExceeded', 'NoSuchEntity', 'NotSupportedService'],
  ListServiceSpecificCredentials: ['NoSuchEntity', 'NotSupportedService'],
  UpdateServiceSpecificCredential: ['NoSuchEntity'],
  ResetServiceSpecificCredential: ['NoSuchEntity'],
  DeleteServiceSpecificCredential: ['NoSuchEntity'],
  PutUserPermissionsBoundary: ['NoSuchEntity', 'InvalidInput', 'PolicyNotAttachable', 'ServiceFailure'],
  DeleteUserPermissionsBoundary: ['NoSuchEntity', 'ServiceFailure'],
};
const STS_OPS: Record<string, readonly string[]> = { GetCallerIdentity: [], GetSessionToken: ['RegionDisabledException'] };
const BEDROCK_OPS: Record<string, readonly string[]> = {
  ListFoundationModels: ['AccessDeniedException', 'ValidationException', 'InternalServerException', 'ThrottlingException'],
  GetFoundationModel: ['ResourceNotFoundException', 'AccessDeniedException', 'ValidationException', 'InternalServerException', 'ThrottlingException'],
  GetFoundationModelAvailability: ['ResourceNotFoundException', 'AccessDeniedException', 'ValidationException', 'InternalServerException', 'ThrottlingException'],
  ListInferenceProfiles: ['AccessDeniedException', 'ValidationException', 'InternalServerException', 'ThrottlingException'],
  GetInferenceProfile: ['ResourceNotFoundException', 'AccessDeniedException', 'ValidationException', 'InternalServerException', 'ThrottlingException'],
  GetUseCaseForModelAccess: ['ResourceNotFoundException', 'ValidationException', 'InternalServerException', 'ThrottlingException'],
  PutUseCaseForModelAccess: ['AccessDeniedException', 'ValidationException', 'InternalServerException', 'ThrottlingException'],
};
const CONVERSE_ERRORS = ['AccessDeniedException', 'ThrottlingException', 'ResourceNotFoundException', 'ModelTimeoutException', 'InternalServerException', 'ServiceUnavailableException', 'ValidationException', 'ModelNotReadyException', 'ModelErrorException'];
const INVOKE_ERRORS = [...CONVERSE_ERRORS, 'ServiceQuotaExceededException'];

/** Every operation the emulator serves, with the errors its API model lists (source: SOURCES.botocoreModels). */
export const OPERATIONS: Readonly<Record<string, EmuOperation>> = {
  ...Object.fromEntries(Object.entries(IAM_OPS).map(([op, errors]) => [op, { service: 'iam', errors }])),
  ...Object.fromEntries(Object.entries(STS_OPS).map(([op, errors]) => [op, { service: 'sts', errors }])),
  ...Object.fromEntries(Object.entries(BEDROCK_OPS).map(([op, errors]) => [op, { service: 'bedrock', errors }])),
  Converse: { service: 'bedrock-runtime', errors: CONVERSE_ERRORS },
  ConverseStream: { service: 'bedrock-runtime', errors: CONVERSE_ERRORS, streamErrors: ['InternalServerException', 'ModelStreamErrorException', 'ValidationException', 'ThrottlingException', 'ServiceUnavailableException'] },
  InvokeModel: { service: 'bedrock-runtime', errors: INVOKE_ERRORS },
  InvokeModelWithResponseStream: {
    service: 'bedrock-runtime',
    errors: [...INVOKE_ERRORS, 'ModelStreamErrorException'],
    streamErrors: ['InternalServerException', 'ModelStreamErrorException', 'ValidationException', 'ThrottlingException', 'ModelTimeoutException', 'ServiceUnavailableException'],
  },
};

/**
 * Errors any operation of a protocol can answer, whatever its model lists: the authentication
 * layer (aws.md §5.2/§5.3) and the "Common Errors" every AWS query API documents (IAM and STS API
 * references: Throttling, ServiceUnavailable, InternalFailure; AccessDenied is how IAM answers an
 * unauthorised call to any operation, and STS refuses GetSessionToken with session credentials so).
 */
export const COMMON_ERRORS = {
  query: ['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'IncompleteSignature', 'MissingAuthenticationToken', 'RequestExpired', 'AccessDenied', 'NotAuthorized', 'Throttling', 'ValidationError'],
  json: ['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'IncompleteSignature', 'MissingAuthenticationTokenException'],
} as const;

/** The SigV4 signing name of each service (API models' metadata: bedrock-runtime signs as "bedrock"). */
export const SIGNING_NAME: Readonly<Record<EmuService, string>> = { iam: 'iam', sts: 'sts', bedrock: 'bedrock', 'bedrock-runtime': 'bedrock' };

/** The query-protocol API versions (API models' metadata). */
export const QUERY_API_VERSION: Readonly<Record<'iam' | 'sts', string>> = { iam: '2010-05-08', sts: '2011-06-15' };
