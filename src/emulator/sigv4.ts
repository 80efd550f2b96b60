// SigV4 verification: the signature is recomputed with the SDK's own signer (@smithy/signature-v4)
// from the request as received and the secret the emulator issued, then compared.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AwsError } from './errors.js';
import type { EmulatorState } from './state.js';
import { SIGNING_NAME } from './aws-data.js';
import type { Principal, ServiceName } from './types.js';

export type Protocol = 'query' | 'json';

export interface ParsedAuth { accessKeyId: string; date: string; region: string; service: string; signedHeaders: string[]; signature: string }

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): ParsedAuth | null {
  if (!header) return null;
  const m = AUTH.exec(header.trim());
  if (!m) return null;
  return { accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!, signedHeaders: m[5]!.split(';'), signature: m[6]! };
}

function amzDateToMs(v: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

const fmt = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

// Error codes per protocol (reference aws.md §5.2 / §5.3): query services (IAM, STS) and JSON ones (Bedrock).
const CODES = {
  unknownKey: { query: 'InvalidClientTokenId', json: 'UnrecognizedClientException' },
  badSignature: { query: 'SignatureDoesNotMatch', json: 'InvalidSignatureException' },
  expiredToken: { query: 'ExpiredToken', json: 'ExpiredTokenException' },
  incomplete: { query: 'IncompleteSignature', json: 'IncompleteSignature' },
} as const;

const sha256Hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Regions a SigV4 scope may name, by service (the emulator serves every region on one URL). */
function validScopeRegion(service: ServiceName, region: string): boolean {
  // IAM has one endpoint, iam.amazonaws.com, signed for us-east-1 (aws.md §7; SigV4 elements doc:
  // "If you use a service like IAM that uses a globally unique endpoint, use the default region
  // (us-east-1)"). STS and Bedrock answer in each region: any region name.
  if (service === 'iam') return region === 'us-east-1';
  return /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(region);
}

export async function verifyRequest(
  state: EmulatorState,
  service: ServiceName,
  req: { method: string; host: string; rawPath: string; query: URLSearchParams; headers: Record<string, string | string[] | undefined>; body: Buffer },
): Promise<{ principal: Principal; auth: ParsedAuth }> {
  const protocol: Protocol = service === 'iam' || service === 'sts' ? 'query' : 'json';
  const header = req.headers.authorization;
  if (header === undefined || header === '') {
    // No Authorization at all. Query services: MissingAuthenticationToken, 403, "Request is missing
    // Authentication Token" (STS GetCallerIdentity as AWS answered it: cert-manager/aws-privateca-issuer#40;
    // status 403 also in AWS's Common Errors pages). JSON services: see errors.ts (UNCONFIRMED for Bedrock).
    throw protocol === 'query' ? new AwsError('MissingAuthenticationToken') : new AwsError('MissingAuthenticationTokenException');
  }
  const auth = parseAuthorization(typeof header === 'string' ? header : undefined);
  if (!auth) {
    // AWS's missing-authentication error differs by service; the reference lists IncompleteSignature (§5.2).
    throw new AwsError(CODES.incomplete[protocol] as 'IncompleteSignature');
  }
  const now = state.now();
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signedAt = amzDateToMs(amzDate);
  if (Number.isNaN(signedAt)) {
    // AWS's text, seen from SQS (query, HTTP 400: brendanhay/amazonka#5) and SWF (JSON:
    // umegaya/lua-aws#18): "Date must be in ISO-8601 'basic format'. Got '…'. See http://en.wikipedia.org/wiki/ISO_8601".
    // A request with no X-Amz-Date at all gets the same text with Got '' (UNCONFIRMED).
    throw new AwsError('IncompleteSignature', `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`, 400);
  }
  // "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." — AWS's text (aws/aws-sdk-php#2469);
  // code InvalidSignatureException (403) on JSON services (an AWS JSON service's answer quoted in a
  // public SDK note), SignatureDoesNotMatch on query services (the query-protocol twin, UNCONFIRMED).
  if (!auth.signedHeaders.includes('host') && !auth.signedHeaders.includes(':authority')) {
    throw new AwsError(CODES.badSignature[protocol] as 'SignatureDoesNotMatch', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  // The credential scope: region, service, then date, AWS joining the messages it finds
  // (order and joining as in AWS's answers reproduced by scratchstack-aws-signature's tests).
  // Texts: "Credential should be scoped to a valid region, not 'us-east-2'. " (IAM: JuliaCloud/AWS.jl#565;
  // STS with the trailing space: cognitect-labs/aws-api#27; JSON, InvalidSignatureException:
  // aws/aws-sdk-js-v3#5576, fsouza/s3-upload-proxy#241); "Credential should be scoped to correct
  // service: 'batch'. " (cllunsford/aws-signing-proxy#25); "Date in Credential scope does not match
  // YYYYMMDD from ISO-8601 version of date from HTTP: '20151124' != '20151125', from '20151125T154140Z'."
  // (tedder/requests-aws4auth#7; base text in AWS's "Troubleshoot signed requests" page).
  const scopeProblems: string[] = [];
  if (!validScopeRegion(service, auth.region)) scopeProblems.push(`Credential should be scoped to a valid region, not '${auth.region}'. `);
  if (auth.service !== SIGNING_NAME[service]) scopeProblems.push(`Credential should be scoped to correct service: '${SIGNING_NAME[service]}'. `);
  if (auth.date !== amzDate.slice(0, 8)) scopeProblems.push(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
  if (scopeProblems.length > 0) throw new AwsError(CODES.badSignature[protocol] as 'SignatureDoesNotMatch', scopeProblems.join(''));

  const token = req.headers['x-amz-security-token'];
  let principal: Principal | null = null;
  let secret: string;
  let sessionToken: string | undefined;
  if (auth.accessKeyId.startsWith('ASIA')) {
    const s = state.data.sessions[auth.accessKeyId];
    if (!s || s.token !== token) throw new AwsError(CODES.unknownKey[protocol] as 'InvalidClientTokenId');
    secret = s.secret;
    sessionToken = s.token;
    principal = state.principalFor(s.accountId, s.userName, s.id, 'session', s.expiresAt);
  } else {
    const k = state.data.keys[auth.accessKeyId];
    if (!k || k.status !== 'Active' || k.usableFrom > now) throw new AwsError(CODES.unknownKey[protocol] as 'InvalidClientTokenId');
    // Reference §5.2: long-term keys sent with a (stale) session token are refused as an invalid token.
    if (token !== undefined && token !== '') throw new AwsError(CODES.unknownKey[protocol] as 'InvalidClientTokenId');
    secret = k.secret;
    principal = state.principalFor(k.accountId, k.userName, k.id, 'long-term');
  }
  if (!principal) throw new AwsError(CODES.unknownKey[protocol] as 'InvalidClientTokenId');

  // IAM, STS and Bedrock hash the payload themselves (none of their operations is modeled with an
  // unsigned body), so a signature over a declared hash (UNSIGNED-PAYLOAD, or a hash of another body)
  // does not match what they compute: refused as any signature mismatch.
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== undefined && String(declared) !== sha256Hex(req.body)) throw new AwsError(CODES.badSignature[protocol] as 'SignatureDoesNotMatch');

  const headers: Record<string, string> = {};
  for (const h of auth.signedHeaders) {
    const v = req.headers[h];
    if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(',') : v;
  }
  if (auth.signedHeaders.includes('host')) headers.host = req.host;
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    const cur = query[k];
    query[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  const signer = new SignatureV4({ credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret, sessionToken }, region: auth.region, service: auth.service, sha256: Sha256, uriEscapePath: true, applyChecksum: false });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: req.host.split(':')[0]!, port: undefined, path: req.rawPath, query, headers, body: req.body } as never,
    { signingDate: new Date(signedAt), signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = parseAuthorization(String((signed as { headers: Record<string, string> }).headers.authorization ?? ''));
  const a = Buffer.from(expected?.signature ?? '', 'hex');
  const b = Buffer.from(auth.signature, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AwsError(CODES.badSignature[protocol] as 'SignatureDoesNotMatch');

  // A signature more than 5 minutes from the server's clock is refused (DESIGN §6 / issue 3).
  if (Math.abs(now - signedAt) > 5 * 60_000) {
    const msg = signedAt < now
      ? `Signature expired: ${amzDate} is now earlier than ${fmt(now - 5 * 60_000)} (${fmt(now)} - 5 min.)`
      : `Signature not yet current: ${amzDate} is still later than ${fmt(now + 5 * 60_000)} (${fmt(now)} + 5 min.)`;
    throw new AwsError(CODES.badSignature[protocol] as 'SignatureDoesNotMatch', msg);
  }
  if (principal.kind === 'session' && principal.sessionExpiresAt !== undefined && principal.sessionExpiresAt <= now) {
    throw new AwsError(CODES.expiredToken[protocol] as 'ExpiredToken');
  }
  return { principal, auth };
}
