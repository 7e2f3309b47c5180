import type { BrowserCleanupResult, BrowserCleanupService } from './cleanup-service.js';

/** True for the errors browsers raise when an origin runs out of storage quota. */
export function isQuotaExceededError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  // Chromium and WebKit: QuotaExceededError (legacy code 22); old Firefox: NS_ERROR_DOM_QUOTA_REACHED (1014).
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014) return true;
  // An IndexedDB transaction aborted for quota reports it as its `error`, or as the cause.
  const inner = (error as { error?: unknown; cause?: unknown }).error ?? (error as { cause?: unknown }).cause;
  return inner !== error && inner !== undefined && isQuotaExceededError(inner);
}

/** What {@link writeWithQuotaRetry} reports. */
export type QuotaRetryReport<T> =
  /** The write succeeded at once. */
  | { readonly status: 'written'; readonly value: T; readonly retried: false }
  /** It hit the quota, space was freed, and the one retry succeeded. */
  | { readonly status: 'written'; readonly value: T; readonly retried: true; readonly cleanup: BrowserCleanupResult }
  /** It hit the quota, space was freed (or not), and the retry failed too. */
  | { readonly status: 'failed'; readonly error: unknown; readonly cleanup: BrowserCleanupResult | null; readonly cleanupError?: unknown };

/**
 * Performs a write; when it fails with `QuotaExceededError`, frees space (`service.freeSpace()`:
 * expiry, then eviction of the oldest unprotected sessions until 20% of the sessions' bytes are
 * freed), retries the write once, and reports what happened. Any other error is thrown as is.
 *
 * @example
 * const report = await writeWithQuotaRetry(() => db.put('keyValueStore', record), client);
 * if (report.status === 'failed') showStorageFullMessage();
 */
export async function writeWithQuotaRetry<T>(write: () => Promise<T>, service: Pick<BrowserCleanupService, 'freeSpace'>): Promise<QuotaRetryReport<T>> {
  try {
    return { status: 'written', value: await write(), retried: false };
  } catch (error) {
    if (!isQuotaExceededError(error)) throw error;
    let cleanup: BrowserCleanupResult | null = null;
    try {
      cleanup = await service.freeSpace();
    } catch (cleanupError) {
      return { status: 'failed', error, cleanup: null, cleanupError };
    }
    try {
      return { status: 'written', value: await write(), retried: true, cleanup };
    } catch (retryError) {
      if (!isQuotaExceededError(retryError)) throw retryError;
      return { status: 'failed', error: retryError, cleanup };
    }
  }
}
