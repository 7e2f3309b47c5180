import { configError, type FieldProblem } from './errors.js';

/** A daily window in a named IANA time zone, e.g. 02:00–05:00 in `Europe/Berlin`. */
export interface OffPeakWindow {
  /** `HH:MM`, 24-hour, local to `timeZone`. */
  readonly start: string;
  /** `HH:MM`; when it is not after `start` the window crosses midnight. */
  readonly end: string;
  /** An IANA zone name such as `UTC` or `America/New_York`. */
  readonly timeZone: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  return m === null ? Number.NaN : Number(m[1]) * 60 + Number(m[2]);
}

/** Checks a window, throwing one error that names each bad field. */
export function validateWindow(window: OffPeakWindow): void {
  const problems: FieldProblem[] = [];
  for (const field of ['start', 'end'] as const) {
    if (typeof window[field] !== 'string' || !HHMM.test(window[field])) {
      problems.push({ field: `window.${field}`, problem: `must be HH:MM (got ${JSON.stringify(window[field])})`, fix: 'write it like "02:00"' });
    }
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: window.timeZone });
  } catch {
    problems.push({
      field: 'window.timeZone',
      problem: `is not a known IANA time zone (got ${JSON.stringify(window.timeZone)})`,
      fix: 'use a name such as "UTC" or "Europe/Berlin"',
    });
  }
  if (problems.length === 0 && window.start === window.end) {
    problems.push({ field: 'window.end', problem: 'equals start, so the window is empty', fix: 'give an end different from start' });
  }
  if (problems.length > 0) throw configError('RECLAIM_INVALID_WINDOW', 'Invalid off-peak window', problems);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight (with seconds as a fraction) at `ms` in `timeZone`. */
export function localMinuteOfDay(ms: number, timeZone: string): number {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, fmt);
  }
  let h = 0;
  let m = 0;
  let s = 0;
  for (const part of fmt.formatToParts(new Date(ms))) {
    if (part.type === 'hour') h = Number(part.value) % 24;
    else if (part.type === 'minute') m = Number(part.value);
    else if (part.type === 'second') s = Number(part.value);
  }
  return h * 60 + m + (s + (ms % 1000) / 1000) / 60;
}

/** True when `ms` falls inside the window (start inclusive, end exclusive). */
export function inWindow(ms: number, window: OffPeakWindow): boolean {
  const now = localMinuteOfDay(ms, window.timeZone);
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * Milliseconds from `ms` until the window next opens: 0 when inside it. Steps are re-checked
 * against the zone's local time, so a daylight-saving change on the way does not misplace it.
 */
export function msUntilWindow(ms: number, window: OffPeakWindow): number {
  const start = minutesOf(window.start);
  let at = ms;
  for (let attempt = 0; attempt < 4 && !inWindow(at, window); attempt++) {
    const now = localMinuteOfDay(at, window.timeZone);
    const minutes = (start - now + DAY_MINUTES) % DAY_MINUTES;
    at += Math.max(1, Math.ceil(minutes * MINUTE));
  }
  return at - ms;
}
