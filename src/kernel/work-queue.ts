import type { DeletionSlots, SlotClaimant } from './deletion-slots.js';

/**
 * A first-in first-out work queue that runs as many tasks at once as its {@link DeletionSlots}
 * (shared with the other stages of a run) grants it. The queue is a ring of indices (no `Array.shift`, which costs O(n) per item on long queues), and it
 * offers back-pressure: `pace()` resolves while fewer than `highWater` items wait or run.
 */
export class WorkQueue<T> implements SlotClaimant {
  readonly #run: (item: T) => Promise<void>;
  readonly #slots: DeletionSlots;
  readonly #highWater: number;
  #items: (T | undefined)[] = [];
  #head = 0;
  #active = 0;
  #paceWaiters: (() => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #firstError: { error: unknown } | null = null;

  readonly #skip: ((item: T) => void) | undefined;
  readonly #cancelled: () => boolean;

  /**
   * @param skip Called instead of `run` for every item still waiting once `cancelled()` is
   * true: items already running finish, the rest are skipped in order.
   */
  constructor(
    run: (item: T) => Promise<void>,
    slots: DeletionSlots,
    highWater: number,
    cancel: { readonly cancelled: () => boolean; readonly skip: (item: T) => void } | undefined = undefined,
  ) {
    this.#run = run;
    this.#skip = cancel?.skip;
    this.#cancelled = cancel?.cancelled ?? (() => false);
    this.#slots = slots;
    slots.join(this);
    this.#highWater = Math.max(highWater, this.#slots.size);
  }

  /** Items waiting or running. */
  get pending(): number {
    return this.#items.length - this.#head + this.#active;
  }

  push(item: T): void {
    this.#items.push(item);
    this.pump();
  }

  /** Resolves when the queue has room again; a producer awaits it between chunks. */
  readonly pace = (): Promise<void> =>
    this.pending < this.#highWater ? Promise.resolve() : new Promise<void>((resolve) => this.#paceWaiters.push(resolve));

  /** Resolves when every item pushed so far has run; rejects with the first task error. */
  drained(): Promise<void> {
    const settle = (): Promise<void> => (this.#firstError === null ? Promise.resolve() : Promise.reject(this.#firstError.error));
    if (this.pending === 0) return settle();
    return new Promise<void>((resolve) => this.#idleWaiters.push(resolve)).then(settle);
  }

  waiting(): boolean {
    return this.#head < this.#items.length;
  }

  /**
   * Starts waiting items while slots are granted (skips them once cancelled), then wakes the
   * drain and pace waiters: items skipped when another stage returns a slot end the wait with no
   * task of this queue ending.
   */
  pump(): void {
    while (this.#head < this.#items.length) {
      const skipping = this.#skip !== undefined && this.#cancelled();
      if (!skipping && !this.#slots.take()) break;
      const item = this.#items[this.#head] as T;
      this.#items[this.#head] = undefined;
      this.#head += 1;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (skipping) {
        (this.#skip as (item: T) => void)(item);
        continue;
      }
      this.#active += 1;
      this.#run(item).then(
        () => this.#finish(),
        (error: unknown) => {
          this.#firstError ??= { error };
          this.#finish();
        },
      );
    }
    this.#wake();
  }

  #finish(): void {
    this.#active -= 1;
    this.#slots.give();
    this.pump();
  }

  #wake(): void {
    if (this.pending < this.#highWater && this.#paceWaiters.length > 0) {
      const waiters = this.#paceWaiters;
      this.#paceWaiters = [];
      for (const wake of waiters) wake();
    }
    if (this.pending === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
