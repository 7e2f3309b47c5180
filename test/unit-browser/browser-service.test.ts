import 'fake-indexeddb/auto';
import { filter, firstValueFrom, toArray, take } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCleanupService, createScheduledCleanup, resolveBrowserOptions } from '../../src/browser/index.js';
import { isReclaimError, type DomainEvent } from '../../src/kernel/index.js';
import { seedDocumentedSessions, seedKeyValueSessions, storedKeys } from './support/seed-sessions.js';
import { closeAll, databaseOf, isolatedOptions, track } from './support/services.js';

const HOUR = 3_600_000;
const MiB = 1_048_576;
const KV = 'keyValueStore';

afterEach(async () => {
  vi.useRealTimers();
  await closeAll();
});

function sessionKeys(keys: readonly string[]): string[] {
  return keys.filter((k) => k.startsWith('cbx_recovery_session_')).map((k) => k.slice('cbx_recovery_session_'.length)).sort();
}

describe('browser options', () => {
  it('has the documented defaults', () => {
    const resolved = resolveBrowserOptions({});
    expect(resolved).toMatchObject({ retentionHours: 24, maxStorageMB: 100, emergencyThresholdPercent: 90, limitBytes: 100 * MiB });
    expect(resolved.layout.databaseName).toBe('ChatterboxStorage');
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  for (const field of ['retentionHours', 'maxStorageMB', 'emergencyThresholdPercent'] as const) {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      it(`refuses ${field} = ${String(bad)} with an error naming the field`, () => {
        let caught: unknown;
        try {
          createCleanupService({ [field]: bad });
        } catch (error) {
          caught = error;
        }
        expect(isReclaimError(caught, 'RECLAIM_INVALID_CONFIG')).toBe(true);
        expect((caught as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual([field]);
        expect((caught as Error).message).toContain(field);
      });
    }
  }

  it('refuses a threshold above 100% and names every bad field at once', () => {
    try {
      resolveBrowserOptions({ emergencyThresholdPercent: 101, retentionHours: -5, crossTabLock: 'nope' as never });
      expect.unreachable();
    } catch (error) {
      expect((error as { fields: { field: string }[] }).fields.map((f) => f.field).sort()).toEqual(['crossTabLock', 'emergencyThresholdPercent', 'retentionHours']);
    }
  });
});

describe('createCleanupService on the key-value layout', () => {
  it('removes expired sessions, keeps the active one and other keys, and reports the documented fields', async () => {
    const options = isolatedOptions();
    const now = Date.now();
    await seedKeyValueSessions(
      databaseOf(options),
      [
        { id: 'expired-1', timestamp: now - 50 * HOUR, size: 1000 },
        { id: 'expired-2', timestamp: now - 60 * HOUR, lastAccessed: now - 30 * HOUR, size: 2000 },
        { id: 'touched', timestamp: now - 60 * HOUR, lastAccessed: now - 1 * HOUR, size: 4000 },
        { id: 'active-old', timestamp: now - 90 * HOUR, size: 8000 },
      ],
      { activeId: 'active-old', extra: { cbx_settings: { volume: 3 } } },
    );
    const client = track(options);
    const result = await client.runCleanup();
    expect(result).toMatchObject({ sessionsCleared: 2, bytesFreed: 3000, emergencyRun: false, success: true, outcome: 'success', dryRun: false });
    expect(result.error).toBeUndefined();
    expect(typeof result.runId).toBe('string');
    const keys = await storedKeys(databaseOf(options), KV);
    expect(sessionKeys(keys)).toEqual(['active-old', 'touched']);
    expect(keys).toContain('cbx_settings');
    expect(keys).toContain('cbx_active_session');
    const metrics = client.getMetrics();
    expect(metrics).toMatchObject({ sessionsCleared: 2, bytesFreed: 3000, errors: 0, lastError: null });
    expect(metrics.lastCleanup).toBeInstanceOf(Date);
  });

  it('reports a dry run in the same fields and deletes nothing', async () => {
    const options = isolatedOptions();
    await seedKeyValueSessions(databaseOf(options), [{ id: 'old', timestamp: Date.now() - 99 * HOUR, size: 10 }]);
    const client = track(options);
    const result = await client.runCleanup({ dryRun: true });
    expect(result).toMatchObject({ sessionsCleared: 1, bytesFreed: 10, dryRun: true, success: true });
    expect(sessionKeys(await storedKeys(databaseOf(options), KV))).toEqual(['old']);
    expect(client.getMetrics().sessionsCleared).toBe(0);
  });

  it('evicts the oldest sessions, by last access, when they reach the threshold of a small maxStorageMB', async () => {
    const options = isolatedOptions('chatterbox-storage', { maxStorageMB: 1, emergencyThresholdPercent: 90 });
    const now = Date.now();
    // 10 × 100 KiB = 1000 KiB ≥ 90% of 1 MiB; none is expired. The oldest is active.
    const sessions = Array.from({ length: 10 }, (_, i) => ({ id: `s${i}`, timestamp: now - 10 * HOUR, lastAccessed: now - (i + 1) * HOUR, size: 100 * 1024 }));
    await seedKeyValueSessions(databaseOf(options), sessions, { activeId: 's9' });
    const client = track(options);
    const status = await client.getStorageStatus();
    expect(status).toMatchObject({ sessions: 10, sessionBytes: 1000 * 1024, protectedSessions: 1, emergencyNeeded: true, estimateAvailable: false });
    const result = await client.runCleanup();
    expect(result.emergencyRun).toBe(true);
    expect(result.emergency).toMatchObject({ usedBytes: 1000 * 1024, freedBytes: 200 * 1024, shortfallBytes: 0 });
    // 20% of 1000 KiB is 200 KiB: the two oldest unprotected go; the active one stays.
    expect(sessionKeys(await storedKeys(databaseOf(options), KV))).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's9']);
    expect(result).toMatchObject({ sessionsCleared: 2, bytesFreed: 200 * 1024, success: true });
  });

  it('never evicts sessions younger than emergencyMinAgeMinutes', async () => {
    const options = isolatedOptions('chatterbox-storage', { maxStorageMB: 0.001, emergencyMinAgeMinutes: 30 });
    const now = Date.now();
    await seedKeyValueSessions(databaseOf(options), [
      { id: 'new', timestamp: now - 60_000, lastAccessed: now - 20 * HOUR, size: 1000 },
      { id: 'older', timestamp: now - 2 * HOUR, lastAccessed: now - 1 * HOUR, size: 1000 },
    ]);
    const result = await track(options).runCleanup();
    expect(result).toMatchObject({ emergencyRun: true, sessionsCleared: 1 });
    expect(sessionKeys(await storedKeys(databaseOf(options), KV))).toEqual(['new']);
  });

  it("evicts when the origin's usage reaches the threshold of its quota", async () => {
    const options = isolatedOptions();
    const now = Date.now();
    await seedKeyValueSessions(databaseOf(options), [
      { id: 'a', timestamp: now - 3 * HOUR, size: 500 },
      { id: 'b', timestamp: now - 2 * HOUR, size: 500 },
    ]);
    const client = track(options, { estimate: async () => ({ usage: 950, quota: 1000 }) });
    const status = await client.getStorageStatus();
    expect(status.storageInfo).toEqual({ usage: 950, quota: 1000, percent: 95 });
    expect(status.estimateAvailable).toBe(true);
    const result = await client.runCleanup();
    expect(result).toMatchObject({ emergencyRun: true, sessionsCleared: 1 });
    expect(sessionKeys(await storedKeys(databaseOf(options), KV))).toEqual(['b']);
  });

  it('deletes nothing and reports a clear error when the database is at a newer version', async () => {
    const options = isolatedOptions();
    await seedKeyValueSessions(databaseOf(options), [{ id: 'old', timestamp: Date.now() - 99 * HOUR, size: 10 }], { version: 4 });
    const client = track(options);
    const result = await client.runCleanup();
    expect(result.success).toBe(false);
    expect(result.sessionsCleared).toBe(0);
    expect(result.error).toMatch(/version 4, newer than version 1/);
    expect(sessionKeys(await storedKeys(databaseOf(options), KV))).toEqual(['old']);
    expect(client.getMetrics()).toMatchObject({ errors: 1 });
    expect((await client.getStorageStatus()).source.status).toBe('unreadable');
  });

  it('joins a run asked for while one is pending', async () => {
    const options = isolatedOptions();
    await seedKeyValueSessions(databaseOf(options), [{ id: 'old', timestamp: Date.now() - 99 * HOUR, size: 10 }]);
    const client = track(options);
    const [a, b] = await Promise.all([client.runCleanup(), client.runCleanup()]);
    expect(a.runId).toBe(b.runId);
  });

  it('keeps metrics across a reload (a new service over the same journal)', async () => {
    const options = isolatedOptions();
    await seedKeyValueSessions(databaseOf(options), [
      { id: 'x', timestamp: Date.now() - 99 * HOUR, size: 10 },
      { id: 'y', timestamp: Date.now() - 99 * HOUR, size: 20 },
    ]);
    const first = createCleanupService(options, { estimate: null });
    await first.runCleanup();
    const before = first.getMetrics();
    await first.close();
    const second = track(options);
    expect(second.getMetrics().sessionsCleared).toBe(0);
    await second.ready;
    expect(second.getMetrics()).toEqual(before);
    expect(before.sessionsCleared).toBe(2);
  });

  it('is closed for good after close()', async () => {
    const client = createCleanupService(isolatedOptions(), { estimate: null });
    await client.close();
    await client.close();
    await expect(client.runCleanup()).rejects.toMatchObject({ code: 'RECLAIM_KERNEL_CLOSED' });
  });
});

describe('createCleanupService on the documented layout', () => {
  it('removes sessions past their last access plus retention', async () => {
    const options = isolatedOptions('chatterbox-recovery', { retentionHours: 12 });
    const now = Date.now();
    await seedDocumentedSessions(databaseOf(options), [
      { id: 'stale', timestamp: now - 20 * HOUR, lastAccessed: now - 13 * HOUR, payload: new Uint8Array(256) },
      { id: 'fresh', timestamp: now - 20 * HOUR, lastAccessed: now - 11 * HOUR, payload: new Uint8Array(256) },
    ]);
    const client = track(options);
    const result = await client.runCleanup();
    expect(result.sessionsCleared).toBe(1);
    expect(result.bytesFreed).toBeGreaterThan(256);
    expect(await storedKeys(databaseOf(options), 'sessions')).toEqual(['fresh']);
  });
});

describe('createScheduledCleanup (browser)', () => {
  it('runs first after one interval, not at start, and stops for good', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const options = isolatedOptions();
    const client = track(options);
    await client.ready;
    const runs: DomainEvent[] = [];
    client.events$.pipe(filter((e) => e.type === 'RunStarted')).subscribe((e) => runs.push(e));
    const scheduled = createScheduledCleanup(client, 1);
    scheduled.start();
    await vi.advanceTimersByTimeAsync(HOUR - 1000);
    expect(runs).toHaveLength(0);
    const completed = firstValueFrom(client.events$.pipe(filter((e) => e.type === 'RunCompleted')));
    await vi.advanceTimersByTimeAsync(1000);
    vi.useRealTimers();
    const event = await completed;
    expect(event.type === 'RunCompleted' && event.data.trigger).toBe('schedule');
    expect(scheduled.status()).toMatchObject({ scheduled: true, runs: 1, intervalHours: 1 });
    scheduled.stop();
    scheduled.stop();
    expect(scheduled.status()).toMatchObject({ scheduled: false, stopped: true });
    expect(() => scheduled.start()).toThrow(/stopped/);
  });

  it('refuses an interval of 0 hours', () => {
    const client = track(isolatedOptions());
    expect(() => createScheduledCleanup(client, 0)).toThrow(/intervalHours/);
  });
});

describe('two tabs (two services over one journal, lock and channel)', () => {
  it('never run at once, see each other’s events, and share metrics', async () => {
    const options = isolatedOptions();
    const now = Date.now();
    await seedKeyValueSessions(
      databaseOf(options),
      Array.from({ length: 60 }, (_, i) => ({ id: `old-${i}`, timestamp: now - 99 * HOUR, size: 100 })),
    );
    const tabA = track(options);
    const tabB = track(options);
    expect(tabA.lockKind).toBe('indexeddb-lease'); // Node has no Web Locks: the fallback runs here.
    await Promise.all([tabA.ready, tabB.ready]);
    const seenByA = tabA.events$.pipe(filter((e) => e.type === 'RunCompleted'), take(2), toArray());
    const seenByB = tabB.events$.pipe(filter((e) => e.type === 'RunCompleted'), take(2), toArray());
    const [eventsA, eventsB, resultA, resultB] = await Promise.all([
      firstValueFrom(seenByA),
      firstValueFrom(seenByB),
      tabA.runCleanup(),
      tabB.runCleanup(),
    ]);
    const spans = [resultA, resultB]
      .map((r) => ({ start: Date.parse(r.startedAt), end: Date.parse(r.startedAt) + r.durationMs }))
      .sort((x, y) => x.start - y.start);
    expect(spans[0]!.end).toBeLessThanOrEqual(spans[1]!.start);
    expect(resultA.sessionsCleared + resultB.sessionsCleared).toBe(60);
    expect(eventsA.map((e) => e.runId).sort()).toEqual([resultA.runId, resultB.runId].sort());
    expect(eventsB.map((e) => e.runId).sort()).toEqual([resultA.runId, resultB.runId].sort());
    await vi.waitFor(() => {
      expect(tabA.getMetrics().sessionsCleared).toBe(60);
      expect(tabB.getMetrics().sessionsCleared).toBe(60);
    });
  });
});
