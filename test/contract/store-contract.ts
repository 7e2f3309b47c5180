import { firstValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObservedFile, Store, StoredRecord } from '../../src/kernel/index.js';
import { createKernel } from '../../src/kernel/index.js';
import { expiryPolicy } from '../../src/policies/index.js';

/** A record to seed, in store-neutral terms. Times are epoch milliseconds. */
export interface FixtureRecord {
  readonly id: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly lastAccessAt?: number;
  /** The file the record owns (stores with files). */
  readonly file?: { readonly key: string; readonly size: number; readonly mtimeMs: number };
  /** The record's own size (stores without files). */
  readonly bytes?: number;
}

/** What a store is seeded with. */
export interface ContractFixture {
  readonly records: readonly FixtureRecord[];
  /** Files no record owns (stores with files only). */
  readonly files: readonly { readonly key: string; readonly size: number; readonly mtimeMs: number }[];
}

/** A store under test and how to reopen and clean it. */
export interface StoreHarness {
  readonly store: Store;
  /** Opens a fresh instance over the same storage: what was committed must be there. */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** How a store joins the contract suite. */
export interface StoreContractOptions {
  readonly name: string;
  /** `files`: the store keeps files beside records (server); false for session stores. */
  readonly capabilities: { readonly files: boolean };
  create(fixture: ContractFixture): Promise<StoreHarness>;
}

const HOUR = 3_600_000;

function fixture(now: number, withFiles: boolean): ContractFixture {
  const records: FixtureRecord[] = [
    { id: 'old-1', createdAt: now - 48 * HOUR, expiresAt: now - 24 * HOUR, lastAccessAt: now - 48 * HOUR },
    { id: 'old-2', createdAt: now - 30 * HOUR, expiresAt: now - 6 * HOUR, lastAccessAt: now - 30 * HOUR },
    { id: 'new-1', createdAt: now - 1 * HOUR, expiresAt: now + 23 * HOUR, lastAccessAt: now - 1 * HOUR },
    { id: 'new-2', createdAt: now - 2 * HOUR, expiresAt: now + 22 * HOUR, lastAccessAt: now - 2 * HOUR },
  ].map((r, i) =>
    withFiles
      ? { ...r, file: { key: `${r.id}.wav`, size: 1000 * (i + 1), mtimeMs: r.createdAt } }
      : { ...r, bytes: 1000 * (i + 1) },
  );
  const files = withFiles ? [{ key: 'stray.wav', size: 777, mtimeMs: now - 5 * HOUR }] : [];
  return { records, files };
}

async function ids(store: Store): Promise<string[]> {
  const snapshot = await store.loadRecords();
  return snapshot.records.map((r) => r.id).sort();
}

async function scan(store: Store): Promise<ObservedFile[]> {
  if (store.scanFiles === undefined) return [];
  return firstValueFrom(store.scanFiles().pipe(toArray()));
}

/**
 * The store contract: every store (memory, JSON token file with folder, IndexedDB, …) passes
 * these tests, so the kernel can rely on the port's meaning whatever is behind it.
 */
export function runStoreContract(options: StoreContractOptions): void {
  const withFiles = options.capabilities.files;

  describe(`store contract: ${options.name}`, () => {
    const now = Date.now();
    const data = fixture(now, withFiles);
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await options.create(data);
      store = harness.store;
    });
    afterEach(async () => {
      await store.close?.();
      await harness.cleanup();
    });

    it('loads every seeded record with its times and size', async () => {
      const snapshot = await store.loadRecords();
      expect(snapshot.source.status).toBe('ok');
      expect(snapshot.rejected).toEqual([]);
      const byId = new Map<string, StoredRecord>(snapshot.records.map((r) => [r.id, r]));
      expect([...byId.keys()].sort()).toEqual(data.records.map((r) => r.id).sort());
      for (const seeded of data.records) {
        const record = byId.get(seeded.id) as StoredRecord;
        expect(record.createdAt).toBe(seeded.createdAt);
        if (withFiles) {
          expect(record.file?.exists).toBe(true);
          expect(record.file?.inRoot).toBe(true);
          expect(record.file?.size).toBe(seeded.file?.size);
          expect(record.bytes).toBe(seeded.file?.size);
        } else {
          expect(record.bytes).toBe(seeded.bytes);
        }
      }
    });

    it('measures usage as the sum of what it holds', async () => {
      const usage = await store.measure();
      const expected = withFiles
        ? data.records.reduce((s, r) => s + (r.file?.size ?? 0), 0) + data.files.reduce((s, f) => s + f.size, 0)
        : data.records.reduce((s, r) => s + (r.bytes ?? 0), 0);
      expect(usage.usedBytes).toBe(expected);
    });

    it('removes a record with what it owns, and a second removal finds it gone', async () => {
      const seeded = data.records[0] as FixtureRecord;
      const before = await store.measure();
      const target = withFiles
        ? { kind: 'record' as const, id: seeded.id, file: seeded.file?.key as string }
        : { kind: 'record' as const, id: seeded.id };
      const result = await store.remove(target);
      const size = withFiles ? (seeded.file?.size as number) : (seeded.bytes as number);
      expect(result).toEqual({ status: 'deleted', records: 1, files: withFiles ? 1 : 0, bytes: size });
      expect(await store.remove(target)).toEqual({ status: 'gone' });
      await store.commit?.();
      expect(await ids(store)).not.toContain(seeded.id);
      const after = await store.measure();
      expect(after.usedBytes).toBe(before.usedBytes - size);
      if (withFiles) expect((await scan(store)).map((f) => f.key)).not.toContain(seeded.file?.key);
    });

    it('reports an unknown record as gone, not as an error', async () => {
      expect(await store.remove({ kind: 'record', id: 'no-such-record' })).toEqual({ status: 'gone' });
    });

    it('keeps removals after a commit, and everything else intact, when reopened', async () => {
      const [first, , third] = data.records as FixtureRecord[];
      for (const seeded of [first, third] as FixtureRecord[]) {
        const target = withFiles
          ? { kind: 'record' as const, id: seeded.id, file: seeded.file?.key as string }
          : { kind: 'record' as const, id: seeded.id };
        await store.remove(target);
      }
      await store.commit?.();
      await store.close?.();
      store = await harness.reopen();
      expect(await ids(store)).toEqual(data.records.filter((r) => r !== first && r !== third).map((r) => r.id).sort());
    });

    it('lets the kernel expire what is past its time and keep the rest', async () => {
      const kernel = createKernel({
        store,
        policies: [{ policy: expiryPolicy, options: { retentionHours: 24, basis: withFiles ? 'token' : 'last-access' } }],
      });
      const result = await kernel.run();
      expect(result.success).toBe(true);
      expect(result.totals.records).toBe(2);
      expect(await ids(store)).toEqual(['new-1', 'new-2']);
    });

    if (withFiles) {
      it('scans every file with its size and mtime', async () => {
        const files = await scan(store);
        const byKey = new Map(files.map((f) => [f.key, f]));
        for (const f of [...data.records.map((r) => r.file as NonNullable<FixtureRecord['file']>), ...data.files]) {
          const seen = byKey.get(f.key);
          expect(seen?.size).toBe(f.size);
          expect(seen?.type).toBe('file');
          expect(Math.abs((seen?.mtimeMs ?? 0) - f.mtimeMs)).toBeLessThan(1000);
        }
      });

      it('removes a file by key once, then reports it gone', async () => {
        const stray = data.files[0] as ContractFixture['files'][number];
        expect(await store.remove({ kind: 'file', path: stray.key })).toEqual({ status: 'deleted', records: 0, files: 1, bytes: stray.size });
        expect(await store.remove({ kind: 'file', path: stray.key })).toEqual({ status: 'gone' });
        expect((await scan(store)).map((f) => f.key)).not.toContain(stray.key);
      });
    }
  });
}
