import type { DomainEvent, Journal, JournalEntry, NewEvent } from '../kernel/index.js';

/**
 * A journal that opens on first use. The service factory is synchronous (as documented), while
 * opening a file journal is not: every call waits for the open, and an open failure (e.g. the
 * journal is locked by another process) surfaces on the first call, i.e. on `ready`.
 */
export class LazyJournal implements Journal {
  readonly #opening: Promise<Journal>;
  #journal: Journal | undefined;

  constructor(open: () => Promise<Journal>) {
    this.#opening = open().then((journal) => (this.#journal = journal));
    // The failure is reported through the first awaited call; do not crash the process here.
    this.#opening.catch(() => undefined);
  }

  /** Resolves with the opened journal. */
  opened(): Promise<Journal> {
    return this.#opening;
  }

  get lastSeq(): number {
    return this.#journal?.lastSeq ?? 0;
  }

  async append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]> {
    return (await this.#opening).append(events);
  }

  async *read(fromSeq?: number): AsyncIterable<JournalEntry> {
    yield* (await this.#opening).read(fromSeq);
  }

  async compact(snapshot: NewEvent<'JournalCompacted'>): Promise<DomainEvent<'JournalCompacted'>> {
    const journal = await this.#opening;
    if (journal.compact === undefined) throw new Error('this journal cannot compact');
    return journal.compact(snapshot);
  }

  size(): number {
    return this.#journal?.size?.() ?? 0;
  }

  async close(): Promise<void> {
    const journal = await this.#opening.catch(() => undefined);
    await journal?.close?.();
  }
}
