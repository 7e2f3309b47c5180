import { afterAll, describe, expect, it } from 'vitest';
import { startBrowserEnv, type BrowserEnv, type HarnessWindow, type RemovableApi } from './support/browser-env.js';
import type { DriverPage, LaunchOptions } from './support/driver.js';
import { currentEngine, engineTitle } from './support/launch.js';
import { twoTabsRace } from './support/two-tabs.js';
import { WEBKIT_DEFAULT_FEATURES } from './support/webkit-driver.js';

/**
 * The degraded modes: each API the library feature-detects is taken away, and the library must
 * keep working the documented way. In every engine the harness's init script removes the API
 * before the app code runs; WebKitGTK can also be launched with the feature really switched off
 * (its default for the Storage API), which is the same check in an engine that truly lacks it.
 */
const engine = currentEngine();
const label = engineTitle(engine);

/** One way of being without an API: which browser to launch, what the init script removes. */
interface Absence {
  readonly how: string;
  readonly launch: LaunchOptions;
  readonly without: readonly RemovableApi[];
}

function absences(api: RemovableApi, webkitFeatures: readonly string[] | null): Absence[] {
  const list: Absence[] = [{ how: 'removed by the init script', launch: {}, without: [api] }];
  if (engine === 'webkit' && webkitFeatures !== null) {
    list.push({ how: `a real WebKitGTK launched with features [${webkitFeatures.join(', ')}]`, launch: { webkitFeatures }, without: [] });
  }
  return list;
}

// One browser per launch configuration, started on first use and closed at the end.
const envs = new Map<string, Promise<BrowserEnv>>();
function envFor(launch: LaunchOptions): Promise<BrowserEnv> {
  const key = JSON.stringify(launch);
  let env = envs.get(key);
  if (env === undefined) {
    env = startBrowserEnv(launch);
    envs.set(key, env);
  }
  return env;
}

afterAll(async () => {
  const results = await Promise.allSettled([...envs.values()].map(async (env) => (await env).close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
});

/** Opens the harness without `absence`'s APIs and checks they are really gone. */
async function openWithout(absence: Absence, gone: Partial<Record<'storage' | 'estimate' | 'locks' | 'broadcastChannel' | 'databases', false>>): Promise<{ env: BrowserEnv; page: DriverPage }> {
  const env = await envFor(absence.launch);
  const page = await env.open(undefined, { without: absence.without });
  expect(await page.evaluate(() => (window as unknown as HarnessWindow).harness.removedApis())).toEqual(absence.without);
  const features = await page.evaluate(() => (window as unknown as HarnessWindow).harness.features());
  expect(features).toMatchObject(gone);
  return { env, page };
}

/**
 * No estimate: `getStorageStatus` reports the sessions against `maxStorageMB`, the emergency
 * triggers from `maxStorageMB` alone, and `freeSpace` (a write hit the quota) still frees 20%.
 */
async function limitsFromMaxStorageOnly(page: DriverPage): Promise<void> {
  const db = `no-estimate-${Date.now().toString(36)}`;
  const outcome = await page.evaluate(async (db) => {
    const h = (window as unknown as HarnessWindow).harness;
    const now = Date.now();
    const HOUR = 3_600_000;
    // 10 sessions of 100 KiB blobs (1000 KiB ≥ 90% of 1 MiB), none expired; the oldest is active.
    await h.seedKeyValueSessions(
      db,
      Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, timestamp: now - (i + 1) * HOUR, value: new Blob([h.randomBytes(100 * 1024)]), size: 100 * 1024, lastAccessed: now - (i + 1) * HOUR })),
      { activeId: 's9' },
    );
    const client = h.createService(db, { store: { preset: 'chatterbox-storage', databaseName: db }, maxStorageMB: 1, emergencyThresholdPercent: 90 });
    const before = await client.getStorageStatus();
    const run = await client.runCleanup();
    const afterRun = await h.storedKeys(db, 'keyValueStore');
    const freed = await client.freeSpace();
    const afterFree = await h.storedKeys(db, 'keyValueStore');
    const after = await client.getStorageStatus();
    await client.close();
    const ids = (keys: string[]) => keys.filter((k) => k.startsWith('cbx_recovery_session_')).map((k) => k.slice(21));
    return {
      before: { estimateAvailable: before.estimateAvailable, storageInfo: before.storageInfo, emergencyNeeded: before.emergencyNeeded },
      run: { emergencyRun: run.emergencyRun, cleared: run.sessionsCleared, success: run.success },
      afterRun: ids(afterRun),
      freed: { trigger: freed.trigger, cleared: freed.sessionsCleared, bytes: freed.bytesFreed, success: freed.success },
      afterFree: ids(afterFree),
      after: { estimateAvailable: after.estimateAvailable, storageInfo: after.storageInfo, protectedSessions: after.protectedSessions },
    };
  }, db);
  expect(outcome.before).toEqual({ estimateAvailable: false, storageInfo: { usage: 1000 * 1024, quota: 1_048_576, percent: (1000 * 1024 * 100) / 1_048_576 }, emergencyNeeded: true });
  expect(outcome.run).toEqual({ emergencyRun: true, cleared: 2, success: true });
  expect(outcome.afterRun).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's9']);
  // At the quota with no estimate: the limit stands in for the quota, and 20% of 800 KiB goes.
  expect(outcome.freed).toEqual({ trigger: 'quota', cleared: 2, bytes: 200 * 1024, success: true });
  expect(outcome.afterFree).toEqual(['s0', 's1', 's2', 's3', 's4', 's9']);
  expect(outcome.after).toEqual({ estimateAvailable: false, storageInfo: { usage: 600 * 1024, quota: 1_048_576, percent: (600 * 1024 * 100) / 1_048_576 }, protectedSessions: 1 });
  await page.close();
}

describe(`in ${label}: without navigator.storage`, () => {
  for (const absence of absences('storage', [])) {
    it(`(${absence.how}) limits come from maxStorageMB only; emergency and freeSpace still work`, async () => {
      const { page } = await openWithout(absence, { storage: false, estimate: false });
      await limitsFromMaxStorageOnly(page);
    });
  }
});

describe(`in ${label}: navigator.storage without estimate()`, () => {
  for (const absence of absences('estimate', ['+StorageAPI'])) {
    it(`(${absence.how}) limits come from maxStorageMB only; emergency and freeSpace still work`, async () => {
      const { page } = await openWithout(absence, { estimate: false });
      expect(await page.evaluate(() => (window as unknown as HarnessWindow).harness.features().storage)).toBe(true);
      await limitsFromMaxStorageOnly(page);
    });
  }
});

describe(`in ${label}: without Web Locks`, () => {
  for (const absence of absences('locks', [...WEBKIT_DEFAULT_FEATURES, '-WebLocksAPI'])) {
    it(`(${absence.how}) "auto" takes the IndexedDB lease: two tabs still never clean at once`, async () => {
      const { env, page } = await openWithout(absence, { locks: false });
      const refused = await page.evaluate(() => {
        try {
          (window as unknown as HarnessWindow).harness.createService('strict', { store: { preset: 'chatterbox-storage', databaseName: 'strict' }, crossTabLock: 'web-locks' });
          return null;
        } catch (error) {
          return { code: (error as { code?: string }).code, message: (error as Error).message };
        }
      });
      expect(refused).toEqual({ code: 'RECLAIM_UNSUPPORTED', message: expect.stringMatching(/navigator\.locks is missing here; use "auto"/) });
      await page.close();
      await twoTabsRace(env, { lock: 'auto', expectKind: 'indexeddb-lease', without: absence.without });
    });
  }
});

describe(`in ${label}: without BroadcastChannel`, () => {
  for (const absence of absences('broadcast-channel', [...WEBKIT_DEFAULT_FEATURES, '-BroadcastChannel'])) {
    it(`(${absence.how}) tabs still exclude each other; another tab's cleanups count from this tab's next run`, async () => {
      const { env, page: tabA } = await openWithout(absence, { broadcastChannel: false });
      const tabB = await env.open(undefined, { without: absence.without });
      const db = `no-channel-${Date.now().toString(36)}`;
      await tabA.evaluate(async (db) => {
        const h = (window as unknown as HarnessWindow).harness;
        const old = Date.now() - 99 * 3_600_000;
        await h.seedKeyValueSessions(db, Array.from({ length: 30 }, (_, i) => ({ id: `a-${i}`, timestamp: old, size: 10 })));
      }, db);
      for (const tab of [tabA, tabB]) {
        await tab.evaluate(async (db) => {
          const h = (window as unknown as HarnessWindow).harness;
          await h.createService('tab', { store: { preset: 'chatterbox-storage', databaseName: db } }).ready;
        }, db);
      }
      const runIn = (tab: DriverPage) =>
        tab.evaluate(async () => {
          const h = (window as unknown as HarnessWindow).harness;
          const result = await h.service('tab').runCleanup();
          return { cleared: result.sessionsCleared, metrics: h.service('tab').getMetrics().sessionsCleared, seen: h.events('tab').filter((e) => e.type === 'RunCompleted').length };
        });
      // Tab A cleans; tab B hears nothing of it (no channel), so its live metrics stay behind.
      expect(await runIn(tabA)).toEqual({ cleared: 30, metrics: 30, seen: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const quiet = await tabB.evaluate(() => {
        const h = (window as unknown as HarnessWindow).harness;
        return { metrics: h.service('tab').getMetrics().sessionsCleared, seen: h.events('tab').filter((e) => e.type === 'RunCompleted').length };
      });
      expect(quiet).toEqual({ metrics: 0, seen: 0 });
      // Tab B's next run reads the shared journal and catches up with tab A's cleanup.
      await tabB.evaluate(async (db) => {
        const h = (window as unknown as HarnessWindow).harness;
        await h.seedKeyValueSessions(db, [{ id: 'b-0', timestamp: Date.now() - 99 * 3_600_000, size: 10 }]);
      }, db);
      const caughtUp = await runIn(tabB);
      expect(caughtUp.cleared).toBe(1);
      await tabB.waitForFunction(() => (window as unknown as HarnessWindow).harness.service('tab').getMetrics().sessionsCleared === 31);
      await tabA.close();
      await tabB.close();
    });
  }
});

describe(`in ${label}: without indexedDB.databases()`, () => {
  for (const absence of absences('databases', null)) {
    it(`(${absence.how}) a missing app database is found by an aborted open, and the app creates it as new`, async () => {
      const { page } = await openWithout(absence, { databases: false });
      const db = `absent-${Date.now().toString(36)}`;
      const outcome = await page.evaluate(async (db) => {
        const h = (window as unknown as HarnessWindow).harness;
        const client = h.createService(db, { store: { preset: 'chatterbox-storage', databaseName: db } });
        const result = await client.runCleanup();
        const status = await client.getStorageStatus();
        await client.close();
        const listed = (await h.listDatabases()).filter((d) => d.name === db);
        // The app opens its database as it always does: to it, the database is new.
        const oldVersion = await new Promise<number>((resolve, reject) => {
          const request = indexedDB.open(db, 1);
          let old = -1;
          request.onupgradeneeded = (event) => {
            old = event.oldVersion;
            request.result.createObjectStore('keyValueStore', { keyPath: 'key' });
          };
          request.onsuccess = () => {
            request.result.close();
            resolve(old);
          };
          request.onerror = () => reject(request.error);
        });
        return { outcome: result.outcome, source: status.source.status, listed, oldVersion };
      }, db);
      expect(outcome.outcome).toBe('noop');
      expect(outcome.source).toBe('missing');
      expect(outcome.oldVersion).toBe(0);
      // Chromium and Firefox drop the half-made database; WebKit keeps an empty version-0 entry
      // (why the store asks indexedDB.databases() first where it can).
      expect(outcome.listed).toEqual(engine === 'webkit' ? [{ name: db, version: 0 }] : []);
      await page.close();
    });
  }
});
