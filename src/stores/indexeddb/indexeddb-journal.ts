import { openDB, type IDBPDatabase } from 'idb';
import {
  checkEvent,
  EVENT_VERSION,
  isoUtc,
  metricsProjection,
  newEvent,
  replayState,
  ReclaimError,
  runHistoryProjection,
  systemClock,
  usageHistoryProjection,
  type Clock,
  type DomainEvent,
  type Journal,
  type JournalEntry,
  type NewEvent,
} from '../../kernel/index.js';

/** How an {@link IndexedDbJournal} is built. */
export interface IndexedDbJournalOptions {
  /** The journal's own database. Default `reclaim-journal`. */
  readonly databaseName?: string;
  readonly clock?: Clock;
  /** Events read per transaction while replaying. */
  readonly pageSize?: number;
}

const STORE = 'events';
const SCHEMA_VERSION = 1;

/**
 * A journal in IndexedDB (browser), so metrics and run history survive reloads. Events live in
 * the journal's own database, keyed by `seq`. Several tabs may share it: an append reads the
 * highest `seq` and writes after it inside one readwrite transaction, which IndexedDB runs
 * alone, so `seq` stays strictly increasing across tabs. What is read back is checked with
 * `checkEvent`; a foreign or corrupt entry is reported, never trusted.
 *
 * Compaction folds what the database holds (every tab's events, not only this tab's) into one
 * `JournalCompacted` snapshot, in one transaction.
 */
export class IndexedDbJournal implements Journal {
  readonly #name: string;
  readonly #clock: Clock;
  readonly #pageSize: number;
  #db: Promise<IDBPDatabase> | null = null;
  #lastSeq = 0;
  #closed = false;

  constructor(options: IndexedDbJournalOptions = {}) {
    this.#name = options.databaseName ?? 'reclaim-journal';
    this.#clock = options.clock ?? systemClock;
    this.#pageSize = options.pageSize ?? 256;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The journal's database name. */
  get databaseName(): string {
    return this.#name;
  }

  async append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]> {
    if (events.length === 0) return [];
    const db = await this.#open();
    const tx = db.transaction(STORE, 'readwrite');
    const last = await tx.store.openKeyCursor(null, 'prev');
    let seq = Math.max(typeof last?.key === 'number' ? last.key : 0, 0);
    const at = isoUtc(this.#clock.now());
    const sequenced = events.map((event) => ({ ...event, v: EVENT_VERSION, seq: (seq += 1), at }) as DomainEvent);
    for (const event of sequenced) void tx.store.add(event);
    await tx.done;
    this.#lastSeq = Math.max(this.#lastSeq, seq);
    return sequenced;
  }

  async *read(fromSeq = 1): AsyncIterable<JournalEntry> {
    let next = Math.max(1, Math.floor(fromSeq));
    for (;;) {
      const db = await this.#open();
      // One short transaction per page: the consumer may await anything between entries.
      const tx = db.transaction(STORE, 'readonly');
      const [keys, values] = await Promise.all([
        tx.store.getAllKeys(IDBKeyRange.lowerBound(next), this.#pageSize),
        tx.store.getAll(IDBKeyRange.lowerBound(next), this.#pageSize),
      ]);
      await tx.done;
      for (let i = 0; i < values.length; i += 1) {
        const position = Number(keys[i]);
        this.#lastSeq = Math.max(this.#lastSeq, position);
        const check = checkEvent(values[i]);
        yield check.ok && check.event.seq === position
          ? { kind: 'event', event: check.event }
          : { kind: 'invalid', position, reason: check.ok ? `seq ${check.event.seq} stored under key ${position}` : check.reason };
      }
      if (values.length < this.#pageSize) return;
      next = Number(keys[keys.length - 1]) + 1;
    }
  }

  async compact(snapshot: NewEvent<'JournalCompacted'>): Promise<DomainEvent<'JournalCompacted'>> {
    const db = await this.#open();
    const tx = db.transaction(STORE, 'readwrite');
    const stored = await tx.store.getAll();
    const valid: DomainEvent[] = [];
    let throughSeq = 0;
    for (const value of stored) {
      const check = checkEvent(value);
      if (check.ok) valid.push(check.event);
      const seq = (value as { seq?: unknown }).seq;
      if (typeof seq === 'number') throughSeq = Math.max(throughSeq, seq);
    }
    // Other tabs' events are in the database but maybe not in this tab's state: fold the database.
    const state = replayState(valid);
    const event = {
      ...newEvent('JournalCompacted', {
        snapshot: {
          [metricsProjection.name]: state.metrics,
          [runHistoryProjection.name]: state.runHistory,
          [usageHistoryProjection.name]: state.usageHistory,
        },
        throughSeq,
      }),
      ...(snapshot.runId === undefined ? {} : { runId: snapshot.runId }),
      v: EVENT_VERSION,
      seq: throughSeq + 1,
      at: isoUtc(this.#clock.now()),
    } as DomainEvent<'JournalCompacted'>;
    if (throughSeq > 0) void tx.store.delete(IDBKeyRange.upperBound(throughSeq));
    void tx.store.add(event);
    await tx.done;
    this.#lastSeq = Math.max(this.#lastSeq, event.seq);
    return event;
  }

  /** Closes the connection; the journal cannot be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    const db = this.#db;
    this.#db = null;
    if (db !== null) (await db.catch(() => null))?.close();
  }

  #open(): Promise<IDBPDatabase> {
    if (this.#closed) return Promise.reject(new ReclaimError('RECLAIM_JOURNAL_CLOSED', `The journal "${this.#name}" was closed; create a new one.`));
    if (this.#db !== null) return this.#db;
    const opening: Promise<IDBPDatabase> = openDB(this.#name, SCHEMA_VERSION, {
      upgrade(db) {
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'seq' });
      },
      // A newer reclaim in another tab wants to upgrade the journal: step aside, reopen later.
      blocking: (): void => this.#drop(opening),
      terminated: (): void => this.#drop(opening),
    });
    this.#db = opening;
    opening.catch(() => this.#drop(opening));
    return opening;
  }

  #drop(opening: Promise<IDBPDatabase>): void {
    if (this.#db !== opening) return;
    this.#db = null;
    void opening.then((db) => db.close(), () => undefined);
  }
}
