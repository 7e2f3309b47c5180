import lockfile from 'proper-lockfile';
import { ReclaimError } from '../../kernel/index.js';

/** How the journal's inter-process lock behaves. */
export interface JournalLockOptions {
  /**
   * A lock not refreshed for this long belongs to a dead process and is taken over.
   * proper-lockfile refreshes it every `staleMs / 2` and enforces at least 2000 ms.
   */
  readonly staleMs: number;
  /** How long to wait for another holder to let go before failing; 0 fails at once. */
  readonly waitMs: number;
  /** Called when the lock is lost while held (its directory removed, refresh impossible). */
  readonly onLost: (error: ReclaimError) => void;
}

/** A held lock. */
export interface JournalLock {
  /** The lock directory proper-lockfile creates beside the journal. */
  readonly lockPath: string;
  /** Lets the lock go; safe to call twice and after the lock was lost. */
  release(): Promise<void>;
}

const RETRY_MS = 100;

function lockedError(path: string, lockPath: string, staleMs: number, cause: unknown): ReclaimError {
  return new ReclaimError(
    'RECLAIM_JOURNAL_LOCKED',
    `The journal ${path} is locked by another process (lock ${lockPath}). Stop the other reclaim process ` +
      `using it, or give each process its own journal path; a lock left behind by a crashed process is taken ` +
      `over once it is ${staleMs} ms old.`,
    { details: { path, lockPath }, cause },
  );
}

/**
 * Takes the exclusive lock on a journal file (a `<path>.lock` directory, refreshed while held,
 * so that two processes never append to one journal at once). Fails with a
 * `RECLAIM_JOURNAL_LOCKED` error when another holder keeps it beyond `waitMs`.
 */
export async function lockJournal(path: string, options: JournalLockOptions): Promise<JournalLock> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + options.waitMs;
  let released = false;
  for (;;) {
    try {
      const release = await lockfile.lock(path, {
        realpath: false,
        lockfilePath: lockPath,
        stale: options.staleMs,
        retries: 0,
        onCompromised: (error) => {
          released = true;
          options.onLost(
            new ReclaimError(
              'RECLAIM_JOURNAL_LOCKED',
              `The lock on journal ${path} was lost (${error.message}); another process may be writing to it. ` +
                `This journal takes no more appends: close it and open it again.`,
              { details: { path, lockPath }, cause: error },
            ),
          );
        },
      });
      return {
        lockPath,
        release: async () => {
          if (released) return;
          released = true;
          await release().catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) throw lockedError(path, lockPath, options.staleMs, error);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
