import { ReclaimError } from '../kernel/index.js';
import { IndexedDbLease } from './indexeddb-lease.js';

/** Which cross-tab exclusion to use: Web Locks when present (`auto`), or one of them explicitly. */
export type TabLockKind = 'auto' | 'web-locks' | 'indexeddb-lease';

/** One cleanup at a time across the tabs of an origin (and within a tab). */
export interface TabLock {
  /** The mechanism in use. */
  readonly kind: 'web-locks' | 'indexeddb-lease';
  readonly name: string;
  /** Runs `work` holding the lock, after waiting for any other holder. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** Options of {@link createTabLock}. */
export interface TabLockOptions {
  readonly name: string;
  readonly kind?: TabLockKind;
  /** Give up waiting after this long with `RECLAIM_LOCK_TIMEOUT`. Default: wait for ever. */
  readonly timeoutMs?: number;
  /** The fallback lease's database. */
  readonly leaseDatabase?: string;
  /** The fallback lease's time to live (a dead holder's lease expires after it). */
  readonly leaseTtlMs?: number;
}

interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive'; signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

function webLocks(): LockManagerLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks !== undefined && typeof locks.request === 'function' ? locks : undefined;
}

function timeoutError(name: string, timeoutMs: number, cause: unknown): ReclaimError {
  return new ReclaimError('RECLAIM_LOCK_TIMEOUT', `Another tab held the cleanup lock "${name}" for more than ${timeoutMs} ms; try again later.`, { cause });
}

/**
 * The cross-tab cleanup lock. With `auto` it uses the Web Locks API (`navigator.locks`), which
 * the browser releases when a tab closes or crashes; where that API is missing it falls back to
 * an {@link IndexedDbLease}. Asking for `web-locks` where there are none is an error.
 */
export function createTabLock(options: TabLockOptions): TabLock {
  const kind = options.kind ?? 'auto';
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  const locks = webLocks();
  if (kind === 'web-locks' && locks === undefined) {
    throw new ReclaimError('RECLAIM_UNSUPPORTED', 'crossTabLock "web-locks" was asked for, but navigator.locks is missing here; use "auto" to fall back to an IndexedDB lease.');
  }
  if (locks !== undefined && kind !== 'indexeddb-lease') {
    return {
      kind: 'web-locks',
      name: options.name,
      async run(work) {
        const signal = Number.isFinite(timeoutMs) ? AbortSignal.timeout(timeoutMs) : undefined;
        let granted = false;
        try {
          return await locks.request(options.name, { mode: 'exclusive', ...(signal === undefined ? {} : { signal }) }, () => {
            granted = true;
            return work();
          });
        } catch (error) {
          // Only a wait that timed out is ours to rename; errors of `work` pass through.
          if (!granted && signal?.aborted === true) throw timeoutError(options.name, timeoutMs, error);
          throw error;
        }
      },
    };
  }
  const lease = new IndexedDbLease({
    ...(options.leaseDatabase === undefined ? {} : { databaseName: options.leaseDatabase }),
    ...(options.leaseTtlMs === undefined ? {} : { ttlMs: options.leaseTtlMs }),
  });
  return { kind: 'indexeddb-lease', name: options.name, run: (work) => lease.run(options.name, work, timeoutMs) };
}
