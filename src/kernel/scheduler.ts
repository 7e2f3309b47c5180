import { catchError, defer, EMPTY, exhaustMap, finalize, from, Subject, switchMap, takeUntil, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { Clock } from './clock.js';
import { ReclaimError } from './errors.js';
import { msUntilWindow, validateWindow, type OffPeakWindow } from './off-peak-window.js';

/** When scheduled runs happen. */
export interface ScheduleOptions {
  /** Time between ticks in milliseconds: a finite number above 0. */
  readonly intervalMs: number;
  /** Run once right at `start()` (the server's default), or first after one interval. */
  readonly runOnStart?: boolean;
  /** Each run is delayed by a random 0..jitterMs, so many hosts do not run in lockstep. */
  readonly jitterMs?: number;
  /** Hold scheduled runs to a daily window; a tick outside it waits for it. */
  readonly window?: OffPeakWindow;
  /** Called with the error of a failed run; the schedule goes on. */
  readonly onError?: (error: unknown) => void;
}

/** What a schedule reports. */
export interface ScheduleStatus {
  readonly scheduled: boolean;
  readonly stopped: boolean;
  readonly intervalMs: number;
  readonly runs: number;
  readonly lastRunAt: number | null;
  /** True while a scheduled run (or its wait for the window) is in progress. */
  readonly busy: boolean;
}

/** A timer that triggers runs. `stop()` is final and idempotent. */
export interface Schedule {
  start(): void;
  stop(): void;
  status(): ScheduleStatus;
}

/** Injected time for a schedule. */
export interface ScheduleDeps {
  readonly clock: Clock;
  readonly scheduler: SchedulerLike;
  /** Returns a number in [0, 1); defaults to `Math.random`. */
  readonly random?: () => number;
}

/** Refuses an interval that is not a finite number above zero, naming the value. */
export function assertInterval(intervalMs: unknown, field = 'intervalMs'): asserts intervalMs is number {
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new ReclaimError(
      'RECLAIM_INVALID_INTERVAL',
      `${field} must be a finite number above 0 (got ${String(intervalMs)}); pass the time between runs, e.g. 3600000 for one hour.`,
      { fields: [{ field, problem: `is ${String(intervalMs)}`, fix: 'use a number above 0' }] },
    );
  }
}

/**
 * A schedule as a timer observable: ticks every interval (optionally one at start), each
 * delayed by jitter and held to the off-peak window; a tick while a run is in progress is
 * dropped (`exhaustMap`), so runs never overlap.
 */
export function createSchedule(run: () => Promise<unknown>, options: ScheduleOptions, deps: ScheduleDeps): Schedule {
  assertInterval(options.intervalMs);
  const jitterMs = options.jitterMs ?? 0;
  if (!Number.isFinite(jitterMs) || jitterMs < 0) {
    throw new ReclaimError('RECLAIM_INVALID_INTERVAL', `jitterMs must be a finite number >= 0 (got ${String(jitterMs)}).`);
  }
  if (options.window !== undefined) validateWindow(options.window);
  const random = deps.random ?? Math.random;
  const stop$ = new Subject<void>();
  let subscription: Subscription | null = null;
  let stopped = false;
  let busy = false;
  let runs = 0;
  let lastRunAt: number | null = null;

  const oneRun = defer(() => {
    busy = true;
    const windowDelay = options.window === undefined ? 0 : msUntilWindow(deps.clock.now(), options.window);
    const delay = windowDelay + Math.floor(random() * jitterMs);
    const start = delay > 0 ? timer(delay, deps.scheduler) : from([0]);
    return start.pipe(
      switchMap(() => {
        lastRunAt = deps.clock.now();
        runs += 1;
        return from(run());
      }),
      catchError((error: unknown) => {
        options.onError?.(error);
        return EMPTY;
      }),
      finalize(() => (busy = false)),
    );
  });

  return {
    start(): void {
      if (stopped) throw new ReclaimError('RECLAIM_SCHEDULE_STOPPED', 'This schedule was stopped; create a new one to start again.');
      if (subscription !== null) return;
      const first = options.runOnStart === false ? options.intervalMs : 0;
      subscription = timer(first, options.intervalMs, deps.scheduler)
        .pipe(
          exhaustMap(() => oneRun),
          takeUntil(stop$),
        )
        .subscribe();
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      stop$.next();
      stop$.complete();
      subscription?.unsubscribe();
      subscription = null;
    },
    status(): ScheduleStatus {
      return { scheduled: subscription !== null && !stopped, stopped, intervalMs: options.intervalMs, runs, lastRunAt, busy };
    },
  };
}
