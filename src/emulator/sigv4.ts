// SigV4 verification: the signature is recomputed with the SDK's own signer (@smithy/signature-v4)
// from the request as received and the secret the emulator issued, then compared.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { timingSafeEqual } from 'node:crypto';
import { AwsError } from './errors.js';
import type { EmulatorState } from './state.js';
import type { Principal } from './types.js';

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

export async function verifyRequest(
  state: EmulatorState,
  protocol: Protocol,
  req: { method: string; host: string; rawPath: string; query: URLSearchParams; headers: Record<string, string | string[] | undefined>; body: Buffer },
): Promise<{ principal: Principal; auth: ParsedAuth }> {
  const header = req.headers.authorization;
  const auth = parseAuthorization(typeof header === 'string' ? header : undefined);
  if (!auth) {
    // AWS's missing-authentication error differs by service; the reference lists IncompleteSignature (§5.2).
    throw new AwsError(CODES.incomplete[protocol] as 'IncompleteSignature');
  }
  const now = state.now();
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signedAt = amzDateToMs(amzDate);
  if (Number.isNaN(signedAt)) throw new AwsError(CODES.incomplete[protocol] as 'IncompleteSignature');

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
