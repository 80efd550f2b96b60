// Access-key and secret formats (reference aws.md §6), AKIA vs ASIA, expiry, and the one mask().
// No message here ever contains a secret access key or session token, not even a fragment:
// problems name the field, its length and the kind of fault only.
import { err, ok, type Result } from './errors.js';

export type KeyKind = 'long-term' | 'temporary';

export interface CredentialProblem {
  field: 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'expiresAt';
  code: string;
  message: string;
  hint: string;
}

export interface ValidCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** ISO 8601, normalised (toISOString). */
  expiresAt?: string;
  kind: KeyKind;
}

/** Whitespace people paste along with a key: spaces, tabs, newlines, NBSP, zero-width characters. */
const PASTED_WS = /^[\s\u00a0\u200b-\u200d\u2060\ufeff]+|[\s\u00a0\u200b-\u200d\u2060\ufeff]+$/g;
export function trimPasted(raw: string): string {
  return raw.replace(PASTED_WS, '');
}

/** §6: identifier prefixes that are not access keys, so the message can say what was pasted. */
const OTHER_PREFIXES: Record<string, string> = {
  AIDA: 'an IAM user ID',
  AROA: 'an IAM role ID',
  ABIA: 'an STS bearer-token ID',
  ANPA: 'a managed policy ID',
  AGPA: 'an IAM group ID',
  AIPA: 'an EC2 instance-profile ID',
  ANVA: 'a managed policy version ID',
  APKA: 'a CloudFront public key ID',
  ASCA: 'a certificate ID',
};

const KEY_HINT = 'Paste the access key ID from the IAM console or `aws iam create-access-key`: 20 upper-case letters and digits starting with AKIA (long-term key) or ASIA (temporary STS key).';

/** Shows a value the user typed only when it is an access key ID shape, masked; never anything else. */
function idForMessage(id: string): string {
  return /^[A-Z0-9]{20}$/.test(id) ? mask(id) : `(${id.length} characters)`;
}

export function parseAccessKeyId(raw: string): Result<{ id: string; kind: KeyKind }, CredentialProblem> {
  const id = trimPasted(raw);
  const p = (code: string, message: string, hint = KEY_HINT) => err<CredentialProblem>({ field: 'accessKeyId', code, message, hint });
  if (id === '') return p('empty', 'The access key ID is empty.');
  // eslint-disable-next-line no-control-regex
  if (/[^\x21-\x7e]/.test(id)) return p('not-ascii', `The access key ID contains spaces, control or non-ASCII characters ${idForMessage(id)}; access key IDs are plain A-Z and 0-9.`, `${KEY_HINT} Retype it rather than copying from a formatted document.`);
  if (/[a-z]/.test(id) && /^[A-Za-z0-9]{20}$/.test(id)) return p('lower-case', `The access key ID has lower-case letters; AWS access key IDs are upper-case (${id.length} characters).`);
  if (!/^[A-Za-z0-9]+$/.test(id)) return p('bad-characters', `The access key ID contains characters other than A-Z and 0-9 ${idForMessage(id)}.`);
  const prefix = id.slice(0, 4).toUpperCase();
  if (prefix !== 'AKIA' && prefix !== 'ASIA') {
    const what = OTHER_PREFIXES[prefix];
    return p('wrong-prefix', `The access key ID starts with ${prefix}${what ? `, which is ${what}, not an access key` : ''}; access key IDs start with AKIA (long-term) or ASIA (temporary).`);
  }
  if (id.length !== 20) return p('wrong-length', `The access key ID is ${id.length} characters long; AWS access key IDs are 20.`);
  return ok({ id, kind: prefix === 'AKIA' ? 'long-term' : 'temporary' });
}

const SECRET_HINT = 'Paste the secret access key shown once when the key was created (40 characters of letters, digits, / and +). If it was lost, create a new key (byok iam rotate-key).';

export function parseSecretAccessKey(raw: string): Result<string, CredentialProblem> {
  const s = trimPasted(raw);
  const p = (code: string, message: string) => err<CredentialProblem>({ field: 'secretAccessKey', code, message, hint: SECRET_HINT });
  if (s === '') return p('empty', 'The secret access key is empty.');
  // eslint-disable-next-line no-control-regex
  if (/[^\x21-\x7e]/.test(s)) return p('not-ascii', `The secret access key contains spaces, control or non-ASCII characters (${s.length} characters); it is plain ASCII.`);
  if (!/^[A-Za-z0-9/+]+$/.test(s)) return p('bad-characters', `The secret access key contains characters other than letters, digits, / and + (${s.length} characters).`);
  // §6: 40 is de facto, not normative (one AWS sample has 41): accept 40 and 41, refuse the rest.
  if (s.length < 40 || s.length > 41) return p('wrong-length', `The secret access key is ${s.length} characters long; AWS secret access keys are 40.`);
  return ok(s);
}

function parseSessionToken(raw: string): Result<string, CredentialProblem> {
  const t = trimPasted(raw);
  const p = (code: string, message: string) =>
    err<CredentialProblem>({ field: 'sessionToken', code, message, hint: 'Paste the SessionToken returned with the ASIA key (by STS, SSO or your identity provider), on one line.' });
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, unreachable: validateCredentials (the only caller) passes only a token that is not blank after trimPasted
  if (t === '') return p('empty', 'The session token is empty; ASIA (temporary) keys need one.');
  // eslint-disable-next-line no-control-regex
  if (/[^\x21-\x7e]/.test(t)) return p('bad-characters', `The session token contains spaces, line breaks or non-ASCII characters (${t.length} characters).`);
  if (t.length < 16 || t.length > 8192) return p('wrong-length', `The session token is ${t.length} characters long, which is not a session token.`);
  return ok(t);
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

export function parseExpiry(raw: string, now: Date): Result<string, CredentialProblem> {
  const v = trimPasted(raw);
  const p = (code: string, message: string, hint = 'Give the expiry in ISO 8601 with a time zone, e.g. 2026-11-25T18:00:00Z (the Expiration field STS returned).') =>
    err<CredentialProblem>({ field: 'expiresAt', code, message, hint });
  if (!ISO_WITH_ZONE.test(v)) return p('not-iso8601', `"${v.slice(0, 40)}" is not an ISO 8601 time with a time zone.`);
  const d = new Date(v);
  // Stryker disable next-line MethodExpression: equivalent, a value that matched ISO_WITH_ZONE is at most 35 characters, so slice(0, 40) is the whole value
  if (Number.isNaN(d.getTime())) return p('not-a-date', `"${v.slice(0, 40)}" is not a valid date.`);
  if (d.getTime() <= now.getTime()) return p('already-expired', `These temporary credentials already expired at ${d.toISOString()}.`, 'Get fresh temporary credentials (aws sts get-session-token, SSO, your identity provider) or use a long-term AKIA key.');
  return ok(d.toISOString());
}

export function validateCredentials(
  input: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiresAt?: string },
  now: Date,
): Result<ValidCredentials, CredentialProblem> {
  const id = parseAccessKeyId(input.accessKeyId);
  if (!id.ok) return id;
  const secret = parseSecretAccessKey(input.secretAccessKey);
  if (!secret.ok) return secret;
  const hasToken = input.sessionToken !== undefined && trimPasted(input.sessionToken) !== '';
  if (id.value.kind === 'long-term') {
    if (hasToken) {
      return err({ field: 'sessionToken', code: 'token-with-long-term-key', message: 'A session token was given with a long-term AKIA key; only temporary ASIA keys carry one.', hint: 'Drop the session token: byok gets short-lived STS sessions from the AKIA key itself. If the key came with a token, it is an ASIA key — check the key ID.' });
    }
    if (input.expiresAt !== undefined && trimPasted(input.expiresAt) !== '') {
      return err({ field: 'expiresAt', code: 'expiry-with-long-term-key', message: 'An expiry was given with a long-term AKIA key; long-term keys do not expire on their own.', hint: 'Drop --expires-at, or check the key ID if these are temporary credentials (ASIA).' });
    }
    return ok({ accessKeyId: id.value.id, secretAccessKey: secret.value, kind: 'long-term' });
  }
  if (!hasToken) {
    return err({ field: 'sessionToken', code: 'missing-session-token', message: 'ASIA keys are temporary and need their session token.', hint: 'Provide the session token (--session-token-stdin, second line of stdin) along with --expires-at.' });
  }
  const token = parseSessionToken(input.sessionToken!);
  if (!token.ok) return token;
  if (input.expiresAt === undefined || trimPasted(input.expiresAt) === '') {
    return err({ field: 'expiresAt', code: 'missing-expiry', message: 'ASIA keys are temporary: byok needs their expiry time to warn before they stop working.', hint: 'Pass --expires-at with the Expiration that came with the credentials, e.g. 2026-11-25T18:00:00Z.' });
  }
  const exp = parseExpiry(input.expiresAt, now);
  if (!exp.ok) return exp;
  return ok({ accessKeyId: id.value.id, secretAccessKey: secret.value, sessionToken: token.value, expiresAt: exp.value, kind: 'temporary' });
}

/**
 * The one masking function. An access key ID keeps its prefix and last four characters, as AWS's
 * own consoles show it; anything else (a secret, a token) becomes a fixed string that reveals
 * neither content nor length.
 */
export function mask(value: string): string {
  if (/^(AKIA|ASIA)[A-Z0-9]{16}$/.test(value)) return `${value.slice(0, 4)}************${value.slice(-4)}`;
  return '****************';
}

export function expiryStatus(expiresAt: string | undefined, now: Date, windowMs = 5 * 60_000): 'none' | 'valid' | 'expiring' | 'expired' {
  if (expiresAt === undefined) return 'none';
  const t = new Date(expiresAt).getTime();
  if (Number.isNaN(t)) return 'expired'; // fail closed: an unreadable expiry is not a valid one
  if (t <= now.getTime()) return 'expired';
  if (t - now.getTime() <= windowMs) return 'expiring';
  return 'valid';
}

/**
 * session_token_expires_at, defined once (issue 10 §5): when the STS session byok holds for the
 * workspace stops working. A temporary (ASIA) key is itself that session; a long-term (AKIA) key
 * has one only once byok obtained it (GetSessionToken), and only a session for the stored key
 * counts. null: no session held (yet). Every command shows this value and no other.
 */
export function sessionTokenExpiresAt(ws: { credentials?: { accessKeyId: string; expiresAt?: string }; session?: { forAccessKeyId: string; expiresAt: string } }): string | null {
  const c = ws.credentials;
  if (!c) return null;
  if (c.accessKeyId.startsWith('ASIA')) return c.expiresAt ?? null;
  return ws.session && ws.session.forAccessKeyId === c.accessKeyId ? ws.session.expiresAt : null;
}

/** The same value for people: the time, or why there is none. */
export function sessionTokenExpiresAtText(ws: Parameters<typeof sessionTokenExpiresAt>[0]): string {
  const v = sessionTokenExpiresAt(ws);
  if (v !== null) return v;
  if (!ws.credentials) return '(no credentials)';
  return ws.credentials.accessKeyId.startsWith('ASIA') ? '(missing)' : '(no STS session held yet: byok gets one from the long-term key on the next AWS call)';
}
