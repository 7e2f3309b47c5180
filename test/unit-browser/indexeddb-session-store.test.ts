import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import {
  CHATTERBOX_RECOVERY_LAYOUT,
  CHATTERBOX_STORAGE_LAYOUT,
  IndexedDbSessionStore,
  resolveSessionLayout,
  type SessionLayout,
} from '../../src/stores/indexeddb/index.js';
import { isReclaimError, type StoredRecord } from '../../src/kernel/index.js';
import { databaseVersion, seedDocumentedSessions, seedKeyValueSessions, storedKeys, uniqueName } from './support/seed-sessions.js';

const HOUR = 3_600_000;
const now = Date.now();

function kvLayout(databaseName: string): SessionLayout {
  return { ...CHATTERBOX_STORAGE_LAYOUT, databaseName };
}

function docLayout(databaseName: string): SessionLayout {
  return { ...CHATTERBOX_RECOVERY_LAYOUT, databaseName };
}

function byId(records: readonly StoredRecord[]): Map<string, StoredRecord> {
  return new Map(records.map((r) => [r.id, r]));
}

describe('IndexedDbSessionStore, key-value layout (ChatterboxStorage)', () => {
  it('reads sessions under cbx_recovery_session_*, protects the active one, ignores other keys', async () => {
    const name = uniqueName('kv');
    await seedKeyValueSessions(
      name,
      [
        { id: 'a', timestamp: now - 30 * HOUR, lastAccessed: now - 29 * HOUR, size: 1234 },
        { id: 'b', timestamp: now - 2 * HOUR, size: 99 },
        { id: 'c', timestamp: now - 50 * HOUR, size: 10, pinned: true },
      ],
      { activeId: 'b', extra: { cbx_settings: { theme: 'dark' }, other_key: 'x' } },
    );
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: 1000, estimate: null });
    const snapshot = await store.loadRecords();
    expect(snapshot.source).toEqual({ status: 'ok' });
    const records = byId(snapshot.records);
    expect([...records.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(records.get('a')).toEqual({ id: 'a', kind: 'session', bytes: 1234, createdAt: now - 30 * HOUR, lastAccessAt: now - 29 * HOUR });
    expect(records.get('b')?.protectedBy).toBe('active');
    expect(records.get('c')?.protectedBy).toBe('pinned');
    expect((await store.measure()).usedBytes).toBe(1234 + 99 + 10);
  });

  it('accepts the active session named by its full key', async () => {
    const name = uniqueName('kv-fullkey');
    await seedKeyValueSessions(name, [{ id: 'x', timestamp: now }], { activeId: 'cbx_recovery_session_x' });
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    expect((await store.loadRecords()).records[0]?.protectedBy).toBe('active');
  });

  it('counts real sizes when none is stored: Blob.size, byte lengths, UTF-8 text', async () => {
    const name = uniqueName('kv-sizes');
    await seedKeyValueSessions(name, [
      { id: 'blob', timestamp: now, value: new Blob([new Uint8Array(12345)]) },
      { id: 'u8', timestamp: now, value: new Uint8Array(1000) },
      { id: 'f64', timestamp: now, value: new Float64Array(100) },
      { id: 'ab', timestamp: now, value: new ArrayBuffer(4096) },
      { id: 'text', timestamp: now, value: 'héllo wörld €' },
      { id: 'nested', timestamp: now, value: { chunks: [new Blob(['x'.repeat(100)]), new Uint16Array(50)] } },
    ]);
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    const records = byId((await store.loadRecords()).records);
    expect(records.get('blob')?.bytes).toBe(12345);
    expect(records.get('u8')?.bytes).toBe(1000);
    expect(records.get('f64')?.bytes).toBe(800);
    expect(records.get('ab')?.bytes).toBe(4096);
    expect(records.get('text')?.bytes).toBe(new TextEncoder().encode('héllo wörld €').length);
    expect(records.get('nested')?.bytes).toBe('chunks'.length + 100 + 100);
  });

  it('rejects a session without any usable time and keeps it', async () => {
    const name = uniqueName('kv-notime');
    await seedKeyValueSessions(name, [{ id: 'undated', size: 5 }, { id: 'dated', timestamp: now, size: 7 }]);
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    const snapshot = await store.loadRecords();
    expect(snapshot.records.map((r) => r.id)).toEqual(['dated']);
    expect(snapshot.rejected).toHaveLength(1);
    expect(snapshot.rejected[0]?.id).toBe('undated');
    expect(snapshot.rejected[0]?.reason).toMatch(/no usable time/);
    expect((await store.measure()).usedBytes).toBe(12);
  });

  it('refuses to delete the session that became active after it was read', async () => {
    const name = uniqueName('kv-race');
    await seedKeyValueSessions(name, [{ id: 'old', timestamp: now - 99 * HOUR, size: 1 }]);
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    await store.loadRecords();
    await seedKeyValueSessions(name, [], { activeId: 'old' });
    const result = await store.remove({ kind: 'record', id: 'old' });
    expect(result).toMatchObject({ status: 'failed', code: 'SESSION_ACTIVE' });
    expect(await storedKeys(name, 'keyValueStore')).toContain('cbx_recovery_session_old');
  });

  it('refuses to delete a session used after it was read', async () => {
    const name = uniqueName('kv-touched');
    await seedKeyValueSessions(name, [{ id: 's', timestamp: now - 99 * HOUR, size: 1 }]);
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    await store.loadRecords();
    await seedKeyValueSessions(name, [{ id: 's', timestamp: now, size: 1 }]);
    expect(await store.remove({ kind: 'record', id: 's' })).toMatchObject({ status: 'failed', code: 'SESSION_IN_USE' });
  });

  it('never deletes a record outside the key filter', async () => {
    const name = uniqueName('kv-filter');
    await seedKeyValueSessions(name, [{ id: 'keep-me', timestamp: now, size: 1 }, { id: 'go', timestamp: now, size: 2 }], {
      extra: { cbx_settings: 1 },
    });
    const store = new IndexedDbSessionStore({
      layout: kvLayout(name),
      limitBytes: null,
      estimate: null,
      keyFilter: (key) => key !== 'cbx_recovery_session_keep-me',
    });
    expect((await store.loadRecords()).records.map((r) => r.id)).toEqual(['go']);
    expect(await store.remove({ kind: 'record', id: 'keep-me' })).toMatchObject({ status: 'failed' });
    expect(await storedKeys(name, 'keyValueStore')).toContain('cbx_recovery_session_keep-me');
  });
});

describe('IndexedDbSessionStore, documented layout (chatterbox-recovery)', () => {
  it('reads sessions keyed by id with timestamp and lastAccessed, and deletes them', async () => {
    const name = uniqueName('doc');
    await seedDocumentedSessions(name, [
      { id: 's1', timestamp: now - 40 * HOUR, lastAccessed: now - 30 * HOUR, size: 500 },
      { id: 's2', timestamp: now - 1 * HOUR, payload: new Uint8Array(64) },
    ]);
    const store = new IndexedDbSessionStore({ layout: docLayout(name), limitBytes: null, estimate: null });
    const records = byId((await store.loadRecords()).records);
    expect(records.get('s1')).toEqual({ id: 's1', kind: 'session', bytes: 500, createdAt: now - 40 * HOUR, lastAccessAt: now - 30 * HOUR });
    // The whole record is measured: its keys and fields as UTF-8 and numbers, its binary by length.
    expect(records.get('s2')?.bytes).toBe('id'.length + 's2'.length + 'timestamp'.length + 8 + 'audio'.length + 64);
    expect(await store.remove({ kind: 'record', id: 's1' })).toEqual({ status: 'deleted', records: 1, files: 0, bytes: 500 });
    expect(await storedKeys(name, 'sessions')).toEqual(['s2']);
  });

  it('protects the session the host names active', async () => {
    const name = uniqueName('doc-host-active');
    await seedDocumentedSessions(name, [{ id: 'mine', timestamp: now - 99 * HOUR, size: 1 }]);
    const store = new IndexedDbSessionStore({ layout: docLayout(name), limitBytes: null, estimate: null, activeSessionId: () => 'mine' });
    expect((await store.loadRecords()).records[0]?.protectedBy).toBe('active');
    expect(await store.remove({ kind: 'record', id: 'mine' })).toMatchObject({ status: 'failed', code: 'SESSION_ACTIVE' });
  });
});

describe('IndexedDbSessionStore, databases it must not touch', () => {
  it('reports a database at a newer version as unreadable, with the versions, and leaves it alone', async () => {
    const name = uniqueName('newer');
    await seedKeyValueSessions(name, [{ id: 'old', timestamp: now - 99 * HOUR, size: 1 }], { version: 3 });
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    const snapshot = await store.loadRecords();
    expect(snapshot.source.status).toBe('unreadable');
    expect(snapshot.source.status === 'unreadable' && snapshot.source.reason).toMatch(/version 3, newer than version 1/);
    expect(snapshot.records).toEqual([]);
    expect(await store.remove({ kind: 'record', id: 'old' })).toMatchObject({ status: 'failed' });
    expect(await databaseVersion(name)).toBe(3);
    expect(await storedKeys(name, 'keyValueStore')).toEqual(['cbx_recovery_session_old']);
  });

  it('reports a database without the object store as unreadable, naming the stores it has', async () => {
    const name = uniqueName('nostore');
    const db = await openDB(name, 1, { upgrade: (d) => void d.createObjectStore('somethingElse') });
    db.close();
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    const snapshot = await store.loadRecords();
    expect(snapshot.source.status === 'unreadable' && snapshot.source.reason).toMatch(/no object store "keyValueStore".*"somethingElse"/);
  });

  it('reports a missing database as missing and does not create it', async () => {
    const name = uniqueName('absent');
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: 10, estimate: null });
    expect((await store.loadRecords()).source.status).toBe('missing');
    expect(await store.measure()).toEqual({ usedBytes: 0, limitBytes: 10, originUsageBytes: null, quotaBytes: null });
    expect(await databaseVersion(name)).toBeNull();
  });

  it('closes every connection: the app can upgrade its database right after', async () => {
    const name = uniqueName('closed');
    await seedKeyValueSessions(name, [{ id: 'a', timestamp: now - 99 * HOUR, size: 1 }, { id: 'b', timestamp: now, size: 1 }]);
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    await store.loadRecords();
    await store.measure();
    await Promise.all([store.remove({ kind: 'record', id: 'a' }), store.remove({ kind: 'record', id: 'zzz' })]);
    let blocked = false;
    const upgraded = await openDB(name, 2, { blocked: () => void (blocked = true) });
    expect(blocked).toBe(false);
    expect(upgraded.version).toBe(2);
    upgraded.close();
  });

  it('steps aside when the app upgrades while a read is open', async () => {
    const name = uniqueName('versionchange');
    await seedKeyValueSessions(name, [{ id: 'a', timestamp: now, size: 1 }]);
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: null, estimate: null });
    const reading = store.loadRecords();
    let blocked = false;
    const upgrading = openDB(name, 2, { blocked: () => void (blocked = true) });
    await reading;
    (await upgrading).close();
    expect(blocked).toBe(false);
  });
});

describe('IndexedDbSessionStore, storage estimate', () => {
  it('reads the estimate before any transaction opens, and reports it', async () => {
    const name = uniqueName('estimate');
    await seedKeyValueSessions(name, [{ id: 'a', timestamp: now, size: 10 }]);
    const log: string[] = [];
    const realOpen = indexedDB.open.bind(indexedDB);
    const spied = Object.assign(Object.create(Object.getPrototypeOf(indexedDB) as object) as IDBFactory, indexedDB);
    spied.open = (...args: Parameters<IDBFactory['open']>) => {
      log.push('open');
      return realOpen(...args);
    };
    const original = globalThis.indexedDB;
    globalThis.indexedDB = spied;
    try {
      const store = new IndexedDbSessionStore({
        layout: kvLayout(name),
        limitBytes: 100,
        estimate: async () => {
          log.push('estimate:start');
          // A macrotask: a transaction opened before this would have auto-closed meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 5));
          log.push('estimate:end');
          return { usage: 500, quota: 1000 };
        },
      });
      expect(await store.measure()).toEqual({ usedBytes: 10, limitBytes: 100, originUsageBytes: 500, quotaBytes: 1000 });
      expect(log).toEqual(['estimate:start', 'estimate:end', 'open']);
    } finally {
      globalThis.indexedDB = original;
    }
  });

  it('treats a failing or partial estimate as none', async () => {
    const name = uniqueName('estimate-bad');
    await seedKeyValueSessions(name, [{ id: 'a', timestamp: now, size: 10 }]);
    for (const estimate of [async () => Promise.reject(new Error('denied')), async () => ({ usage: 5 })]) {
      const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: 100, estimate });
      expect(await store.measure()).toMatchObject({ originUsageBytes: null, quotaBytes: null });
    }
  });

  it('reports the origin at its quota while told a write hit QuotaExceededError', async () => {
    const name = uniqueName('estimate-full');
    await seedKeyValueSessions(name, [{ id: 'a', timestamp: now, size: 10 }]);
    const store = new IndexedDbSessionStore({ layout: kvLayout(name), limitBytes: 100, estimate: null });
    store.assumeOriginFull(true);
    expect(await store.measure()).toMatchObject({ originUsageBytes: 100, quotaBytes: 100 });
    store.assumeOriginFull(false);
    expect(await store.measure()).toMatchObject({ originUsageBytes: null, quotaBytes: null });
  });
});

describe('resolveSessionLayout', () => {
  it('resolves presets by name and overrides', () => {
    expect(resolveSessionLayout('chatterbox-recovery')).toEqual(CHATTERBOX_RECOVERY_LAYOUT);
    expect(resolveSessionLayout(undefined)).toEqual(CHATTERBOX_STORAGE_LAYOUT);
    expect(resolveSessionLayout({ preset: 'chatterbox-recovery', databaseName: 'mine' })).toEqual({ ...CHATTERBOX_RECOVERY_LAYOUT, databaseName: 'mine' });
  });

  it('names each bad field', () => {
    try {
      resolveSessionLayout({ version: 0, storeName: '', preset: 'nope' as never });
      expect.unreachable();
    } catch (error) {
      expect(isReclaimError(error, 'RECLAIM_INVALID_CONFIG')).toBe(true);
      const fields = (error as { fields: { field: string }[] }).fields.map((f) => f.field).sort();
      expect(fields).toEqual(['store.preset', 'store.storeName', 'store.version']);
    }
  });
});
