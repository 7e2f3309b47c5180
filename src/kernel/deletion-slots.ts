/** A queue that takes slots from {@link DeletionSlots}: asked, in stage order, to start what waits. */
export interface SlotClaimant {
  /** True while the claimant has work waiting for a slot. */
  waiting(): boolean;
  /** Starts waiting work while slots are granted. */
  pump(): void;
}

/**
 * The deletions one run may have in flight at once (the kernel's `concurrency`), shared by its
 * stages, overlapping ones included, and handed out in stage order: a stage gets a free slot
 * only when no earlier stage has a deletion waiting. So the run never has more than
 * `concurrency` deletions in flight, and an earlier stage drains (and its store commit runs)
 * while a later stage's deletions go on.
 */
export class DeletionSlots {
  /** Slots in all. */
  readonly size: number;
  #free: number;
  readonly #claimants: SlotClaimant[] = [];

  constructor(size: number) {
    this.size = size;
    this.#free = size;
  }

  /** Slots not taken. */
  get free(): number {
    return this.#free;
  }

  /** Adds a claimant after those already there: it yields to every one of them. */
  join(claimant: SlotClaimant): void {
    this.#claimants.push(claimant);
  }

  /**
   * Takes a slot: false when none is free. A claimant only waits while no slot is free, and a
   * returned slot goes to the earliest claimant waiting (see {@link give}), so no later stage
   * can take a slot an earlier one waits for.
   */
  take(): boolean {
    if (this.#free === 0) return false;
    this.#free -= 1;
    return true;
  }

  /** Returns a slot and lets the claimants, earliest first, start what waits. */
  give(): void {
    this.#free += 1;
    for (const claimant of this.#claimants) {
      if (this.#free === 0) return;
      claimant.pump();
    }
  }
}
