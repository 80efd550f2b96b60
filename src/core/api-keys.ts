// Bedrock API keys (DESIGN §2, "Providers"; issue 14): their formats, what a short-term key says
// about itself, the errors Bedrock answers for them, and masking. Pure; no message here ever holds
// a key or any part of one.
//
// Formats:
// - Short-term: "bedrock-api-key-" + base64 of a SigV4 pre-signed URL without its scheme,
//   "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-...&Version=1", whose credential scope
//   names the region it is for and whose X-Amz-Date + X-Amz-Expires (at most 43200 s) its expiry
//   (AWS's generator, @aws/bedrock-token-generator 1.1.0 dist/token.js).
// - Long-term: IAM's ServiceCredentialSecret for bedrock.amazonaws.com, "ABSK" + base64 (the
//   pattern public secret scanners use: ABSK[A-Za-z0-9+/]{109,269}={0,2}, docs.cli.vulnetix.com
//   VNX-SEC-033). byok accepts any length from 40 base64 characters, as the emulator's are shorter.
import { err, ok, type Result } from './errors.js';
import { trimPasted } from './credentials.js';

export const SHORT_TERM_PREFIX = 'bedrock-api-key-';
export const LONG_TERM_PREFIX = 'ABSK';
export const MAX_SHORT_TERM_SECONDS = 43_200;
export type ApiKeyKind = 'short-term' | 'long-term';

export interface ApiKeyFacts {
  kind: ApiKeyKind;
  key: string;
  /** Short-term keys: the region they were made for, and when they stop working. */
  region?: string;
  expiresAt?: string;
}

export interface ApiKeyProblem { code: string; message: string; hint: string }

const HINT = 'Paste the whole key on stdin, on one line: a long-term key starts with ABSK (shown once when it was created, in the console or by `byok iam create-api-key`); a short-term key starts with bedrock-api-key-. To have byok mint short-term keys itself from the workspace\'s IAM credentials: byok credentials set --short-term-api-keys';

/** Reads a pasted key; the message names its length and what is wrong, never its content. */
export function parseApiKey(raw: string, now: Date): Result<ApiKeyFacts, ApiKeyProblem> {
  const key = trimPasted(raw);
  const p = (code: string, message: string, hint = HINT) => err<ApiKeyProblem>({ code, message, hint });
  if (key === '') return p('empty', 'The Bedrock API key is empty.');
  // eslint-disable-next-line no-control-regex
  if (/[^\x21-\x7e]/.test(key)) return p('bad-characters', `The Bedrock API key contains spaces, line breaks or non-ASCII characters (${key.length} characters); keys are one line of plain ASCII.`);
  if (key.startsWith('Bearer ') || key.startsWith('bearer')) return p('bearer-prefix', 'The Bedrock API key starts with "Bearer"; paste the key alone, without the HTTP scheme.');
  if (key.startsWith(LONG_TERM_PREFIX)) {
    if (!/^ABSK[A-Za-z0-9+/]{40,}={0,2}$/.test(key)) return p('malformed', `The value starts with ABSK but is not a long-term Bedrock API key (${key.length} characters; expected ABSK followed by base64).`);
    return ok({ kind: 'long-term', key });
  }
  if (key.startsWith(SHORT_TERM_PREFIX)) {
    const facts = shortTermFacts(key);
    if (!facts) return p('malformed', `The value starts with ${SHORT_TERM_PREFIX} but does not hold a pre-signed Bedrock URL (${key.length} characters).`);
    if (new Date(facts.expiresAt).getTime() <= now.getTime()) return p('expired', `This short-term Bedrock API key expired at ${facts.expiresAt}.`, 'Short-term keys last at most 12 hours. Generate a new one, or let byok mint them: byok credentials set --short-term-api-keys');
    return ok({ kind: 'short-term', key, region: facts.region, expiresAt: facts.expiresAt });
  }
  if (/^(AKIA|ASIA)[A-Z0-9]{16}$/.test(key)) return p('access-key-id', 'That is an AWS access key ID, not a Bedrock API key.', 'Store IAM credentials with: byok credentials set --access-key-id ID --secret-access-key-stdin');
  return p('unknown-prefix', `The value is not a Bedrock API key (${key.length} characters; keys start with ABSK or ${SHORT_TERM_PREFIX}).`);
}

/** What a short-term key says about itself: the region of its credential scope and its expiry. */
export function shortTermFacts(key: string): { region: string; expiresAt: string; accessKeyId: string } | null {
  if (!key.startsWith(SHORT_TERM_PREFIX)) return null;
  const b64 = key.slice(SHORT_TERM_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  let url: URL;
  try {
    url = new URL(`https://${Buffer.from(b64, 'base64').toString('utf8')}`);
  } catch {
    return null;
  }
  const q = url.searchParams;
  const cred = /^([A-Z0-9]{16,128})\/\d{8}\/([a-z0-9-]+)\/bedrock\/aws4_request$/.exec(q.get('X-Amz-Credential') ?? '');
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? '');
  const expires = Number(q.get('X-Amz-Expires'));
  if (url.host !== 'bedrock.amazonaws.com' || q.get('Action') !== 'CallWithBearerToken' || !cred || !d || !Number.isInteger(expires) || expires <= 0 || expires > MAX_SHORT_TERM_SECONDS) return null;
  const at = Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!);
  return { accessKeyId: cred[1]!, region: cred[2]!, expiresAt: new Date(at + expires * 1000).toISOString() };
}

/** A key is never shown: its kind and nothing of its content. */
export function maskApiKey(key: string): string {
  return key.startsWith(SHORT_TERM_PREFIX) ? `${SHORT_TERM_PREFIX}****************` : key.startsWith(LONG_TERM_PREFIX) ? 'ABSK****************' : '****************';
}

// Bedrock's answers to a bad bearer key: HTTP 403, AccessDeniedException, and only the message
// tells them apart (captured from real Bedrock in public projects; see src/emulator/bearer.ts).
export const BEARER_ERROR_TEXTS = {
  expired: 'Bearer Token has expired',
  malformed: 'Invalid API Key format: Must start with pre-defined prefix',
  invalid: 'Authentication failed: Please make sure your API Key is valid.',
} as const;
export type BearerFailure = keyof typeof BEARER_ERROR_TEXTS;

/** Which bearer refusal this is, from AWS's exact text with its code (or none) — never a look-alike. */
export function bearerFailure(input: { code?: string; message?: string }): BearerFailure | null {
  const code = (input.code ?? '').trim().toLowerCase().replace(/exception$/, '');
  if (code !== '' && code !== 'accessdenied') return null;
  const m = (input.message ?? '').trim();
  for (const [k, text] of Object.entries(BEARER_ERROR_TEXTS) as [BearerFailure, string][]) if (m === text) return k;
  return null;
}

/** The classification of a bearer refusal (error-classes.ts defers to it). */
export function classifyBearer(kind: BearerFailure): { category: 'session-expired' | 'credential-invalid'; retryable: boolean; explanation: string } {
  if (kind === 'expired') return { category: 'session-expired', retryable: true, explanation: 'Bedrock says the API key (bearer token) has expired' };
  if (kind === 'malformed') return { category: 'credential-invalid', retryable: false, explanation: 'Bedrock says the API key is not in a known format' };
  return { category: 'credential-invalid', retryable: false, explanation: 'Bedrock refused the API key: wrong, revoked or deleted, or a short-term key used outside its region' };
}

/** What to do about a bearer refusal, by key kind and whether byok mints the key itself. */
export function bearerHint(kind: BearerFailure | 'region-mismatch', key: { kind: ApiKeyKind; minted: boolean; region?: string }): string {
  if (kind === 'region-mismatch') return `A short-term key works only in the region it was made for${key.region ? ` (${key.region})` : ''}. Make one in the workspace's region, or let byok mint them: byok credentials set --short-term-api-keys`;
  if (kind === 'malformed') return 'The stored value is not a Bedrock API key. Store the key again: byok credentials set --bedrock-api-key-stdin';
  if (kind === 'expired') {
    if (key.minted) return 'byok minted a new key and Bedrock still called it expired: the IAM credentials it signs with have expired or this machine\'s clock is wrong. Check with byok credentials refresh and the system clock.';
    return key.kind === 'long-term'
      ? 'The long-term key passed its expiry date. Create a new one (byok iam create-api-key) or switch to short-term keys, which byok renews itself: byok credentials set --short-term-api-keys'
      : 'Short-term keys last at most 12 hours and byok cannot renew a pasted one. Let byok mint them from IAM credentials: byok credentials set --short-term-api-keys';
  }
  if (key.kind === 'long-term') return 'Bedrock refused the long-term key: it was revoked (made inactive), deleted or reset, or it is mistyped. Check it with byok iam list-api-keys; create a new one with byok iam create-api-key.';
  return key.minted
    ? 'Bedrock refused the key byok minted: the IAM credentials it was signed with are no longer valid (rotated or deleted). Check them with byok test-connection and store current ones with byok credentials set.'
    : 'Bedrock refused the short-term key: it is mistyped, or the IAM credentials that made it are no longer valid. Generate a new one, or let byok mint them: byok credentials set --short-term-api-keys';
}
