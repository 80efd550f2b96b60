// SDK exception → the plain facts core needs (code, HTTP status, message), with anything that
// looks like key material scrubbed: AWS messages can echo identifiers, and ours must never carry
// a secret onward into output, logs or the audit log.
import { classifyError, type ErrorCategory } from '../core/error-classes.js';

export interface AwsFailure {
  code?: string;
  status?: number;
  message?: string;
  requestId?: string;
  category: ErrorCategory;
  retryable: boolean;
}

const ACCESS_KEY_ID = /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g;
const SECRET_LIKE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

export function scrubMessage(message: string): string {
  return message
    .replace(ACCESS_KEY_ID, (id) => `${id.slice(0, 4)}************${id.slice(-4)}`)
    .replace(SECRET_LIKE, '****************');
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
  return { code, status, message, requestId, category: c.category, retryable: c.retryable };
}
