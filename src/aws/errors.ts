// SDK exception → the plain facts core needs (code, HTTP status, message), with anything that
// looks like key material scrubbed: AWS messages can echo identifiers, and ours must never carry
// a secret onward into output, logs or the audit log.
import { classifyError, type ErrorCategory } from '../core/error-classes.js';

export interface AwsFailure {
  /** No answer came from AWS at all: the connection failed or timed out before a response. */
  network?: boolean;
  code?: string;
  status?: number;
  message?: string;
  requestId?: string;
  category: ErrorCategory;
  retryable: boolean;
  /**
   * byok decided this itself and sent nothing (an expired ASIA key): `code` is the AWS error code
   * the case stands for, so the fallback rules treat it as AWS would, but AWS never said it.
   */
  local?: boolean;
}

// Not \b: a key ID joined to `_` or a lower-case word (AWS_KEY_AKIA…_prod) is still one.
const ACCESS_KEY_ID = /(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g;
// 40 characters as AWS issues them, 41 as one AWS sample has (core/credentials.ts accepts both).
const SECRET_LIKE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40,41}(?![A-Za-z0-9/+=])/g;
// Session tokens: long base64 runs (hundreds of characters).
const TOKEN_LIKE = /[A-Za-z0-9/+=]{100,}/g;

export function scrubMessage(message: string): string {
  return message
    // Bedrock API keys (core/api-keys.ts): short-term (bedrock-api-key-BASE64) and long-term (ABSK…).
    .replace(/bedrock-api-key-[A-Za-z0-9/+=]{8,}/g, 'bedrock-api-key-****************')
    .replace(/(?<![A-Za-z0-9])ABSK[A-Za-z0-9/+=]{16,}/g, 'ABSK****************')
    // byok's own gateway tokens (core/gateway.ts: byok_gw_ + base64url): a bearer secret like the rest.
    .replace(/byok_gw_[A-Za-z0-9_-]{8,}/g, 'byok_gw_****************')
    .replace(TOKEN_LIKE, '****************')
    .replace(ACCESS_KEY_ID, (id) => `${id.slice(0, 4)}************${id.slice(-4)}`)
    // A run of hex digits only is a digest (a git commit, a SHA-1), not a secret: a random 40-character
    // AWS secret is all hex with a chance of (16/64)^40, about 1e-24. Masking them garbled answers.
    .replace(SECRET_LIKE, (m) => (/^[0-9a-fA-F]+$/.test(m) ? m : '****************'));
}

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  $response?: { statusCode?: unknown };
}

export function toAwsFailure(e: unknown): AwsFailure {
  const err = (typeof e === 'object' && e !== null ? e : {}) as SdkLikeError;
  let code: string | undefined;
  for (const c of [err.name, err.code, err.Code]) {
    if (typeof c === 'string' && c !== '' && c !== 'Error' && c !== 'ServiceException') {
      code = c;
      break;
    }
  }
  const statusRaw = err.$metadata?.httpStatusCode ?? err.$response?.statusCode;
  const status = typeof statusRaw === 'number' ? statusRaw : undefined;
  const message = typeof err.message === 'string' ? scrubMessage(err.message) : e instanceof Error ? scrubMessage(e.message) : undefined;
  const requestId = typeof err.$metadata?.requestId === 'string' ? err.$metadata.requestId : undefined;
  const c = classifyError({ code, status, message });
  const network = status === undefined && code !== undefined && (NETWORK_CODES.has(code.toUpperCase()) || code === 'TimeoutError');
  return { network, code, status, message, requestId, category: c.category, retryable: c.retryable };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The system calls of a connection or a name lookup (a file's read or write can fail with EIO too). */
const NETWORK_SYSCALLS = new Set(['connect', 'getaddrinfo', 'getnameinfo', 'queryA', 'queryAaaa', 'queryAny']);

/**
 * Does this look like an AWS SDK or network error (rather than a bug)? A system error counts only
 * when it is a network one (its code or its call): a file byok could not read or write is a local
 * problem, and must never be described as something AWS answered.
 */
export function isAwsOrNetworkError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { $metadata?: unknown; code?: unknown; syscall?: unknown; name?: unknown };
  if (x.$metadata !== undefined || x.name === 'TimeoutError') return true;
  return typeof x.code === 'string' && typeof x.syscall === 'string' && (NETWORK_CODES.has(x.code.toUpperCase()) || NETWORK_SYSCALLS.has(x.syscall));
}

/** A system error from this machine's files (not the network): its call, path and code. */
export function localSystemError(e: unknown): { code: string; syscall: string; path: string | undefined } | undefined {
  if (typeof e !== 'object' || e === null || isAwsOrNetworkError(e)) return undefined;
  const x = e as { code?: unknown; syscall?: unknown; path?: unknown };
  if (typeof x.code !== 'string' || typeof x.syscall !== 'string') return undefined;
  return { code: x.code, syscall: x.syscall, path: typeof x.path === 'string' ? x.path : undefined };
}

/** The first words of a hint for a call that never reached AWS. */
export function networkLead(f: AwsFailure): string {
  return `No answer from AWS (${f.code}); the SDK already retried.`;
}
