/** The source of time, injected everywhere so tests control it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Formats epoch milliseconds as ISO-8601 UTC with `Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}
