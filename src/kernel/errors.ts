/**
 * The error catalogue: every error reclaim raises has a stable code, a message that names the
 * culprit, and a hint that says how to fix it. Codes never change meaning once published.
 */
export const ERROR_CATALOGUE = {
  RECLAIM_INVALID_CONFIG: 'A configuration value is invalid',
  RECLAIM_INVALID_POLICY: 'A policy is malformed',
  RECLAIM_DUPLICATE_POLICY: 'Two policies share one name',
  RECLAIM_INVALID_POLICY_OPTIONS: "A policy's options do not match its schema",
  RECLAIM_POLICY_FAILED: 'A policy threw or its stream errored',
  RECLAIM_POLICY_NO_STREAM: 'A policy returned something that is not an Observable',
  RECLAIM_INVALID_INTERVAL: 'A schedule interval is not a positive number',
  RECLAIM_INVALID_WINDOW: 'An off-peak window is malformed',
  RECLAIM_SCHEDULE_STOPPED: 'A stopped schedule cannot be started again',
  RECLAIM_KERNEL_CLOSED: 'The kernel was closed',
  RECLAIM_RUN_CANCELLED: 'A run was cancelled before it finished',
  RECLAIM_STORE_FAILED: 'The store failed',
  RECLAIM_JOURNAL_INVALID_ENTRY: 'A journal entry is corrupt or foreign',
  RECLAIM_JOURNAL_SEQ_CONFLICT: 'A journal append broke the sequence order',
  RECLAIM_JOURNAL_LOCKED: 'Another process holds the journal, or this one lost its lock',
  RECLAIM_JOURNAL_CLOSED: 'The journal was closed',
  RECLAIM_JOURNAL_WRITE_FAILED: 'The journal file could not be written',
  RECLAIM_OUTSIDE_ROOT: 'A path resolves outside the storage root',
  RECLAIM_TOKEN_SOURCE_UNREADABLE: 'The token database cannot be read as a whole',
  RECLAIM_TOKEN_INVALID: 'A token entry is invalid',
  RECLAIM_TOKEN_EXISTS: 'A token with that id already exists',
  RECLAIM_TOKEN_NOT_FOUND: 'No token has that id',
  RECLAIM_LOCK_TIMEOUT: 'The inter-process lock could not be taken in time',
  RECLAIM_LOCK_LOST: 'The inter-process lock was lost while held (another process took it over)',
  RECLAIM_PROTECTED_PATH: 'A path is protected from deletion (a store file, a symlink, or still referenced)',
  RECLAIM_UNSUPPORTED: 'This environment lacks a feature reclaim needs',
  RECLAIM_HTTP_BAD_REQUEST: 'An HTTP request has a bad parameter, header or body',
  RECLAIM_HTTP_UNAUTHORIZED: 'An HTTP request lacks the configured bearer token',
  RECLAIM_HTTP_RATE_LIMITED: 'An HTTP client sent too many requests',
  RECLAIM_HTTP_NOT_FOUND: 'No HTTP route has that path',
  RECLAIM_HTTP_METHOD_NOT_ALLOWED: 'The HTTP route exists but not for that method',
  RECLAIM_HTTP_RUN_FAILED: 'A cleanup run asked for over HTTP ended with errors',
  RECLAIM_HTTP_UNAVAILABLE: 'The HTTP API is shutting down or its service is closed',
  RECLAIM_HTTP_INTERNAL: 'The HTTP API failed unexpectedly',
} as const;

/** A stable error code from {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One offending field of a configuration or options object. */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `retentionHours` or `policies.orphan.graceMinutes`. */
  readonly field: string;
  /** What is wrong with it. */
  readonly problem: string;
  /** How to fix it. */
  readonly fix: string;
}

/**
 * The one error class reclaim throws. `code` is stable and machine-readable; `message` names the
 * culprit and the fix; `fields` lists each bad field for configuration errors.
 */
export class ReclaimError extends Error {
  readonly code: ErrorCode;
  readonly fields: readonly FieldProblem[];
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { fields?: readonly FieldProblem[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReclaimError';
    this.code = code;
    this.fields = options.fields ?? [];
    this.details = options.details ?? {};
  }
}

/** Type guard for {@link ReclaimError}, optionally of one code. */
export function isReclaimError(error: unknown, code?: ErrorCode): error is ReclaimError {
  return error instanceof ReclaimError && (code === undefined || error.code === code);
}

/** Builds a configuration error whose message lists every bad field with its fix. */
export function configError(
  code: 'RECLAIM_INVALID_CONFIG' | 'RECLAIM_INVALID_POLICY_OPTIONS' | 'RECLAIM_INVALID_WINDOW',
  subject: string,
  fields: readonly FieldProblem[],
): ReclaimError {
  const lines = fields.map((f) => `  - ${f.field}: ${f.problem}; ${f.fix}`);
  return new ReclaimError(code, `${subject}:\n${lines.join('\n')}`, { fields });
}

/** Normalises anything thrown into `{ code, message }` for an error event. */
export function describeError(error: unknown): { code: string; message: string } {
  if (isReclaimError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : error.name, message: error.message };
  }
  return { code: 'UNKNOWN', message: String(error) };
}
