import { assertInterval, type OffPeakWindow, type Schedule } from '../kernel/index.js';
import type { BrowserCleanupService } from './cleanup-service.js';

/** Options of a browser schedule. */
export interface BrowserScheduleOptions {
  /** Hours between runs: a finite number above 0. Default 1. */
  readonly intervalHours?: number;
  /** Spread runs by a random delay of up to this many minutes, so tabs do not tick together. */
  readonly jitterMinutes?: number;
  /** Hold scheduled runs to a daily off-peak window in an IANA time zone. */
  readonly window?: OffPeakWindow;
  /** Called with the error of a run that could not happen (e.g. the lock wait timed out). */
  readonly onError?: (error: unknown) => void;
}

/** What a browser schedule reports. */
export interface BrowserScheduleStatus {
  readonly scheduled: boolean;
  readonly stopped: boolean;
  readonly intervalHours: number;
  readonly runs: number;
  readonly lastRunAt: Date | null;
}

/** A browser schedule: `start()`, `stop()` (final and idempotent), `status()`. */
export interface BrowserScheduledCleanup {
  /** Starts ticking; the first run comes after one interval. Starting twice does nothing. */
  start(): void;
  /** Stops for good; a run in progress finishes. */
  stop(): void;
  status(): BrowserScheduleStatus;
}

const HOUR = 3_600_000;

/**
 * Runs `service.runCleanup()` every `intervalHours` (default 1), first after one interval, as
 * the documented client did. Runs never overlap, across tabs too: a tick while another tab
 * cleans waits for it.
 *
 * @example
 * const scheduled = createScheduledCleanup(client, 1);
 * scheduled.start();
 * // on page teardown:
 * scheduled.stop();
 */
export function createScheduledCleanup(service: BrowserCleanupService, options: number | BrowserScheduleOptions = 1): BrowserScheduledCleanup {
  const opts: BrowserScheduleOptions = typeof options === 'number' ? { intervalHours: options } : options;
  const intervalHours = opts.intervalHours ?? 1;
  assertInterval(intervalHours, 'intervalHours');
  const schedule: Schedule = service.schedule({
    intervalMs: intervalHours * HOUR,
    runOnStart: false,
    jitterMs: (opts.jitterMinutes ?? 0) * 60_000,
    ...(opts.window === undefined ? {} : { window: opts.window }),
    ...(opts.onError === undefined ? {} : { onError: opts.onError }),
  });
  return {
    start: () => schedule.start(),
    stop: () => schedule.stop(),
    status() {
      const s = schedule.status();
      return { scheduled: s.scheduled, stopped: s.stopped, intervalHours, runs: s.runs, lastRunAt: s.lastRunAt === null ? null : new Date(s.lastRunAt) };
    },
  };
}
