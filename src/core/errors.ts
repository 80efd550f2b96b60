// Typed errors shared by every layer. Each carries the exit code DESIGN §2 gives it and a hint
// that tells the user how to fix it. Messages must never contain a secret: callers pass masked
// values only (core/credentials.ts mask()).

export const EXIT = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  localState: 3,
  awsRefused: 4,
  cancelled: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ByokErrorKind = 'usage' | 'check-failed' | 'local-state' | 'aws-refused' | 'cancelled';

export class ByokError extends Error {
  readonly kind: ByokErrorKind;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  /** Stable machine-readable code for --json consumers, e.g. "workspace-not-found". */
  readonly code: string;

  constructor(kind: ByokErrorKind, code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ByokError';
    this.kind = kind;
    this.code = code;
    this.hint = hint;
    this.exitCode =
      kind === 'usage' ? EXIT.usage
      : kind === 'check-failed' ? EXIT.checkFailed
      : kind === 'local-state' ? EXIT.localState
      : kind === 'aws-refused' ? EXIT.awsRefused
      : EXIT.cancelled;
  }
}

export class UsageError extends ByokError {
  constructor(code: string, message: string, hint?: string) {
    super('usage', code, message, hint);
    this.name = 'UsageError';
  }
}

export class CheckFailedError extends ByokError {
  constructor(code: string, message: string, hint?: string) {
    super('check-failed', code, message, hint);
    this.name = 'CheckFailedError';
  }
}

export class LocalStateError extends ByokError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('local-state', code, message, hint, options);
    this.name = 'LocalStateError';
  }
}

export class AwsRefusedError extends ByokError {
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super('aws-refused', code, message, hint, options);
    this.name = 'AwsRefusedError';
  }
}

export class CancelledError extends ByokError {
  constructor(message = 'Cancelled; nothing was changed.') {
    super('cancelled', 'cancelled', message);
    this.name = 'CancelledError';
  }
}

/** A result for rules whose failure a caller must handle (no exceptions across core boundaries). */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });
