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
