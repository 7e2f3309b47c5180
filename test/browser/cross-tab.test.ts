import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserEnv, type BrowserEnv, type HarnessWindow } from './support/browser-env.js';
import { currentEngine, engineTitle } from './support/launch.js';
import { twoTabsRace } from './support/two-tabs.js';

const engine = currentEngine();
const title = engineTitle(engine);
let env: BrowserEnv;

beforeAll(async () => {
  env = await startBrowserEnv();
});

afterAll(async () => {
  await env?.close();
});

describe(`in ${title}: two pages of one origin`, () => {
  it('never clean at once (Web Locks) and each sees the other’s events', async () => {
    await twoTabsRace(env, { lock: 'auto', expectKind: 'web-locks' });
  });

  it('never clean at once with the IndexedDB lease fallback either', async () => {
    await twoTabsRace(env, { lock: 'indexeddb-lease', expectKind: 'indexeddb-lease' });
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
