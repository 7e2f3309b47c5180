/**
 * Reading and writing the time fields of a token entry (`created_at`, `expires_at`, `expires`).
 */

/**
 * Epoch numbers below this are seconds, at or above it milliseconds. 1e11 seconds is the year
 * 5138, 1e11 milliseconds is 1973-03-03: no real token time falls in the ambiguous band, so a
 * seconds value is never taken for milliseconds and the other way round.
 */
export const EPOCH_SECONDS_LIMIT = 1e11;

/** A parsed time, or why it could not be read. */
export type TokenTime = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly problem: string };

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
// Date, optional time (T, t or space), optional fraction (. or ,), optional Z or ±hh[:mm].
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const MAX_MS = 8.64e15;

function fromEpoch(value: number): TokenTime {
  if (!Number.isFinite(value)) return { ok: false, problem: 'is not a finite number' };
  if (value < 0) return { ok: false, problem: 'is a negative epoch time' };
  const ms = Math.round(value < EPOCH_SECONDS_LIMIT ? value * 1000 : value);
  if (ms > MAX_MS) return { ok: false, problem: 'is beyond the largest representable date' };
  return { ok: true, ms };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
}

/** The digit at `i`, or -1. */
function digitAt(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The number written by the digits from `i` to `end` (exclusive), or -1 if one is not a digit. */
function digits(text: string, i: number, end: number): number {
  let n = 0;
  for (let k = i; k < end; k += 1) {
    const d = digitAt(text, k);
    if (d < 0) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The forms writers use nearly always, `YYYY-MM-DDTHH:MM:SS[.fraction][Z]` (naive or UTC), read
 * without a regular expression or a Date object: a token file holds one or two per token.
 * Anything else, and anything out of range, is left to the full reader (undefined), so both
 * paths agree on every input.
 */
function commonIso(text: string): number | undefined {
  const n = text.length;
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const sep = text.charCodeAt(10);
  if (sep !== 84 && sep !== 116 && sep !== 32) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  // Years below 100 take the full reader, which keeps them literal.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return undefined;
  }
  let i = 19;
  let millis = 0;
  if (i < n && text.charCodeAt(i) === 46) {
    i += 1;
    const start = i;
    while (i < n && digitAt(text, i) >= 0) {
      if (i - start < 3) millis = millis * 10 + digitAt(text, i);
      i += 1;
    }
    if (i === start) return undefined;
    for (let k = i - start; k < 3; k += 1) millis *= 10;
  }
  if (i < n) {
    const z = text.charCodeAt(i);
    if (i !== n - 1 || (z !== 90 && z !== 122)) return undefined;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

function fromIso(text: string): TokenTime {
  const common = commonIso(text);
  if (common !== undefined) return { ok: true, ms: common };
  const m = ISO.exec(text);
  if (m === null) return { ok: false, problem: 'is neither an ISO-8601 time nor an epoch number' };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Python writes microseconds; milliseconds are kept, finer digits dropped (floor).
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return { ok: false, problem: 'has no such calendar date' };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, problem: 'has a time of day out of range' };
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return { ok: false, problem: 'has a UTC offset out of range' };
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // setUTCFullYear keeps years below 100 literal (Date.UTC would map them to 19xx).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  // A naive time (no Z, no offset) is UTC, as the original service wrote it.
  const ms = date.getTime() - offsetMinutes * 60_000;
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_MS) return { ok: false, problem: 'is beyond the representable dates' };
  return { ok: true, ms };
}

/**
 * Reads one token time field.
 *
 * Accepted: ISO-8601 with or without a time, `T` or a space, any number of fraction digits
 * (milliseconds kept), with `Z`, an offset (`+02:00`, `+0200`, `+02`) or none (naive: UTC);
 * epoch numbers or numeric strings, seconds below {@link EPOCH_SECONDS_LIMIT} and
 * milliseconds from it on. Anything else, negative epochs, and impossible dates are refused
 * with a problem phrased to follow the field name (`expires_at "x" is …`).
 */
export function parseTokenTime(value: unknown): TokenTime {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return { ok: false, problem: `is ${value === null ? 'null' : `a ${typeof value}`}, not a time` };
  const text = value.trim();
  if (text === '') return { ok: false, problem: 'is empty' };
  if (NUMERIC.test(text)) return fromEpoch(Number(text));
  return fromIso(text);
}

/**
 * {@link parseTokenTime} as epoch milliseconds, or undefined when refused, without building a
 * result or a reason: for reading every time field of a large token file.
 */
export function tokenTimeMs(value: unknown): number | undefined {
  // The common string forms need no trimming (surrounding blanks fail the fast reader, and the
  // general one trims them).
  if (typeof value === 'string') {
    const common = commonIso(value);
    if (common !== undefined) return common;
  }
  const time = parseTokenTime(value);
  return time.ok ? time.ms : undefined;
}

/**
 * Formats epoch milliseconds as the original service wrote times: naive UTC ISO-8601 with
 * microseconds (`2025-09-07T02:21:07.123000`), which older Python readers parse too.
 */
export function formatTokenTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, -1)}000`;
}
