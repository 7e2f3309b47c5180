import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeletionSlots } from '../../src/kernel/deletion-slots.js';
import { WorkQueue } from '../../src/kernel/work-queue.js';

/** A task started by a queue, finished when the test says so. */
interface Started {
  readonly queue: number;
  readonly item: number;
  readonly finish: () => void;
}

/**
 * Queues of several stages sharing one pool of slots, driven by random steps (push an item to
 * a queue, finish a running task) and checked against a model after every step.
 */
describe('DeletionSlots shared by the work queues of a run', () => {
  it('model: at most `size` tasks run in all; a queue starts one only when no earlier queue has one waiting; each queue runs its items once, in order', async () => {
    const step = fc.oneof(fc.record({ push: fc.nat(3) }), fc.record({ finish: fc.nat(40) }));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 80 }), fc.boolean(), async (size, queues, steps, cancelAtEnd) => {
        const slots = new DeletionSlots(size);
        let cancelled = false;
        const skipped = Array.from({ length: queues }, () => 0);
        const running: Started[] = [];
        const startedOrder: number[][] = Array.from({ length: queues }, () => []);
        const work = Array.from(
          { length: queues },
          (_, q) =>
            new WorkQueue<number>(
              (item) =>
                new Promise<void>((resolve) => {
                  startedOrder[q]?.push(item);
                  running.push({ queue: q, item, finish: resolve });
                }),
              slots,
              1000,
              { cancelled: () => cancelled, skip: () => (skipped[q] = (skipped[q] as number) + 1) },
            ),
        );
        const pushed = Array.from({ length: queues }, () => 0);
        const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
        const check = (): void => {
          expect(running.length).toBeLessThanOrEqual(size);
          expect(slots.free).toBe(size - running.length);
          // Items wait only while every slot is taken.
          const waiting = work.map((w) => w.waiting());
          if (waiting.some(Boolean)) expect(running.length).toBe(size);
          // Each queue started a prefix of what it was given, in order.
          startedOrder.forEach((order, q) => expect(order).toEqual(Array.from({ length: order.length }, (_, i) => i).slice(0, pushed[q])));
        };
        for (const s of steps) {
          if ('push' in s) {
            const q = s.push % queues;
            const waitingBefore = work.map((w) => w.waiting());
            const startedBefore = startedOrder.map((o) => o.length);
            work[q]?.push(pushed[q] as number);
            pushed[q] = (pushed[q] as number) + 1;
            // A push may start this queue's item only if no earlier queue has one waiting.
            if (waitingBefore.slice(0, q).some(Boolean)) expect(startedOrder[q]?.length).toBe(startedBefore[q]);
          } else if (running.length > 0) {
            const waitingBefore = work.map((w) => w.waiting());
            const startedBefore = startedOrder.map((o) => o.length);
            const [task] = running.splice(s.finish % running.length, 1);
            task?.finish();
            await settle();
            // The freed slot went to the earliest queue that had an item waiting.
            const first = waitingBefore.indexOf(true);
            if (first >= 0) {
              expect(startedOrder[first]?.length).toBe((startedBefore[first] as number) + 1);
              startedOrder.forEach((o, q) => {
                if (q !== first) expect(o.length).toBe(startedBefore[q]);
              });
            }
          }
          check();
        }
        // Finishing everything runs every item exactly once; after a cancel, what still waited is
        // skipped instead, and every queue still drains (a later queue's items are skipped as a
        // slot comes back from an earlier one, with no task of its own ending).
        cancelled = cancelAtEnd;
        const drained = Promise.all(work.map((w) => w.drained()));
        while (running.length > 0) {
          running.shift()?.finish();
          await settle();
        }
        await drained;
        expect(startedOrder.map((o, q) => o.length + (skipped[q] as number))).toEqual(pushed);
        if (!cancelAtEnd) expect(skipped.every((n) => n === 0)).toBe(true);
        expect(slots.free).toBe(size);
      }),
      { numRuns: 150 },
    );
  });
});
