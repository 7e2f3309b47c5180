import { systemClock, isoUtc, type Clock } from './clock.js';
import { EVENT_VERSION, type DomainEvent, type NewEvent } from './events.js';
import type { Journal, JournalEntry } from './journal.js';

/**
 * An in-memory journal: for tests, embedding, and hosts that keep no history across restarts.
 * Compaction drops what came before the snapshot, as a persistent journal does.
 */
export class MemoryJournal implements Journal {
  readonly #clock: Clock;
  #events: DomainEvent[] = [];
  #lastSeq = 0;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]> {
    const at = isoUtc(this.#clock.now());
    const out: DomainEvent[] = [];
    for (const event of events) {
      const sequenced = { type: event.type, v: EVENT_VERSION, seq: ++this.#lastSeq, at, data: event.data } as { runId?: string } & DomainEvent;
      if (event.runId !== undefined) sequenced.runId = event.runId;
      out.push(sequenced);
      this.#events.push(sequenced);
    }
    return Promise.resolve(out);
  }

  async *read(fromSeq = 1): AsyncIterable<JournalEntry> {
    // A copy, so appends during a read neither show up nor disturb the iteration.
    for (const event of this.#events.slice()) {
      if (event.seq >= fromSeq) yield { kind: 'event', event };
    }
  }

  async compact(snapshot: NewEvent<'JournalCompacted'>): Promise<DomainEvent<'JournalCompacted'>> {
    const [event] = await this.append([snapshot]);
    this.#events = [event as DomainEvent];
    return event as DomainEvent<'JournalCompacted'>;
  }

  size(): number {
    return this.#events.length;
  }
}
