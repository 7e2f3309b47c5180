import type { DomainEvent, NewEvent } from './events.js';

/** One entry read back from a journal: a valid event, or a line that was reported and not trusted. */
export type JournalEntry =
  | { readonly kind: 'event'; readonly event: DomainEvent }
  | { readonly kind: 'invalid'; readonly position: number; readonly reason: string };

/**
 * The journal port: an append-only log of domain events. `append` gives each event the next
 * `seq` and an `at`; `read` yields entries from a seq on, in order. Implementations: the
 * in-memory journal here, a JSON-lines file (Node), IndexedDB (browser).
 */
export interface Journal {
  /** The seq of the last event appended or read, 0 when empty. */
  readonly lastSeq: number;
  /**
   * Appends events in order and resolves with them sequenced once they are written (at least to
   * the operating system, so they survive a process crash).
   */
  append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]>;
  /** Yields every entry with `seq >= fromSeq` (default 1), in order. */
  read(fromSeq?: number): AsyncIterable<JournalEntry>;
  /**
   * Replaces everything up to now with one `JournalCompacted` event carrying the projections'
   * state, keeping the journal bounded. Optional: journals that never grow may leave it out.
   */
  compact?(snapshot: NewEvent<'JournalCompacted'>): Promise<DomainEvent<'JournalCompacted'>>;
  /** Bytes or entries held, whichever the journal counts; used to decide when to compact. */
  size?(): number;
  /** Flushes and releases resources. */
  close?(): Promise<void>;
}
