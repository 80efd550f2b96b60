// Bedrock API keys (bearer tokens) as Bedrock and Bedrock Runtime accept them in place of SigV4
// (`smithy.api#httpBearerAuth` in both service models).
//
// Short-term key (AWS's own generator, @aws/bedrock-token-generator 1.1.0, dist/token.js): the
// text "bedrock-api-key-" followed by the base64 of a SigV4 pre-signed URL without its scheme:
//   bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256
//     &X-Amz-Credential=AKID/YYYYMMDD/REGION/bedrock/aws4_request&X-Amz-Date=...&X-Amz-Expires=N
//     [&X-Amz-Security-Token=...]&X-Amz-Signature=...&X-Amz-SignedHeaders=host&Version=1
// signed for POST / on host bedrock.amazonaws.com, service "bedrock", expiry at most 43200 s. The
// emulator recomputes that signature with the secret it issued, as it does for SigV4 requests.
// AWS: valid for the shorter of 12 hours and the generating session, and "can be used only in the
// AWS Region from which you generated it" (Bedrock user guide, "How Amazon Bedrock API keys work").
//
// Long-term key: IAM's ServiceCredentialSecret for ServiceName bedrock.amazonaws.com (botocore iam
// service-2.json: "the secret portion of the credential that should be used to authenticate API
// calls ... returned only when the credential is created"). Public secret scanners match AWS's keys
// as "ABSK" + base64 (docs.cli.vulnetix.com VNX-SEC-033: ABSK[A-Za-z0-9+/]{109,269}={0,2}); what the
// base64 holds is UNCONFIRMED: the emulator puts the credential's alias and a random secret in it.
//
// Refusals: HTTP 403, x-amzn-errortype AccessDeniedException, with these messages, as captured from
// real Bedrock by public projects (a Go test in the Omnipus project, "verified against real AWS via
// curl", and issue ai4s-research/open-science#53 for a key used outside its region):
//   no known prefix:        "Invalid API Key format: Must start with pre-defined prefix"
//   wrong / other region:   "Authentication failed: Please make sure your API Key is valid."
//   expired:                "Bearer Token has expired"
// A revoked (Inactive or deleted) long-term key answered with the "Authentication failed" text is
// UNCONFIRMED, as is "Bearer Token has expired" for a long-term key past its ExpirationDate.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { timingSafeEqual } from 'node:crypto';
import { AwsError } from './errors.js';
import type { EmulatorState } from './state.js';
import type { Principal } from './types.js';

export const SHORT_TERM_PREFIX = 'bedrock-api-key-';
export const LONG_TERM_PREFIX = 'ABSK';
export const BEARER_MESSAGES = {
  format: 'Invalid API Key format: Must start with pre-defined prefix',
  invalid: 'Authentication failed: Please make sure your API Key is valid.',
  expired: 'Bearer Token has expired',
} as const;
/** AWS's generator refuses more than 12 hours (MAX_TOKEN_EXPIRES_IN_SECONDS = 43200). */
const MAX_EXPIRES_S = 43_200;
const HOST = 'bedrock.amazonaws.com';

export type BearerType = 'SHORT_TERM' | 'LONG_TERM';
export interface BearerIdentity { principal: Principal; type: BearerType }

const denied = (message: string) => new AwsError('AccessDeniedException', message);

function amzDateToMs(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The identity behind a bearer token sent to Bedrock or Bedrock Runtime in `region`, or AWS's refusal. */
export async function verifyBearer(state: EmulatorState, token: string, region: string): Promise<BearerIdentity> {
  if (token.startsWith(SHORT_TERM_PREFIX)) return { principal: await verifyShortTerm(state, token.slice(SHORT_TERM_PREFIX.length), region), type: 'SHORT_TERM' };
  if (token.startsWith(LONG_TERM_PREFIX)) return { principal: verifyLongTerm(state, token), type: 'LONG_TERM' };
  throw denied(BEARER_MESSAGES.format);
}

async function verifyShortTerm(state: EmulatorState, b64: string, region: string): Promise<Principal> {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw denied(BEARER_MESSAGES.invalid);
  let url: URL;
  try {
    url = new URL(`https://${Buffer.from(b64, 'base64').toString('utf8')}`);
  } catch {
    throw denied(BEARER_MESSAGES.invalid);
  }
  const q = url.searchParams;
  const cred = /^([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/bedrock\/aws4_request$/.exec(q.get('X-Amz-Credential') ?? '');
  const amzDate = q.get('X-Amz-Date') ?? '';
  const signedAt = amzDateToMs(amzDate);
  const expires = Number(q.get('X-Amz-Expires') ?? 'NaN');
  const signature = q.get('X-Amz-Signature') ?? '';
  if (
    url.host !== HOST || url.pathname !== '/' || q.get('Action') !== 'CallWithBearerToken' || q.get('Version') !== '1' ||
    q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || q.get('X-Amz-SignedHeaders') !== 'host' || !cred ||
    Number.isNaN(signedAt) || cred[2] !== amzDate.slice(0, 8) || !Number.isInteger(expires) || expires <= 0 || expires > MAX_EXPIRES_S ||
    !/^[0-9a-f]{64}$/.test(signature)
  ) throw denied(BEARER_MESSAGES.invalid);
  const [, accessKeyId, , keyRegion] = cred;

  let secret: string;
  let sessionToken: string | undefined;
  let principal: Principal | null;
  const now = state.now();
  if (accessKeyId!.startsWith('ASIA')) {
    const s = state.data.sessions[accessKeyId!];
    if (!s || s.token !== q.get('X-Amz-Security-Token')) throw denied(BEARER_MESSAGES.invalid);
    secret = s.secret;
    sessionToken = s.token;
    principal = state.principalFor(s.accountId, s.userName, s.id, 'session', s.expiresAt);
  } else {
    const k = state.data.keys[accessKeyId!];
    if (!k || k.status !== 'Active' || k.usableFrom > now || q.has('X-Amz-Security-Token')) throw denied(BEARER_MESSAGES.invalid);
    secret = k.secret;
    principal = state.principalFor(k.accountId, k.userName, k.id, 'long-term');
  }
  if (!principal) throw denied(BEARER_MESSAGES.invalid);

  // Recompute the pre-signature with the SDK's own signer, over what the key claims to be.
  const signer = new SignatureV4({ credentials: { accessKeyId: accessKeyId!, secretAccessKey: secret, sessionToken }, region: keyRegion!, service: 'bedrock', sha256: Sha256 });
  const presigned = await signer.presign(
    { method: 'POST', protocol: 'https:', hostname: HOST, path: '/', headers: { host: HOST }, query: { Action: 'CallWithBearerToken' } } as never,
    { signingDate: new Date(signedAt), expiresIn: expires },
  );
  const expected = String((presigned as { query: Record<string, string> }).query['X-Amz-Signature'] ?? '');
  if (!sameText(expected, signature)) throw denied(BEARER_MESSAGES.invalid);

  // Only where it was made; then its time, and the session it was made from.
  if (keyRegion !== region) throw denied(BEARER_MESSAGES.invalid);
  if (now > signedAt + expires * 1000) throw denied(BEARER_MESSAGES.expired);
  if (principal.kind === 'session' && principal.sessionExpiresAt !== undefined && principal.sessionExpiresAt <= now) throw denied(BEARER_MESSAGES.expired);
  return principal;
}

function verifyLongTerm(state: EmulatorState, token: string): Principal {
  const creds = Object.values(state.data.serviceCredentials ?? {});
  const c = creds.find((x) => sameText(x.secret, token));
  if (!c || c.status !== 'Active') throw denied(BEARER_MESSAGES.invalid);
  if (c.expiresAt !== undefined && c.expiresAt <= state.now()) throw denied(BEARER_MESSAGES.expired);
  const principal = state.principalFor(c.accountId, c.userName, c.id, 'long-term');
  if (!principal) throw denied(BEARER_MESSAGES.invalid);
  return principal;
}

/**
 * The region a bearer request is for. AWS reads it from the endpoint (bedrock-runtime.REGION.amazonaws.com);
 * the emulator serves every region on one URL, so an endpoint may name it as a path prefix,
 * `http://127.0.0.1:PORT/_region/eu-west-1` (the SDKs and the AWS CLI keep an endpoint's path).
 * Without one: the short-term key's own region, else us-east-1 (an emulator convention).
 */
export function regionPrefix(rawPath: string): { region: string; path: string } | null {
  const m = /^\/_region\/([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})(\/.*)?$/.exec(rawPath);
  return m ? { region: m[1]!, path: m[2] ?? '/' } : null;
}

export function shortTermKeyRegion(token: string): string | undefined {
  if (!token.startsWith(SHORT_TERM_PREFIX)) return undefined;
  try {
    const u = new URL(`https://${Buffer.from(token.slice(SHORT_TERM_PREFIX.length), 'base64').toString('utf8')}`);
    return /^[^/]+\/\d{8}\/([a-z0-9-]+)\/bedrock\/aws4_request$/.exec(u.searchParams.get('X-Amz-Credential') ?? '')?.[1];
  } catch {
    return undefined;
  }
}
