import type { DomainEvent } from '../events.js';
import { clonePlain } from '../validation.js';

/**
 * A projection: a pure fold over domain events. Used live with `scan` and on replay with
 * `reduce`; both give the same state. No I/O inside `evolve`.
 */
export interface Projection<S> {
  /** Key of this projection's state in a compaction snapshot. */
  readonly name: string;
  initialState(): S;
  evolve(state: S, event: DomainEvent): S;
  /**
   * Optional fast path: folds many events at once. Must equal folding them one by one with
   * `evolve` (a property test holds every built-in projection to it).
   */
  evolveAll?(state: S, events: readonly DomainEvent[]): S;
}

/** Folds a batch with the projection's fast path when it has one. */
export function evolveAll<S>(projection: Projection<S>, state: S, events: readonly DomainEvent[]): S {
  if (projection.evolveAll !== undefined) return projection.evolveAll(state, events);
  let next = state;
  for (const event of events) next = projection.evolve(next, event);
  return next;
}

/** Folds events into a projection's state (replay). */
export function foldEvents<S>(projection: Projection<S>, events: Iterable<DomainEvent>, from?: S): S {
  let state = from ?? projection.initialState();
  for (const event of events) state = projection.evolve(state, event);
  return state;
}

/** Reads a projection's own state out of a compaction snapshot, if it has one. */
export function fromSnapshot<S>(projection: Projection<S>, event: DomainEvent<'JournalCompacted'>, state: S): S {
  const saved = event.data.snapshot[projection.name];
  return saved === undefined ? state : (clonePlain(saved) as S);
}
