import type { IDBPDatabase } from 'idb';
import type { RecordSnapshot, RejectedEntry, RemovalResult, Store, StoredRecord, Target, Usage } from '../../kernel/index.js';
import { openExistingDatabase, type ExistingDatabase } from './open-existing-database.js';
import type { SessionLayout } from './session-layout.js';
import { activeSessionIdOf, readSession, recordSize, sessionIdOf, sessionKeyOf } from './session-record.js';
import { defaultEstimator, readOriginEstimate, type OriginEstimate, type StorageEstimator } from './storage-estimate.js';

/** How an {@link IndexedDbSessionStore} is built. */
export interface IndexedDbSessionStoreOptions {
  /** Where the sessions are and how to read them (see the presets). */
  readonly layout: SessionLayout;
  /** The sessions' byte limit (`maxStorageMB` × 1,048,576), reported with every measurement. */
  readonly limitBytes: number | null;
  /** The origin estimate; defaults to `navigator.storage.estimate` when present. Null: none. */
  readonly estimate?: StorageEstimator;
  /** Extra key filter on top of the layout's prefix: return false to leave a record alone. */
  readonly keyFilter?: (key: IDBValidKey) => boolean;
  /** The host's own notion of the active session (e.g. from app state); it is protected too. */
  readonly activeSessionId?: () => string | null | undefined;
}

/** Usage and records read together, as a status page wants them. */
export interface SessionInspection {
  readonly usage: Usage;
  readonly snapshot: RecordSnapshot;
  /** The origin estimate, when the environment gives one. */
  readonly estimate: OriginEstimate | null;
}

function activeSet(...ids: readonly (string | undefined)[]): ReadonlySet<string> {
  return new Set(ids.filter((id): id is string => id !== undefined));
}

interface SessionScan {
  readonly records: StoredRecord[];
  readonly rejected: RejectedEntry[];
  readonly bytes: number;
}

/**
 * The IndexedDB session store (browser): reads an app's recovery sessions through a
 * {@link SessionLayout} and deletes them one readwrite transaction at a time. It never creates
 * or upgrades the app's database; a newer version or a missing store makes `loadRecords`
 * report the source unreadable, so nothing is deleted. Connections are shared by overlapping
 * calls and closed as soon as none is using them, and they close themselves when the app
 * upgrades its database. The storage estimate is always read before a transaction opens.
 *
 * Removal re-checks, in the deleting transaction, that the session is still not the active one
 * and was not used since it was read: a session the user opened meanwhile is kept (the deletion
 * fails with `SESSION_ACTIVE` or `SESSION_IN_USE`).
 *
 * @example
 * const store = new IndexedDbSessionStore({ layout: resolveSessionLayout('chatterbox-storage'), limitBytes: 100 * 1_048_576 });
 * const { records } = await store.loadRecords();
 */
export class IndexedDbSessionStore implements Store {
  readonly name = 'indexeddb';
  readonly #layout: SessionLayout;
  readonly #limitBytes: number | null;
  readonly #estimator: StorageEstimator;
  readonly #keyFilter: (key: IDBValidKey) => boolean;
  readonly #hostActiveId: () => string | null | undefined;
  /** Last-access (else timestamp) of each session when it was last read, to spot use since. */
  readonly #seenAt = new Map<string, number>();
  #connection: Promise<ExistingDatabase> | null = null;
  #users = 0;
  #assumeOriginFull = false;

  constructor(options: IndexedDbSessionStoreOptions) {
    this.#layout = options.layout;
    this.#limitBytes = options.limitBytes;
    this.#estimator = options.estimate === undefined ? defaultEstimator() : options.estimate;
    this.#keyFilter = options.keyFilter ?? (() => true);
    this.#hostActiveId = options.activeSessionId ?? (() => undefined);
  }

  /** The layout this store reads. */
  get layout(): SessionLayout {
    return this.#layout;
  }

  /**
   * While on, measurements report the origin at its quota (a write just failed with
   * `QuotaExceededError`, whatever the estimate says), so the emergency policy frees space.
   */
  assumeOriginFull(on: boolean): void {
    this.#assumeOriginFull = on;
  }

  async loadRecords(): Promise<RecordSnapshot> {
    return (await this.inspect({ estimate: false })).snapshot;
  }

  async measure(): Promise<Usage> {
    return (await this.inspect()).usage;
  }

  /** Reads the estimate, then every session in one read transaction: usage and records together. */
  async inspect(options: { readonly estimate?: boolean } = {}): Promise<SessionInspection> {
    // Before any transaction: awaiting something else inside one would let it close.
    const estimate = options.estimate === false ? null : await readOriginEstimate(this.#estimator);
    const hostActive = this.#hostActiveId() ?? undefined;
    return this.#withDatabase(async (opened) => {
      if (opened.status !== 'open') {
        const snapshot: RecordSnapshot = { source: opened, records: [], rejected: [] };
        return { usage: this.#usage(0, estimate), snapshot, estimate };
      }
      const scan = await this.#scan(opened.db, hostActive);
      for (const record of scan.records) this.#seenAt.set(record.id, record.lastAccessAt ?? record.createdAt ?? 0);
      const snapshot: RecordSnapshot = { source: { status: 'ok' }, records: scan.records, rejected: scan.rejected };
      return { usage: this.#usage(scan.bytes, estimate), snapshot, estimate };
    });
  }

  async remove(target: Target): Promise<RemovalResult> {
    if (target.kind === 'file') {
      return { status: 'failed', code: 'RECLAIM_UNSUPPORTED', message: `the IndexedDB session store keeps no files (asked to delete "${target.path}")` };
    }
    const hostActive = this.#hostActiveId() ?? undefined;
    return this.#withDatabase(async (opened) => {
      if (opened.status !== 'open') {
        return { status: 'failed', code: 'RECLAIM_STORE_FAILED', message: `session ${target.id} not deleted: ${opened.reason}` };
      }
      return this.#removeSession(opened.db, target.id, hostActive);
    });
  }

  /** Waits for calls in flight; their connection closes when the last one ends. */
  async close(): Promise<void> {
    const pending = this.#connection;
    if (pending !== null) await pending.catch(() => undefined);
  }

  #usage(sessionBytes: number, estimate: OriginEstimate | null): Usage {
    const quota = estimate?.quota ?? (this.#assumeOriginFull ? this.#limitBytes : null);
    const origin = this.#assumeOriginFull && quota !== null ? Math.max(estimate?.usage ?? 0, quota) : (estimate?.usage ?? null);
    return { usedBytes: sessionBytes, limitBytes: this.#limitBytes, originUsageBytes: origin, quotaBytes: quota };
  }

  async #scan(db: IDBPDatabase, hostActive: string | undefined): Promise<SessionScan> {
    const layout = this.#layout;
    const tx = db.transaction(layout.storeName, 'readonly');
    const activeRecord = layout.activeSessionKey === null ? undefined : await tx.store.get(layout.activeSessionKey);
    const activeIds = activeSet(activeRecord === undefined ? undefined : activeSessionIdOf(activeRecord, layout), hostActive);
    const records: StoredRecord[] = [];
    const rejected: RejectedEntry[] = [];
    let bytes = 0;
    for (let cursor = await tx.store.openCursor(this.#range()); cursor !== null; cursor = await cursor.continue()) {
      const id = sessionIdOf(cursor.primaryKey, layout);
      if (id === undefined || !this.#keyFilter(cursor.primaryKey)) continue;
      const reading = readSession(id, cursor.value, layout, activeIds);
      if (reading.ok) {
        records.push(reading.record);
        bytes += reading.record.bytes;
      } else {
        rejected.push(reading.entry);
        bytes += recordSize(cursor.value, layout);
      }
    }
    await tx.done;
    return { records, rejected, bytes };
  }

  async #removeSession(db: IDBPDatabase, id: string, hostActive: string | undefined): Promise<RemovalResult> {
    const layout = this.#layout;
    const key = sessionKeyOf(id, layout);
    if (sessionIdOf(key, layout) !== id || !this.#keyFilter(key)) {
      return { status: 'failed', code: 'RECLAIM_STORE_FAILED', message: `"${id}" is not a session key of this layout; nothing deleted` };
    }
    const tx = db.transaction(layout.storeName, 'readwrite');
    const [value, activeRecord] = await Promise.all([
      tx.store.get(key),
      layout.activeSessionKey === null ? Promise.resolve(undefined) : tx.store.get(layout.activeSessionKey),
    ]);
    if (value === undefined) {
      await tx.done;
      return { status: 'gone' };
    }
    const activeIds = activeSet(activeRecord === undefined ? undefined : activeSessionIdOf(activeRecord, layout), hostActive);
    if (activeIds.has(id)) {
      await tx.done;
      return { status: 'failed', code: 'SESSION_ACTIVE', message: `session ${id} is the active session now; it was kept` };
    }
    const reading = readSession(id, value, layout, activeIds);
    const seen = this.#seenAt.get(id);
    const now = reading.ok ? (reading.record.lastAccessAt ?? reading.record.createdAt ?? 0) : 0;
    if (seen !== undefined && now > seen) {
      await tx.done;
      return { status: 'failed', code: 'SESSION_IN_USE', message: `session ${id} was used after this run read it; it was kept` };
    }
    const bytes = recordSize(value, layout);
    await tx.store.delete(key);
    await tx.done;
    this.#seenAt.delete(id);
    return { status: 'deleted', records: 1, files: 0, bytes };
  }

  #range(): IDBKeyRange | undefined {
    const prefix = this.#layout.keyPrefix;
    // '\uffff' sorts after every character a key can continue with.
    return prefix === '' ? undefined : IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  }

  /** Runs `use` with a connection shared by overlapping calls; the last one out closes it. */
  async #withDatabase<T>(use: (opened: ExistingDatabase) => Promise<T>): Promise<T> {
    this.#users += 1;
    const connection = (this.#connection ??= openExistingDatabase(this.#layout));
    try {
      return await use(await connection);
    } finally {
      this.#users -= 1;
      if (this.#users === 0 && this.#connection === connection) {
        this.#connection = null;
        const opened = await connection;
        if (opened.status === 'open') opened.db.close();
      }
    }
  }
}
