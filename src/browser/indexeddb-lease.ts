import { openDB, type IDBPDatabase } from 'idb';
import { ReclaimError } from '../kernel/index.js';

/** Options of {@link IndexedDbLease}. */
export interface IndexedDbLeaseOptions {
  /** The database holding leases. Default `reclaim-locks`. */
  readonly databaseName?: string;
  /** A holder that stops renewing (its tab died) loses the lease after this long. Default 10 s. */
  readonly ttlMs?: number;
  /** Wait between attempts while another holder has it. Default 50 ms. */
  readonly pollMs?: number;
}

interface LeaseRecord {
  readonly name: string;
  readonly owner: string;
  readonly expiresAt: number;
}

const STORE = 'leases';

function randomOwner(): string {
  const uuid = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto?.randomUUID?.();
  return uuid ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * A cross-tab mutual exclusion for browsers without Web Locks: a lease record in IndexedDB,
 * taken and released in readwrite transactions (IndexedDB runs those one at a time per store,
 * so two tabs never both take it). The holder renews it every third of the TTL; a tab that
 * died stops renewing and its lease expires, so a crash never blocks cleanup for good.
 *
 * The price of the fallback: waiting is by polling, and a holder frozen longer than the TTL
 * (a background tab the browser suspended) can lose the lease while still running.
 */
export class IndexedDbLease {
  readonly #databaseName: string;
  readonly #ttlMs: number;
  readonly #pollMs: number;

  constructor(options: IndexedDbLeaseOptions = {}) {
    this.#databaseName = options.databaseName ?? 'reclaim-locks';
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#pollMs = options.pollMs ?? 50;
  }

  /**
   * Runs `work` while holding the lease `name`, waiting for it first. Gives up with
   * `RECLAIM_LOCK_TIMEOUT` after `timeoutMs` of waiting.
   */
  async run<T>(name: string, work: () => Promise<T>, timeoutMs = Number.POSITIVE_INFINITY): Promise<T> {
    const db = await this.#open();
    // One owner per acquisition: two waits in one tab must exclude each other too.
    const owner = randomOwner();
    try {
      const deadline = Date.now() + timeoutMs;
      while (!(await this.#tryTake(db, name, owner))) {
        if (Date.now() >= deadline) {
          throw new ReclaimError('RECLAIM_LOCK_TIMEOUT', `Another tab held the cleanup lease "${name}" for more than ${timeoutMs} ms; try again later.`);
        }
        await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
      }
      const renew = setInterval(() => void this.#renew(db, name, owner).catch(() => undefined), Math.max(10, this.#ttlMs / 3));
      try {
        return await work();
      } finally {
        clearInterval(renew);
        await this.#release(db, name, owner);
      }
    } finally {
      db.close();
    }
  }

  #open(): Promise<IDBPDatabase> {
    return openDB(this.#databaseName, 1, {
      upgrade(db) {
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: 'name' });
      },
    });
  }

  async #tryTake(db: IDBPDatabase, name: string, owner: string): Promise<boolean> {
    const tx = db.transaction(STORE, 'readwrite');
    const current = (await tx.store.get(name)) as LeaseRecord | undefined;
    const now = Date.now();
    const free = current === undefined || current.expiresAt <= now;
    if (free) void tx.store.put({ name, owner, expiresAt: now + this.#ttlMs } satisfies LeaseRecord);
    await tx.done;
    return free;
  }

  async #renew(db: IDBPDatabase, name: string, owner: string): Promise<void> {
    const tx = db.transaction(STORE, 'readwrite');
    const current = (await tx.store.get(name)) as LeaseRecord | undefined;
    if (current?.owner === owner) void tx.store.put({ ...current, expiresAt: Date.now() + this.#ttlMs });
    await tx.done;
  }

  async #release(db: IDBPDatabase, name: string, owner: string): Promise<void> {
    const tx = db.transaction(STORE, 'readwrite');
    const current = (await tx.store.get(name)) as LeaseRecord | undefined;
    if (current?.owner === owner) void tx.store.delete(name);
    await tx.done;
  }
}
