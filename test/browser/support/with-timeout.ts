/**
 * Settles like `work`, or rejects after `ms` with an error naming `step`. Every browser step goes
 * through this: a browser that cannot start (no display for WebKit, a missing library) or a page
 * that never answers would otherwise hang the run for ever instead of failing it.
 */
export async function withTimeout<T>(step: string, ms: number, work: Promise<T> | (() => Promise<T>)): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${step}: no answer within ${ms} ms`)), ms);
  });
  const running = typeof work === 'function' ? work() : work;
  // After a timeout the step may still fail later: that is already reported, not a second error.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long one browser step may take, unless the step says otherwise. */
export const STEP_TIMEOUT_MS = 45_000;

/** How long starting a browser (and its driver) may take. */
export const LAUNCH_TIMEOUT_MS = 60_000;
