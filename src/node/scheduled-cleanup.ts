import { assertInterval, type OffPeakWindow, type Schedule } from '../kernel/index.js';
import type { CleanupService } from './cleanup-service.js';

/** Options of a server schedule. */
export interface ScheduledCleanupOptions {
  /** Hours between runs: a finite number above 0. Default 1. */
  readonly intervalHours?: number;
  /** Run once at start (the server's default), then every interval. */
  readonly runOnStart?: boolean;
  /** Spread runs by a random delay of up to this many minutes. */
  readonly jitterMinutes?: number;
  /** Hold scheduled runs to a daily off-peak window in an IANA time zone. */
  readonly window?: OffPeakWindow;
  /** Called with the error of a failed scheduled run. */
  readonly onError?: (error: unknown) => void;
}

/** What a server schedule reports (the HTTP status route uses it). */
export interface ScheduledCleanupStatus {
  readonly scheduled: boolean;
  readonly intervalHours: number | null;
  readonly runs: number;
  readonly lastRunAt: string | null;
}

/** Scheduled cleanup: `start()` and `stop()` (final, idempotent) and `status()`. */
export interface ScheduledCleanup {
  start(): Promise<void>;
  /** Stops future runs and waits for a run in progress to end. */
  stop(): Promise<void>;
  status(): ScheduledCleanupStatus;
}

const HOUR = 3_600_000;

/**
 * Runs the service on a timer: once at start, then every `intervalHours`. Runs never overlap;
 * a tick during a manual run joins it.
 *
 * @example
 * const scheduled = createScheduledCleanup(service, { intervalHours: 1 });
 * await scheduled.start();
 * // …
 * await scheduled.stop();
 */
export function createScheduledCleanup(service: CleanupService, options: ScheduledCleanupOptions | number = {}): ScheduledCleanup {
  const opts: ScheduledCleanupOptions = typeof options === 'number' ? { intervalHours: options } : options;
  const intervalHours = opts.intervalHours ?? 1;
  assertInterval(intervalHours, 'intervalHours');
  let schedule: Schedule | null = null;
  return {
    async start() {
      if (schedule !== null) return;
      schedule = service.kernel.schedule({
        intervalMs: intervalHours * HOUR,
        runOnStart: opts.runOnStart ?? true,
        jitterMs: (opts.jitterMinutes ?? 0) * 60_000,
        ...(opts.window === undefined ? {} : { window: opts.window }),
        ...(opts.onError === undefined ? {} : { onError: opts.onError }),
      });
      schedule.start();
    },
    async stop() {
      if (schedule === null) return;
      schedule.stop();
      // A run in progress ends at its own pace; wait so the journal is complete.
      await service.kernel.whenIdle();
    },
    status() {
      const s = schedule?.status();
      return {
        scheduled: s?.scheduled ?? false,
        intervalHours: s?.scheduled === true ? intervalHours : null,
        runs: s?.runs ?? 0,
        lastRunAt: s?.lastRunAt == null ? null : new Date(s.lastRunAt).toISOString(),
      };
    },
  };
}
