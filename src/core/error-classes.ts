// Classifies a failed AWS call from whatever arrived of (code, HTTP status, message) into one
// vocabulary (DESIGN §4.3) used by the fallback rules, doctor, test-connection and --json.
// Sources: reference aws.md §5.1–§5.4. Where nothing decides: `other`, not retryable.

import { bearerFailure, classifyBearer } from './api-keys.js';

export const ERROR_CATEGORIES = [
  'session-expired', 'credential-invalid', 'throttled', 'service-unavailable', 'model-access-denied', 'iam-permission',
  'inference-profile-required', 'region-mismatch', 'validation', 'content-filtered', 'other',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export const RETRYABLE_CATEGORIES: readonly ErrorCategory[] = ['session-expired', 'throttled', 'service-unavailable'];
/** AWS refused the identity itself (authentication, permission, model access): exit 4 (DESIGN §2). */
export const REFUSED_CATEGORIES: readonly ErrorCategory[] = ['credential-invalid', 'session-expired', 'iam-permission', 'model-access-denied'];

export interface Classification {
  category: ErrorCategory;
  retryable: boolean;
  matchedBy: 'code' | 'message' | 'status' | 'none';
  normalizedCode?: string;
  explanation: string;
}

/** Lower-case, without a trailing "exception": ThrottlingException, throttlingException, Throttling → "throttling". */
export function normalizeCode(code: string): string {
  return code.trim().toLowerCase().replace(/exception$/, '').replace(/error$/, '');
}

// Codes that decide on their own (normalized). Ambiguous codes (AccessDenied*, Validation*) are
// refined by the message below.
const CODE_TABLE: Record<string, ErrorCategory> = {
  // §5.2 / §5.3 expired session credentials
  expiredtoken: 'session-expired',
  // §5.2 / §5.3 bad or unknown credentials
  unrecognizedclient: 'credential-invalid',
  invalidclienttokenid: 'credential-invalid',
  signaturedoesnotmatch: 'credential-invalid',
  invalidsignature: 'credential-invalid',
  incompletesignature: 'credential-invalid',
  missingauthenticationtoken: 'credential-invalid',
  // Clock more than the allowed skew off: not fixed by retrying on other credentials (§5.2).
  requestexpired: 'credential-invalid',
  // §5.1 / §5.4 throttling family; ServiceQuotaExceeded says "resubmit your request later".
  throttling: 'throttled',
  toomanyrequests: 'throttled',
  requestlimitexceeded: 'throttled',
  requestthrottled: 'throttled',
  throttled: 'throttled',
  slowdown: 'throttled',
  bandwidthlimitexceeded: 'throttled',
  servicequotaexceeded: 'throttled',
  provisionedthroughputexceeded: 'throttled',
  // §5.1 transient server side, model-not-ready / timeout family, overloaded (529).
  internalserver: 'service-unavailable',
  serviceunavailable: 'service-unavailable',
  modeltimeout: 'service-unavailable',
  modelnotready: 'service-unavailable',
  modelstream: 'service-unavailable', // ModelStreamErrorException: "Retry your request."
  overloaded_: 'service-unavailable',
  overloaded: 'service-unavailable',
  servicefailure: 'service-unavailable',
  internalfailure: 'service-unavailable',
  timeout: 'service-unavailable',
  requesttimeout: 'service-unavailable',
  // Node network errors the SDK treats as transient (§5.4).
  econnreset: 'service-unavailable',
  econnrefused: 'service-unavailable',
  epipe: 'service-unavailable',
  etimedout: 'service-unavailable',
  ehostunreach: 'service-unavailable',
  enetunreach: 'service-unavailable',
  enotfound: 'service-unavailable',
  eai_again: 'service-unavailable',
  // §5.1 model access
  ftuformnotfilled: 'model-access-denied',
  mpagreementbeingcreated: 'model-access-denied',
  // permissions
  accessdenied: 'iam-permission',
  notauthorized: 'iam-permission',
  unauthorizedoperation: 'iam-permission',
  // requests that are wrong as sent
  validation: 'validation',
  invalidinput: 'validation',
  malformedpolicydocument: 'validation',
  // content
  content_filtered: 'content-filtered',
  guardrail_intervened: 'content-filtered',
  // ModelErrorException (424) and ResourceNotFound are not known to be transient: fail closed.
  model: 'other',
  resourcenotfound: 'other',
  // Corpus (test/fixtures/aws-errors.json, issue 11 §5): codes whose meaning the message or the
  // status alone got wrong. None is retryable.
  // STS RegionDisabledException (403): STS is not activated in the region — not a missing permission.
  regiondisabled: 'region-mismatch',
  // STS web-identity tokens rejected outright (400 / 403).
  invalididentitytoken: 'credential-invalid',
  idprejectedclaim: 'credential-invalid',
  // State conflicts and IAM entity/quota errors: no category decides, and none is throttling — the JS
  // SDK retries IAM's LimitExceededException as throttling (reference aws.md §5.4), byok must not.
  conflict: 'other',
  resourceinuse: 'other',
  unmodifiableentity: 'other',
  entityalreadyexists: 'other',
  entitytemporarilyunmodifiable: 'other',
  nosuchentity: 'other',
  deleteconflict: 'other',
  limitexceeded: 'other',
  concurrentmodification: 'other',
};

/** Every code (normalized) whose meaning the table above fixes. */
export const KNOWN_ERROR_CODES: readonly string[] = Object.keys(CODE_TABLE);

interface MessageRule { re: RegExp; category: ErrorCategory; why: string }
const MESSAGE_RULES: readonly MessageRule[] = [
  { re: /security token included in the request is expired|token (has )?expired|session (has )?expired/i, category: 'session-expired', why: 'the message says the session token expired' },
  { re: /on-demand throughput isn.t supported|doesn.t support on-demand throughput|inference profile that contains this model/i, category: 'inference-profile-required', why: 'the message says the model needs an inference profile' },
  // "Your account is not authorized to invoke this API operation" is Bedrock's account-level refusal
  // (model access not enabled in the region), not an IAM identity policy (corpus e015–e018).
  { re: /use case details have not been submitted|aws marketplace|model access|marketplace subscription|don't have access to the model|not have access to the model|model is not available|agreement|your account is not authorized to invoke this api operation|marked by provider as legacy/i, category: 'model-access-denied', why: 'the message is about model access, not IAM' },
  // STS refuses session credentials for GetSessionToken / GetFederationToken: the wrong kind of
  // credential, which no IAM policy can fix (corpus e053–e055).
  { re: /cannot call \w+ with session credentials/i, category: 'credential-invalid', why: 'the message says this call needs long-term credentials, not session credentials' },
  { re: /is not authorized to perform|no identity-based policy allows|explicit deny|not have sufficient permissions|not authorized/i, category: 'iam-permission', why: 'the message names a missing IAM permission' },
  { re: /security token included in the request is invalid|signature we calculated does not match|does not exist in our records|signature expired|request has expired|invalid api key format/i, category: 'credential-invalid', why: 'the message says the credentials or signature are not valid' },
  // A regional endpoint that does not resolve, or STS not activated in the region (corpus e065, e077).
  { re: /region.*(not supported|not available|mismatch)|source region|not activated in (this|the requested) region|enotfound [\w.-]+\.amazonaws\.com/i, category: 'region-mismatch', why: 'the message is about the region' },
  { re: /too many (requests|tokens)|rate exceeded|throttl/i, category: 'throttled', why: 'the message says the call was throttled' },
  { re: /service (isn.t|is not) currently available|internal server error|temporarily unavailable|overloaded|took too long to process|not ready to serve/i, category: 'service-unavailable', why: 'the message describes a transient server-side failure' },
  // Bedrock's wordings for a request that is wrong as sent, as they reach callers without a code.
  { re: /malformed input request|must alternate between user and assistant|roles must alternate|input is too long for requested model|prompt is too long|validation errors? detected|failed to satisfy constraint|the model returned the following errors/i, category: 'validation', why: 'the message says the request is malformed or too large' },
  // "guardrail" alone also appears in control-plane texts about guardrail resources (corpus e102).
  { re: /content filter|blocked by (the |a )?(content|guardrail)|guardrail (intervened|blocked)/i, category: 'content-filtered', why: 'the message says content was filtered' },
];

const AMBIGUOUS = new Set(['accessdenied', 'validation', 'resourcenotfound', 'notauthorized']);

function byStatus(status: number): ErrorCategory | null {
  if (status === 429) return 'throttled';
  if (status === 408) return 'service-unavailable';
  if (status === 500 || status === 502 || status === 503 || status === 504 || status === 529) return 'service-unavailable';
  if (status === 401) return 'credential-invalid';
  // 403 alone could be an expired token (retryable) or a missing permission: fail closed.
  if (status === 403) return 'iam-permission';
  if (status === 400 || status === 413 || status === 422) return 'validation';
  return null;
}

function isRetryable(category: ErrorCategory): boolean {
  return RETRYABLE_CATEGORIES.includes(category);
}

function result(category: ErrorCategory, matchedBy: Classification['matchedBy'], explanation: string, normalizedCode?: string): Classification {
  return { category, retryable: isRetryable(category), matchedBy, normalizedCode, explanation };
}

export function classifyError(input: { code?: string; status?: number; message?: string }): Classification {
  const code = typeof input.code === 'string' && input.code.trim() !== '' ? normalizeCode(input.code) : undefined;
  // Stryker disable next-line StringLiteral: equivalent, a missing message only has to match no rule, and no rule matches an empty or made-up text
  const message = typeof input.message === 'string' ? input.message : '';
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, byStatus answers only for exact integer statuses, so a status that is not one decides nothing either way
  const status = typeof input.status === 'number' && Number.isInteger(input.status) ? input.status : undefined;
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, no message rule matches the empty text
  const rule = message !== '' ? MESSAGE_RULES.find((r) => r.re.test(message)) : undefined;

  // A Bedrock API key refused: AWS answers every case as AccessDeniedException (403) and only its
  // exact text tells them apart (core/api-keys.ts). An expired key is an expired credential
  // (session-expired, retryable) — the one place a message decides against the code, and only on
  // AWS's exact wording, never on a look-alike.
  const bearer = bearerFailure({ code: input.code, message });
  if (bearer) {
    const b = classifyBearer(bearer);
    return { category: b.category, retryable: b.retryable, matchedBy: 'message', normalizedCode: code, explanation: b.explanation };
  }

  // Stryker disable next-line ConditionalExpression: equivalent, the table has no key for a missing code
  if (code !== undefined && Object.hasOwn(CODE_TABLE, code)) {
    const cat = CODE_TABLE[code]!;
    // The code is AWS's modeled answer; the message is free text that anything upstream may have
    // written. Access denied, validation and not-found codes cover several causes and the message
    // tells which, but it may only ever make the error less fallback-eligible, never more (issue 9).
    const widens = rule !== undefined && isRetryable(rule.category) && !isRetryable(cat);
    if (rule && widens) return result(cat, 'code', `the code ${input.code} says so; ${rule.why}, but a message never makes a non-retryable code retryable`, code);
    if (rule && AMBIGUOUS.has(code)) return result(rule.category, 'message', `${input.code}: ${rule.why}`, code);
    // Shown after the category ("throttled: the code ThrottlingException says so"), so it does not
    // repeat it. Not "AWS's code": a code may come from byok itself (an expired key it saw) or from
    // whoever typed it into policy evaluate.
    return result(cat, 'code', `the code ${input.code} says so`, code);
  }
  if (rule) return result(rule.category, 'message', rule.why, code);
  // Stryker disable next-line ConditionalExpression: equivalent, byStatus(undefined) decides nothing
  if (status !== undefined) {
    const s = byStatus(status);
    if (s) return result(s, 'status', `HTTP ${status} with no code or message that decides: ${s}${status === 403 ? ' (could also be an expired token; treated as a permission error, not retryable)' : ''}`, code);
  }
  return result('other', 'none', code ? `unknown error code ${input.code}: not retryable` : 'nothing in the error identifies it: not retryable', code);
}
