import lockfile from 'proper-lockfile';
import { ReclaimError } from '../../kernel/index.js';

/** How the token file's inter-process lock behaves. Every field has a default. */
export interface TokenLockOptions {
  /**
   * A lock not refreshed for this long belongs to a dead process (say, one killed with
   * `kill -9`) and is taken over. proper-lockfile refreshes a held lock every `staleMs / 2`
   * and needs at least 2000 ms. Default 5000.
   */
  readonly staleMs?: number;
  /** How long to wait for another holder before failing with `RECLAIM_LOCK_TIMEOUT`. Default 15000. */
  readonly timeoutMs?: number;
}

/** The lock directory proper-lockfile creates for a token file: `<tokenfile>.lock`. */
export function tokenLockPath(tokenFile: string): string {
  return `${tokenFile}.lock`;
}

/** Checks a held lock before the write that depends on it. */
export interface HeldLock {
  /** Throws `RECLAIM_LOCK_LOST` when another process took the lock over meanwhile. */
  assertHeld(): void;
}

// In-process queue per lock: callers in one process wait their turn instead of polling the
// lock directory, and the directory lock serialises processes.
const queues = new Map<string, Promise<unknown>>();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function acquire(tokenFile: string, staleMs: number, timeoutMs: number, lost: (error: Error) => void): Promise<() => Promise<void>> {
  const lockPath = tokenLockPath(tokenFile);
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      return await lockfile.lock(tokenFile, { realpath: false, lockfilePath: lockPath, stale: staleMs, retries: 0, onCompromised: lost });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        throw new ReclaimError(
          'RECLAIM_LOCK_TIMEOUT',
          `The token file ${tokenFile} stayed locked by another process for ${timeoutMs} ms (lock ${lockPath}). ` +
            `Check for a stuck writer; a lock left by a crashed process is taken over once it is ${staleMs} ms old.`,
          { details: { path: tokenFile, lockPath }, cause: error },
        );
      }
      // Jittered backoff from 2 ms up to 50 ms: short waits while writers are quick.
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(50, delay * 2);
    }
  }
}

/**
 * Runs `work` while holding the token file's lock: first this process's turn, then the
 * `<tokenfile>.lock` directory shared with every other process (the cleanup and host writers
 * alike). The lock is released however `work` ends. If the lock is lost while held (the
 * process stalled past `staleMs` and another took it over), {@link HeldLock.assertHeld} throws
 * `RECLAIM_LOCK_LOST`, so a write checked just before its rename is never made without it.
 */
export async function withTokenLock<T>(tokenFile: string, options: TokenLockOptions, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  const staleMs = options.staleMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const previous = queues.get(tokenFile) ?? Promise.resolve();
  const turn = previous.then(
    () => undefined,
    () => undefined,
  );
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  const tail = turn.then(() => mine);
  queues.set(tokenFile, tail);
  await turn;
  let lostError: Error | undefined;
  try {
    const release = await acquire(tokenFile, staleMs, timeoutMs, (error) => {
      lostError = error;
    });
    const held: HeldLock = {
      assertHeld: () => {
        if (lostError !== undefined) {
          throw new ReclaimError(
            'RECLAIM_LOCK_LOST',
            `The lock on token file ${tokenFile} was lost while held (${lostError.message}); nothing was written. Try again.`,
            { details: { path: tokenFile }, cause: lostError },
          );
        }
      },
    };
    try {
      return await work(held);
    } finally {
      if (lostError === undefined) await release().catch(() => undefined);
    }
  } finally {
    done();
    if (queues.get(tokenFile) === tail) queues.delete(tokenFile);
  }
}
