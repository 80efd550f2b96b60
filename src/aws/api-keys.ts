// Bedrock API keys: short-term ones minted here from IAM credentials, long-term ones through IAM's
// service-specific credentials.
//
// A short-term key is what AWS's own generator makes (@aws/bedrock-token-generator 1.1.0,
// dist/token.js): a SigV4 pre-signature (service "bedrock", the key's region) of
// POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken, its URL without "https://" plus
// "&Version=1", base64-encoded, after "bedrock-api-key-". At most 43200 s (12 hours); AWS: valid for
// the shorter of 12 hours and the generating session, and only in the region it was made for
// (Bedrock user guide, "How Amazon Bedrock API keys work"). Signing is the SDK's signer's job.
import type { AwsCredentials } from './clients.js';

export const SHORT_TERM_KEY_PREFIX = 'bedrock-api-key-';
export const MAX_SHORT_TERM_SECONDS = 43_200;
const HOST = 'bedrock.amazonaws.com';

export interface MintedKey {
  token: string;
  region: string;
  /** The shorter of the requested lifetime and the signing credentials' own expiry. */
  expiresAt: Date;
}

export async function mintShortTermKey(creds: AwsCredentials, region: string, o: { now: Date; expiresInSeconds?: number }): Promise<MintedKey> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  let seconds = Math.min(o.expiresInSeconds ?? MAX_SHORT_TERM_SECONDS, MAX_SHORT_TERM_SECONDS);
  if (creds.expiration) seconds = Math.min(seconds, Math.floor((creds.expiration.getTime() - o.now.getTime()) / 1000));
  if (seconds <= 0) throw new Error('the credentials that would sign the key have expired');
  const signer = new SignatureV4({ service: 'bedrock', region, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken }, sha256: Sha256 });
  const presigned = await signer.presign(
    { method: 'POST', protocol: 'https:', hostname: HOST, path: '/', headers: { host: HOST }, query: { Action: 'CallWithBearerToken' } } as never,
    { expiresIn: seconds, signingDate: o.now },
  );
  // The URL as the generator's formatUrl writes it: host, path, then the query in the signer's order.
  const query = (presigned as { query: Record<string, string> }).query;
  const qs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const url = `${HOST}/?${qs}&Version=1`;
  return { token: `${SHORT_TERM_KEY_PREFIX}${Buffer.from(url, 'utf8').toString('base64')}`, region, expiresAt: new Date(o.now.getTime() + seconds * 1000) };
}

// ---- Long-term keys: IAM service-specific credentials for bedrock.amazonaws.com ----
// Shapes: botocore iam service-2.json (CreateServiceSpecificCredential: UserName, ServiceName,
// CredentialAgeDays 1..36600, "When not specified, the credential will not expire"; the response's
// ServiceCredentialSecret "is returned only when the credential is created").

export const BEDROCK_SERVICE_NAME = 'bedrock.amazonaws.com';

export interface ServiceKeyMeta {
  id: string;
  userName: string;
  status: string;
  alias: string | null;
  createdAt: string;
  expiresAt: string | null;
}

export async function openApiKeyIam(env: import('../core/env.js').Env, credentials: import('./clients.js').CredentialSource, clockOffsetMs?: number) {
  const sdk = await import('@aws-sdk/client-iam');
  const { iamClient } = await import('./clients.js');
  const reads = await iamClient(env, { region: 'us-east-1', credentials, clockOffsetMs });
  // Writes: one attempt (reference aws.md §5.4: the SDK retries LimitExceeded as throttling).
  const writes = await iamClient(env, { region: 'us-east-1', credentials, clockOffsetMs, maxAttempts: 1 });
  const meta = (c: { ServiceSpecificCredentialId?: string; UserName?: string; Status?: string; ServiceCredentialAlias?: string; CreateDate?: Date; ExpirationDate?: Date }): ServiceKeyMeta => ({
    id: c.ServiceSpecificCredentialId ?? '',
    userName: c.UserName ?? '',
    status: c.Status ?? 'unknown',
    alias: c.ServiceCredentialAlias ?? null,
    createdAt: (c.CreateDate ?? new Date(0)).toISOString(),
    expiresAt: c.ExpirationDate ? c.ExpirationDate.toISOString() : null,
  });
  return {
    async create(userName: string, ageDays: number | undefined): Promise<ServiceKeyMeta & { secret: string }> {
      const r = await writes.send(new sdk.CreateServiceSpecificCredentialCommand({ UserName: userName, ServiceName: BEDROCK_SERVICE_NAME, ...(ageDays !== undefined ? { CredentialAgeDays: ageDays } : {}) }));
      const c = r.ServiceSpecificCredential!;
      return { ...meta(c), secret: c.ServiceCredentialSecret ?? '' };
    },
    async list(userName: string): Promise<ServiceKeyMeta[]> {
      const r = await reads.send(new sdk.ListServiceSpecificCredentialsCommand({ UserName: userName, ServiceName: BEDROCK_SERVICE_NAME }));
      return (r.ServiceSpecificCredentials ?? []).map(meta);
    },
    setStatus: (userName: string, id: string, status: 'Active' | 'Inactive') => writes.send(new sdk.UpdateServiceSpecificCredentialCommand({ UserName: userName, ServiceSpecificCredentialId: id, Status: status })),
    remove: (userName: string, id: string) => writes.send(new sdk.DeleteServiceSpecificCredentialCommand({ UserName: userName, ServiceSpecificCredentialId: id })),
    putUserPolicy: (userName: string, name: string, doc: string) => writes.send(new sdk.PutUserPolicyCommand({ UserName: userName, PolicyName: name, PolicyDocument: doc })),
  };
}
