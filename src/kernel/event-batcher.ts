import type { NewEvent } from './events.js';

type TimerHost = { setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
const timers = globalThis as unknown as TimerHost;

/**
 * Collects events and journals them in batches: when `maxBatch` are waiting, when `flush()` is
 * called, or `delayMs` after the first one waits (so live subscribers are not kept waiting).
 * Appends keep their order: each batch goes through the one ordered `emit`.
 */
export class EventBatcher {
  readonly #emit: (events: readonly NewEvent[]) => Promise<unknown>;
  readonly #maxBatch: number;
  readonly #delayMs: number;
  #pending: NewEvent[] = [];
  #tail: Promise<unknown> = Promise.resolve();
  #timer: unknown = undefined;

  constructor(emit: (events: readonly NewEvent[]) => Promise<unknown>, maxBatch: number, delayMs = 10) {
    this.#emit = emit;
    this.#maxBatch = maxBatch;
    this.#delayMs = delayMs;
  }

  push(event: NewEvent): void {
    this.#pending.push(event);
    if (this.#pending.length >= this.#maxBatch) {
      void this.flush().catch(() => undefined);
    } else if (this.#timer === undefined) {
      this.#timer = timers.setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => undefined);
      }, this.#delayMs);
    }
  }

  /** Journals what is waiting; resolves when it and every earlier batch are written. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      timers.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.length > 0) {
      const events = this.#pending;
      this.#pending = [];
      this.#tail = this.#emit(events);
    }
    return this.#tail.then(() => undefined);
  }
}
