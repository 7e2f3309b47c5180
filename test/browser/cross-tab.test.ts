import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserEnv, type BrowserEnv, type HarnessWindow } from './support/browser-env.js';

let env: BrowserEnv;

beforeAll(async () => {
  env = await startBrowserEnv();
});

afterAll(async () => {
  await env?.close();
});

interface RunSpan {
  readonly runId: string;
  readonly start: number;
  readonly end: number;
  readonly sessionsCleared: number;
}

async function runIn(page: Page, name: string): Promise<RunSpan> {
  return page.evaluate(async (name) => {
    const result = await (window as unknown as HarnessWindow).harness.service(name).runCleanup();
    const start = Date.parse(result.startedAt);
    return { runId: result.runId, start, end: start + result.durationMs, sessionsCleared: result.sessionsCleared };
  }, name);
}

async function twoTabsRace(lock: 'auto' | 'indexeddb-lease'): Promise<void> {
  const db = `tabs-${lock}-${Date.now().toString(36)}`;
  const [tabA, tabB] = await Promise.all([env.open(), env.open()]);
  await tabA.evaluate(async (db) => {
    const h = (window as unknown as HarnessWindow).harness;
    const old = Date.now() - 99 * 3_600_000;
    await h.seedKeyValueSessions(db, Array.from({ length: 400 }, (_, i) => ({ id: `old-${i}`, timestamp: old, size: 1000 })));
  }, db);
  const create = async (page: Page) => {
    await page.evaluate(
      async ({ db, lock }) => {
        const h = (window as unknown as HarnessWindow).harness;
        await h.createService('tab', { store: { preset: 'chatterbox-storage', databaseName: db }, crossTabLock: lock }).ready;
      },
      { db, lock },
    );
  };
  await Promise.all([create(tabA), create(tabB)]);
  const kinds = await Promise.all([tabA, tabB].map((p) => p.evaluate(() => (window as unknown as HarnessWindow).harness.service('tab').lockKind)));
  expect(kinds).toEqual(lock === 'auto' ? ['web-locks', 'web-locks'] : ['indexeddb-lease', 'indexeddb-lease']);

  // Three rounds: each time both tabs ask at once; the two runs must never overlap.
  const spans: RunSpan[] = [];
  for (let round = 0; round < 3; round += 1) {
    if (round > 0) {
      await tabB.evaluate(async (db) => {
        const h = (window as unknown as HarnessWindow).harness;
        const old = Date.now() - 99 * 3_600_000;
        await h.seedKeyValueSessions(db, Array.from({ length: 150 }, (_, i) => ({ id: `more-${Date.now()}-${i}`, timestamp: old, size: 10 })));
      }, db);
    }
    const [a, b] = await Promise.all([runIn(tabA, 'tab'), runIn(tabB, 'tab')]);
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
  await Promise.all([tabA.close(), tabB.close()]);
}

describe('in Chromium: two pages of one origin', () => {
  it('never clean at once (Web Locks) and each sees the other’s events', async () => {
    await twoTabsRace('auto');
  });

  it('never clean at once with the IndexedDB lease fallback either', async () => {
    await twoTabsRace('indexeddb-lease');
  });

  it('keep metrics across a page reload (the journal is in IndexedDB)', async () => {
    const db = `reload-${Date.now().toString(36)}`;
    const page = await env.open();
    const before = await page.evaluate(async (db) => {
      const h = (window as unknown as HarnessWindow).harness;
      const old = Date.now() - 99 * 3_600_000;
      await h.seedKeyValueSessions(db, [{ id: 'a', timestamp: old, size: 100 }, { id: 'b', timestamp: old, size: 200 }, { id: 'c', timestamp: Date.now(), size: 1 }]);
      const client = h.createService('client', { store: { preset: 'chatterbox-storage', databaseName: db } });
      await client.runCleanup();
      const m = client.getMetrics();
      return { ...m, lastCleanup: m.lastCleanup?.toISOString() ?? null };
    }, db);
    expect(before).toMatchObject({ sessionsCleared: 2, bytesFreed: 300, errors: 0 });
    await page.reload();
    await page.waitForFunction(() => 'harness' in window);
    const after = await page.evaluate(async (db) => {
      const h = (window as unknown as HarnessWindow).harness;
      const client = h.createService('client', { store: { preset: 'chatterbox-storage', databaseName: db } });
      const zero = client.getMetrics().sessionsCleared;
      const report = await client.ready;
      const m = client.getMetrics();
      await client.close();
      return { zero, replayed: report.replayed, metrics: { ...m, lastCleanup: m.lastCleanup?.toISOString() ?? null } };
    }, db);
    expect(after.zero).toBe(0);
    expect(after.replayed).toBeGreaterThan(0);
    expect(after.metrics).toEqual(before);
    await page.close();
  });
});
