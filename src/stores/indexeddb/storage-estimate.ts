/** The origin's storage usage and quota, as `navigator.storage.estimate()` reports them. */
export interface OriginEstimate {
  readonly usage: number;
  readonly quota: number;
}

/** Where estimates come from: a function, or null for none (limits then come from `maxStorageMB` only). */
export type StorageEstimator = (() => Promise<{ usage?: number; quota?: number }>) | null;

/** `navigator.storage.estimate` when the environment has it (feature-detected), else null. */
export function defaultEstimator(): StorageEstimator {
  const storage = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<StorageEstimate> } } }).navigator?.storage;
  if (storage === undefined || typeof storage.estimate !== 'function') return null;
  return () => storage.estimate!();
}

/**
 * Reads the estimate. Call it before opening any IndexedDB transaction: a transaction closes
 * itself when its task ends, so awaiting the estimate inside one (the original client's bug)
 * leaves it closed and the deletions that follow fail. Failures and incomplete answers give null.
 */
export async function readOriginEstimate(estimator: StorageEstimator): Promise<OriginEstimate | null> {
  if (estimator === null) return null;
  try {
    const { usage, quota } = await estimator();
    if (typeof usage !== 'number' || typeof quota !== 'number' || !Number.isFinite(usage) || !Number.isFinite(quota) || quota <= 0) {
      return null;
    }
    return { usage, quota };
  } catch {
    return null;
  }
}
