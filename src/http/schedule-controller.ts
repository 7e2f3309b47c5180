import { createScheduledCleanup, type ScheduledCleanup, type ScheduledCleanupOptions } from '../node/scheduled-cleanup.js';
import type { CleanupService } from '../node/cleanup-service.js';

/** What `start` did. */
export type ScheduleStartOutcome =
  | { readonly status: 'started'; readonly intervalHours: number }
  | { readonly status: 'already_running'; readonly intervalHours: number };

/** What the schedule routes and `reclaim serve` report. */
export interface ScheduleControllerStatus {
  readonly scheduled: boolean;
  readonly intervalHours: number | null;
}

/**
 * A restartable schedule for one service. A `ScheduledCleanup` is final once stopped, so every
 * start makes a new one; the HTTP routes and `reclaim serve` share one controller, so the status
 * route sees the schedule the server started.
 */
export interface ScheduleController {
  /** Starts a schedule unless one runs. A bad interval throws `RECLAIM_INVALID_INTERVAL`. */
  start(intervalHours: number): Promise<ScheduleStartOutcome>;
  /**
   * Stops the schedule; resolves at once, without waiting for a run in progress (that run ends
   * on its own, and `close()` waits for it).
   */
  stop(): Promise<'stopped' | 'not_running'>;
  status(): ScheduleControllerStatus;
  /** Stops the schedule and waits for its run in progress. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createScheduleController}. */
export interface ScheduleControllerOptions extends Omit<ScheduledCleanupOptions, 'intervalHours'> {}

/**
 * Builds a restartable schedule controller over `createScheduledCleanup`.
 *
 * @example
 * const schedule = createScheduleController(service, { runOnStart: true });
 * await schedule.start(1);
 */
export function createScheduleController(service: CleanupService, options: ScheduleControllerOptions = {}): ScheduleController {
  let current: { scheduled: ScheduledCleanup; intervalHours: number } | null = null;
  const stopping = new Set<Promise<void>>();

  const stopCurrent = (): boolean => {
    if (current === null) return false;
    const done = current.scheduled.stop().catch(() => undefined);
    stopping.add(done);
    void done.finally(() => stopping.delete(done));
    current = null;
    return true;
  };

  return {
    async start(intervalHours) {
      if (current !== null && current.scheduled.status().scheduled) {
        return { status: 'already_running', intervalHours: current.intervalHours };
      }
      stopCurrent();
      // Throws RECLAIM_INVALID_INTERVAL before anything changes.
      const scheduled = createScheduledCleanup(service, { ...options, intervalHours });
      current = { scheduled, intervalHours };
      await scheduled.start();
      return { status: 'started', intervalHours };
    },
    async stop() {
      const wasScheduled = current !== null && current.scheduled.status().scheduled;
      stopCurrent();
      return wasScheduled ? 'stopped' : 'not_running';
    },
    status() {
      // The kernel stops its schedules when it closes: ask the schedule, not our own flag.
      return current !== null && current.scheduled.status().scheduled
        ? { scheduled: true, intervalHours: current.intervalHours }
        : { scheduled: false, intervalHours: null };
    },
    async close() {
      stopCurrent();
      await Promise.all([...stopping]);
    },
  };
}
