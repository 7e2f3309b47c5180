import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  createSchedule,
  inWindow,
  isReclaimError,
  msUntilWindow,
  type Clock,
  type OffPeakWindow,
} from '../../src/kernel/index.js';

const BASE = Date.UTC(2026, 10, 26, 12, 0, 0); // 2026-11-26T12:00Z
const SECOND = 1000;
const HOUR = 3_600_000;

/**
 * Virtual time: an RxJS scheduler and a clock that reads it. `advance` runs due timers one
 * instant at a time and lets promises settle in between, as real time would.
 */
export function virtualTime(start = BASE) {
  const scheduler = new VirtualTimeScheduler();
  const clock: Clock = { now: () => start + scheduler.frame };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    scheduler,
    clock,
    async advance(ms: number): Promise<void> {
      const target = scheduler.frame + ms;
      for (;;) {
        const next = scheduler.actions[0];
        if (next === undefined || next.delay > target) break;
        scheduler.maxFrames = next.delay;
        scheduler.flush();
        await settle();
      }
      scheduler.frame = target;
      await settle();
    },
    settle,
  };
}

/** A run that takes `durationMs` of virtual time and records when it started. */
function recorder(time: ReturnType<typeof virtualTime>, durationMs = 0) {
  const starts: number[] = [];
  const run = () => {
    starts.push(time.clock.now() - BASE);
    if (durationMs === 0) return Promise.resolve();
    return new Promise<void>((resolve) => time.scheduler.schedule(() => resolve(), durationMs));
  };
  return { starts, run };
}

describe('createSchedule under virtual time', () => {
  it('runs at start and then every interval', async () => {
    const time = virtualTime();
    const { starts, run } = recorder(time);
    const schedule = createSchedule(run, { intervalMs: 10 * SECOND }, time);
    schedule.start();
    await time.advance(0);
    await time.advance(35 * SECOND);
    expect(starts).toEqual([0, 10 * SECOND, 20 * SECOND, 30 * SECOND]);
    schedule.stop();
  });

  it('first runs after one interval when runOnStart is false', async () => {
    const time = virtualTime();
    const { starts, run } = recorder(time);
    const schedule = createSchedule(run, { intervalMs: 10 * SECOND, runOnStart: false }, time);
    schedule.start();
    await time.advance(25 * SECOND);
    expect(starts).toEqual([10 * SECOND, 20 * SECOND]);
    schedule.stop();
  });

  it('never overlaps: ticks during a long run are dropped', async () => {
    const time = virtualTime();
    const { starts, run } = recorder(time, 25 * SECOND);
    const schedule = createSchedule(run, { intervalMs: 10 * SECOND }, time);
    schedule.start();
    for (let t = 0; t < 70; t += 5) await time.advance(5 * SECOND);
    // 0 → busy until 25; ticks at 10, 20 dropped; 30 runs → busy until 55; 40, 50 dropped; 60 runs.
    expect(starts).toEqual([0, 30 * SECOND, 60 * SECOND]);
    schedule.stop();
  });

  it('stop() is final and idempotent; start() after stop is refused', async () => {
    const time = virtualTime();
    const { starts, run } = recorder(time);
    const schedule = createSchedule(run, { intervalMs: 10 * SECOND }, time);
    schedule.start();
    await time.advance(15 * SECOND);
    schedule.stop();
    schedule.stop();
    await time.advance(60 * SECOND);
    expect(starts).toEqual([0, 10 * SECOND]);
    expect(schedule.status()).toMatchObject({ scheduled: false, stopped: true, runs: 2 });
    expect(() => schedule.start()).toThrow(expect.objectContaining({ code: 'RECLAIM_SCHEDULE_STOPPED' }));
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses an interval of %s with a clear error', (intervalMs) => {
    const time = virtualTime();
    try {
      createSchedule(() => Promise.resolve(), { intervalMs }, time);
      expect.unreachable('an invalid interval was accepted');
    } catch (error) {
      expect(isReclaimError(error, 'RECLAIM_INVALID_INTERVAL')).toBe(true);
      expect((error as Error).message).toContain('intervalMs must be a finite number above 0');
    }
  });

  it('delays each run by the injected jitter', async () => {
    const time = virtualTime();
    const { starts, run } = recorder(time);
    const schedule = createSchedule(run, { intervalMs: 10 * SECOND, jitterMs: 4 * SECOND }, { ...time, random: () => 0.5 });
    schedule.start();
    await time.advance(0);
    for (let t = 0; t < 13; t++) await time.advance(SECOND);
    expect(starts).toEqual([2 * SECOND, 12 * SECOND]);
    schedule.stop();
  });

  it('holds a tick outside the off-peak window until the window opens in its time zone', async () => {
    const time = virtualTime();
    const { starts, run } = recorder(time);
    // Berlin is UTC+1 in November: 02:00 local is 01:00Z the next day, 13 h after 12:00Z.
    const window: OffPeakWindow = { start: '02:00', end: '05:00', timeZone: 'Europe/Berlin' };
    const schedule = createSchedule(run, { intervalMs: 24 * HOUR, window }, time);
    schedule.start();
    await time.advance(0);
    expect(starts).toEqual([]);
    await time.advance(13 * HOUR - SECOND);
    expect(starts).toEqual([]);
    await time.advance(SECOND);
    expect(starts).toEqual([13 * HOUR]);
    schedule.stop();
  });

  it('rejects a malformed window naming the field', () => {
    const time = virtualTime();
    expect(() =>
      createSchedule(() => Promise.resolve(), { intervalMs: 1000, window: { start: '2am', end: '05:00', timeZone: 'Mars/Olympus' } }, time),
    ).toThrow(/window\.start[\s\S]*window\.timeZone/);
  });
});

describe('off-peak window arithmetic', () => {
  it('lands inside the window, also across a daylight-saving change', () => {
    const window: OffPeakWindow = { start: '02:00', end: '05:00', timeZone: 'America/New_York' };
    // New York springs forward on 2026-03-08 at 02:00: that day 02:00–03:00 does not exist.
    for (let h = 0; h < 72; h += 1) {
      const now = Date.UTC(2026, 2, 6, 0, 0, 0) + h * HOUR;
      const wait = msUntilWindow(now, window);
      expect(inWindow(now + wait, window)).toBe(true);
      expect(wait).toBeLessThanOrEqual(25 * HOUR);
    }
  });

  it('handles a window that crosses midnight', () => {
    const window: OffPeakWindow = { start: '23:00', end: '01:00', timeZone: 'UTC' };
    expect(inWindow(Date.UTC(2026, 0, 1, 23, 30), window)).toBe(true);
    expect(inWindow(Date.UTC(2026, 0, 1, 0, 30), window)).toBe(true);
    expect(inWindow(Date.UTC(2026, 0, 1, 12, 0), window)).toBe(false);
    expect(msUntilWindow(Date.UTC(2026, 0, 1, 22, 0), window)).toBe(HOUR);
  });
});
