import { BehaviorSubject, type Observable } from 'rxjs';
import { fromSnapshot, metricsProjection, type DomainEvent, type Journal, type MetricsState } from '../kernel/index.js';

/**
 * The metrics of every tab that shares a journal, folded in `seq` order. Each tab's kernel folds
 * only its own events; this follower also takes the events other tabs broadcast, so
 * `getMetrics()` counts every tab's cleanups. Events arrive out of order or twice (own and
 * broadcast); a gap (a tab closed before it broadcast) is filled by reading the journal.
 */
export class SharedMetrics {
  readonly #journal: Journal;
  readonly #state$ = new BehaviorSubject<MetricsState>(metricsProjection.initialState());
  readonly #pending = new Map<number, DomainEvent>();
  #watermark = 0;
  #started = false;
  #catchingUp: Promise<void> | null = null;
  #closed = false;

  constructor(journal: Journal) {
    this.#journal = journal;
  }

  /** The metrics, live. */
  get state$(): Observable<MetricsState> {
    return this.#state$.asObservable();
  }

  get state(): MetricsState {
    return this.#state$.getValue();
  }

  /** Starts from a replayed state that covers every event up to `throughSeq`. */
  start(replayed: MetricsState, throughSeq: number): void {
    this.#watermark = throughSeq;
    this.#started = true;
    this.#state$.next(replayed);
    this.#drain();
  }

  /** Takes one event (own or another tab's); folds it once, in order. */
  accept(event: DomainEvent): void {
    if (this.#closed || event.seq <= this.#watermark) return;
    this.#pending.set(event.seq, event);
    if (this.#started) this.#drain();
  }

  /** Stops folding; `state$` completes. */
  close(): void {
    this.#closed = true;
    this.#pending.clear();
    this.#state$.complete();
  }

  #drain(catchUp = true): void {
    let state = this.#state$.getValue();
    let changed = false;
    for (;;) {
      const next = this.#pending.get(this.#watermark + 1);
      if (next !== undefined) {
        this.#pending.delete(next.seq);
        state = metricsProjection.evolve(state, next);
        this.#watermark = next.seq;
        changed = true;
        continue;
      }
      // A compaction carries everything before it: jump over the gap it closes.
      const compaction = this.#earliestCompactionCovering();
      if (compaction === undefined) break;
      state = fromSnapshot(metricsProjection, compaction, state);
      for (const seq of this.#pending.keys()) if (seq <= compaction.seq) this.#pending.delete(seq);
      this.#watermark = compaction.seq;
      changed = true;
    }
    for (const seq of this.#pending.keys()) if (seq <= this.#watermark) this.#pending.delete(seq);
    if (changed && !this.#closed) this.#state$.next(state);
    if (this.#pending.size > 0 && catchUp) this.#catchUp();
  }

  #earliestCompactionCovering(): DomainEvent<'JournalCompacted'> | undefined {
    let found: DomainEvent<'JournalCompacted'> | undefined;
    for (const event of this.#pending.values()) {
      if (event.type === 'JournalCompacted' && event.data.throughSeq >= this.#watermark && (found === undefined || event.seq < found.seq)) {
        found = event;
      }
    }
    return found;
  }

  /** Reads the journal from the watermark to fill a gap; one read at a time. */
  #catchUp(): void {
    if (this.#catchingUp !== null || this.#closed) return;
    this.#catchingUp = (async () => {
      let complete = false;
      try {
        for await (const entry of this.#journal.read(this.#watermark + 1)) {
          if (this.#closed) return;
          if (entry.kind === 'event' && entry.event.seq > this.#watermark) this.#pending.set(entry.event.seq, entry.event);
        }
        complete = true;
      } catch {
        // The next event retries; metrics lag rather than fail.
      } finally {
        this.#catchingUp = null;
      }
      this.#drain(false);
      // What is still missing is not in the journal (it never will be): skip it, fold the rest.
      if (complete && this.#pending.size > 0 && !this.#closed) {
        // A loop, not Math.min(...keys): a spread call fails from ~125k arguments.
        let first = Number.POSITIVE_INFINITY;
        for (const seq of this.#pending.keys()) if (seq < first) first = seq;
        this.#watermark = first - 1;
        this.#drain(false);
      }
    })();
  }
}
