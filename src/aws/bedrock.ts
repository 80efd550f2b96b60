// Bedrock control plane: model availability, inference profiles and the Anthropic use-case form
// (reference aws.md §4). Plain domain types out; SDK shapes stay here.
import type { Env } from '../core/env.js';
import { bedrockClient, type ClientOptions } from './clients.js';

export type BedrockControl = Awaited<ReturnType<typeof bedrockClient>>;

export async function openBedrock(env: Env, o: ClientOptions): Promise<BedrockControl> {
  return bedrockClient(env, o);
}

/** GetFoundationModelAvailability: all four fields are required in the response (§4.1). */
export interface ModelAvailability {
  modelId: string;
  agreementStatus: string;
  agreementErrorMessage: string | null;
  authorizationStatus: string;
  entitlementAvailability: string;
  regionAvailability: string;
}

export async function getModelAvailability(client: BedrockControl, modelId: string): Promise<ModelAvailability> {
  const { GetFoundationModelAvailabilityCommand } = await import('@aws-sdk/client-bedrock');
  const r = await client.send(new GetFoundationModelAvailabilityCommand({ modelId }));
  return {
    modelId: r.modelId ?? modelId,
    agreementStatus: r.agreementAvailability?.status ?? 'UNKNOWN',
    agreementErrorMessage: r.agreementAvailability?.errorMessage ?? null,
    authorizationStatus: r.authorizationStatus ?? 'UNKNOWN',
    entitlementAvailability: r.entitlementAvailability ?? 'UNKNOWN',
    regionAvailability: r.regionAvailability ?? 'UNKNOWN',
  };
}

/** Every field reads "available": necessary for access, never sufficient (§4.2 caveat). */
export function availabilityLooksGranted(a: ModelAvailability): boolean {
  return a.agreementStatus === 'AVAILABLE' && a.authorizationStatus === 'AUTHORIZED' && a.entitlementAvailability === 'AVAILABLE' && a.regionAvailability === 'AVAILABLE';
}

export interface LiveInferenceProfile {
  id: string;
  arn: string;
  name: string;
  status: string;
  type: string;
  /** Foundation-model ARNs, one per destination region (§2.3). */
  modelArns: string[];
  /**
   * Regions parsed from modelArns. A region-less FM ARN (arn:aws:bedrock:::foundation-model/ID,
   * what AWS lists for a global profile next to the source region's) means any commercial region:
   * the list is then ['*'], never the source region alone.
   */
  destinationRegions: string[];
}

interface ProfileShape {
  inferenceProfileId?: string;
  inferenceProfileArn?: string;
  inferenceProfileName?: string;
  status?: string;
  type?: string;
  models?: { modelArn?: string }[];
}

/** arn:aws:bedrock:REGION::foundation-model/ID → REGION ('' for the global region-less form). */
export function regionOfModelArn(arn: string): string | null {
  const m = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]*):[0-9]*:foundation-model\//.exec(arn);
  return m ? m[1]! : null;
}

/** The base model ID a foundation-model ARN names. */
export function modelIdOfArn(arn: string): string | null {
  const i = arn.indexOf(':foundation-model/');
  return i < 0 ? null : arn.slice(i + ':foundation-model/'.length);
}

function toProfile(p: ProfileShape): LiveInferenceProfile {
  const modelArns = (p.models ?? []).map((m) => m.modelArn ?? '').filter((a) => a !== '');
  const regions = new Set<string>();
  for (const a of modelArns) {
    const r = regionOfModelArn(a);
    if (r === '') regions.add('*');
    else if (r) regions.add(r);
  }
  return {
    id: p.inferenceProfileId ?? '',
    arn: p.inferenceProfileArn ?? '',
    name: p.inferenceProfileName ?? '',
    status: p.status ?? 'UNKNOWN',
    type: p.type ?? 'UNKNOWN',
    modelArns,
    destinationRegions: regions.has('*') ? ['*'] : [...regions].sort(),
  };
}

export async function getInferenceProfile(client: BedrockControl, id: string): Promise<LiveInferenceProfile> {
  const { GetInferenceProfileCommand } = await import('@aws-sdk/client-bedrock');
  return toProfile(await client.send(new GetInferenceProfileCommand({ inferenceProfileIdentifier: id })));
}

/** ListInferenceProfiles, all pages, system-defined profiles only (the cross-region ones). */
export async function listInferenceProfiles(client: BedrockControl): Promise<LiveInferenceProfile[]> {
  const { paginateListInferenceProfiles } = await import('@aws-sdk/client-bedrock');
  const out: LiveInferenceProfile[] = [];
  // The SDK's own paginator follows nextToken (and stops on a repeated token).
  for await (const page of paginateListInferenceProfiles({ client, pageSize: 1000 }, { typeEquals: 'SYSTEM_DEFINED' })) {
    for (const p of page.inferenceProfileSummaries ?? []) out.push(toProfile(p));
  }
  return out;
}

/** The Anthropic first-time-use form, §4.3. Field limits: text 128 characters, useCases 8192. */
export interface UseCaseForm {
  companyName: string;
  companyWebsite: string;
  /** "0" internal, "1" external, "2" both. */
  intendedUsers: '0' | '1' | '2';
  industryOption: string;
  otherIndustryOption: string;
  useCases: string;
}

export type UseCaseFormState = { submitted: true; fields: string[] } | { submitted: false };

/**
 * GetUseCaseForModelAccess. ResourceNotFound is read as "never submitted" (reference §9 item 5
 * marks that UNCONFIRMED); the caller keeps the invocation as the conclusive check.
 */
export async function getUseCaseForm(client: BedrockControl): Promise<UseCaseFormState> {
  const { GetUseCaseForModelAccessCommand } = await import('@aws-sdk/client-bedrock');
  try {
    const r = await client.send(new GetUseCaseForModelAccessCommand({}));
    let fields: string[] = [];
    if (r.formData && r.formData.length > 0) {
      try {
        const parsed = JSON.parse(Buffer.from(r.formData).toString('utf8')) as unknown;
        if (parsed && typeof parsed === 'object') fields = Object.keys(parsed as object).sort();
      } catch {
        fields = [];
      }
    }
    return { submitted: true, fields };
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return { submitted: false };
    throw e;
  }
}

export async function putUseCaseForm(client: BedrockControl, form: UseCaseForm): Promise<void> {
  const { PutUseCaseForModelAccessCommand } = await import('@aws-sdk/client-bedrock');
  const formData = new Uint8Array(Buffer.from(JSON.stringify(form), 'utf8'));
  await client.send(new PutUseCaseForModelAccessCommand({ formData }));
}
