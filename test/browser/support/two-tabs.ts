import { expect } from 'vitest';
import type { BrowserEnv, HarnessWindow, RemovableApi } from './browser-env.js';
import type { DriverPage } from './driver.js';

interface RunSpan {
  readonly runId: string;
  readonly start: number;
  readonly end: number;
  readonly sessionsCleared: number;
}

/** Starts a cleanup in each page at once (no await in between), then collects both. */
async function runTogether(pages: readonly DriverPage[], name: string): Promise<RunSpan[]> {
  for (const page of pages) await page.evaluate((name) => (window as unknown as HarnessWindow).harness.startRun(name), name);
  const spans: RunSpan[] = [];
  for (const page of pages) {
    await page.waitForFunction((name) => (window as unknown as HarnessWindow).harness.runOutcome(name) !== null, name, { timeoutMs: 30_000 });
    const outcome = await page.evaluate((name) => {
      const { result, error } = (window as unknown as HarnessWindow).harness.runOutcome(name)!;
      if (result === undefined) return { error: error ?? 'no result' };
      const start = Date.parse(result.startedAt);
      return { span: { runId: result.runId, start, end: start + result.durationMs, sessionsCleared: result.sessionsCleared } };
    }, name);
    if (outcome.span === undefined) throw new Error(`the run failed: ${outcome.error}`);
    spans.push(outcome.span);
  }
  return spans;
}

/** Options of {@link twoTabsRace}. */
export interface TwoTabsOptions {
  /** The `crossTabLock` option both services get. */
  readonly lock: 'auto' | 'indexeddb-lease';
  /** The lock kind both services must report. */
  readonly expectKind: 'web-locks' | 'indexeddb-lease';
  /** APIs removed from both pages before the app code runs. */
  readonly without?: readonly RemovableApi[];
}

/**
 * Two pages of one origin, each with a cleanup service on one session database, start cleanups
 * together three times: the runs must never overlap, every session is cleared exactly once,
 * and (over BroadcastChannel) each page sees the other's runs and counts every tab's cleanups.
 */
export async function twoTabsRace(env: BrowserEnv, options: TwoTabsOptions): Promise<void> {
  const db = `tabs-${options.lock}-${(options.without ?? []).join('-')}-${Date.now().toString(36)}`;
  const open = { without: options.without ?? [] };
  const tabA = await env.open(undefined, open);
  const tabB = await env.open(undefined, open);
  await tabA.evaluate(async (db) => {
    const h = (window as unknown as HarnessWindow).harness;
    const old = Date.now() - 99 * 3_600_000;
    await h.seedKeyValueSessions(db, Array.from({ length: 400 }, (_, i) => ({ id: `old-${i}`, timestamp: old, size: 1000 })));
  }, db);
  for (const page of [tabA, tabB]) {
    await page.evaluate(
      ({ db, lock }) => {
        const h = (window as unknown as HarnessWindow).harness;
        h.createService('tab', { store: { preset: 'chatterbox-storage', databaseName: db }, crossTabLock: lock });
      },
      { db, lock: options.lock },
    );
  }
  for (const page of [tabA, tabB]) await page.evaluate(async () => void (await (window as unknown as HarnessWindow).harness.service('tab').ready));
  const kinds = [];
  for (const page of [tabA, tabB]) kinds.push(await page.evaluate(() => (window as unknown as HarnessWindow).harness.service('tab').lockKind));
  expect(kinds).toEqual([options.expectKind, options.expectKind]);

  // Three rounds: each time both tabs start at once; the two runs must never overlap.
  const spans: RunSpan[] = [];
  for (let round = 0; round < 3; round += 1) {
    if (round > 0) {
      await tabB.evaluate(async (db) => {
        const h = (window as unknown as HarnessWindow).harness;
        const old = Date.now() - 99 * 3_600_000;
        await h.seedKeyValueSessions(db, Array.from({ length: 150 }, (_, i) => ({ id: `more-${Date.now()}-${i}`, timestamp: old, size: 10 })));
      }, db);
    }
    const [a, b] = await runTogether([tabA, tabB], 'tab');
    const [first, second] = [a, b].sort((x, y) => x.start - y.start) as [RunSpan, RunSpan];
    expect(first.end).toBeLessThanOrEqual(second.start);
    spans.push(a, b);
  }
  const cleared = spans.reduce((sum, s) => sum + s.sessionsCleared, 0);
  expect(cleared).toBe(400 + 2 * 150);

  // Each tab saw the other's runs (over BroadcastChannel) and counts every tab's cleanups.
  const ids = spans.map((s) => s.runId).sort();
  for (const page of [tabA, tabB]) {
    await page.waitForFunction(
      (count) => (window as unknown as HarnessWindow).harness.events('tab').filter((e) => e.type === 'RunCompleted').length >= count,
      ids.length,
    );
    const seen = await page.evaluate(() => {
      const h = (window as unknown as HarnessWindow).harness;
      return { runs: h.events('tab').filter((e) => e.type === 'RunCompleted').map((e) => e.runId as string).sort(), metrics: h.service('tab').getMetrics().sessionsCleared };
    });
    expect(seen.runs).toEqual(ids);
    expect(seen.metrics).toBe(cleared);
  }
  await tabA.close();
  await tabB.close();
}
