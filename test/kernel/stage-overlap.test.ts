import 'reflect-metadata';
import fc from 'fast-check';
import { Observable } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { createKernel, type Decision, type DomainEvent, type Policy, type RemovalResult, type Target } from '../../src/kernel/index.js';
import { expiryPolicy, orphanPolicy } from '../../src/policies/index.js';
import { MemoryStore, type MemoryFile, type MemoryRecord, type MemoryStoreInit } from '../../src/stores/memory/index.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const HOUR = 3_600_000;
const clock = { now: () => NOW };

/** A memory store whose removals take a while, as unlinks on a slow disk do. */
class SlowStore extends MemoryStore {
  readonly #delayMs: (target: Target) => number;

  constructor(init: MemoryStoreInit, delayMs: (target: Target) => number) {
    super(init);
    this.#delayMs = delayMs;
  }

  /** Commits seen (the memory store has nothing to commit; the kernel calls it after each stage). */
  commits = 0;

  commit(): Promise<void> {
    this.commits += 1;
    return Promise.resolve();
  }

  /** Removals in flight now, the most seen at once, and the commits seen when each removal started. */
  inFlight = 0;
  maxInFlight = 0;
  readonly commitsAtStart: { target: Target; commits: number }[] = [];

  override remove(target: Target): Promise<RemovalResult> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.commitsAtStart.push({ target, commits: this.commits });
    return new Promise<void>((resolve) => setTimeout(resolve, this.#delayMs(target)))
      .then(() => super.remove(target))
      .finally(() => {
        this.inFlight -= 1;
      });
  }
}

function collect(kernel: ReturnType<typeof createKernel>): DomainEvent[] {
  const events: DomainEvent[] = [];
  kernel.events$.subscribe((e) => events.push(e));
  return events;
}

const policyOf = (e: DomainEvent): string | undefined => (e.data as { policy?: string }).policy;

/** 40 expired tokens with files, 20 orphaned old files, 10 young tokens and 5 young strays. */
function scenario(): MemoryStoreInit {
  const records: MemoryRecord[] = [];
  const files: MemoryFile[] = [];
  for (let i = 0; i < 40; i += 1) {
    records.push({ id: `expired-${i}`, createdAt: NOW - 48 * HOUR, fileKey: `e${i}.wav` });
    files.push({ key: `e${i}.wav`, size: 10, mtimeMs: NOW - 48 * HOUR });
  }
  for (let i = 0; i < 10; i += 1) {
    records.push({ id: `young-${i}`, createdAt: NOW - HOUR, fileKey: `y${i}.wav` });
    files.push({ key: `y${i}.wav`, size: 10, mtimeMs: NOW - HOUR });
  }
  for (let i = 0; i < 20; i += 1) files.push({ key: `orphan-${i}.wav`, size: 5, mtimeMs: NOW - 48 * HOUR });
  for (let i = 0; i < 5; i += 1) files.push({ key: `stray-${i}.wav`, size: 5, mtimeMs: NOW - 0.1 * HOUR });
  return { records, files, limitBytes: null };
}

/** A kernel running expiry then the orphan stage, which overlaps it, with `concurrency` slots. */
function expiryThenOrphan(store: SlowStore, concurrency: number): ReturnType<typeof createKernel> {
  return createKernel({
    store,
    clock,
    config: { concurrency },
    policies: [{ policy: expiryPolicy, options: { retentionHours: 24 } }, { policy: orphanPolicy, options: { graceMinutes: 60 } }],
  });
}

describe('stages that overlap (Policy.overlapsPrevious)', () => {
  it("the orphan scan plans while expiry's deletions still run; a later policy waits for both, the store commit and a fresh usage", async () => {
    const store = new SlowStore(scenario(), () => 5);
    // A host policy without overlapsPrevious: it must see only what survived both stages.
    const seenByLate: string[] = [];
    let usageSeenByLate = -1;
    const late: Policy = {
      name: 'late',
      plan: ({ storage$, usage }) => {
        usageSeenByLate = usage.usedBytes;
        return new Observable<Decision>((subscriber) =>
          storage$.subscribe({
            next: (e) => {
              if (e.type === 'RecordObserved') seenByLate.push(e.record.id);
            },
            complete: () => subscriber.complete(),
          }),
        );
      },
    };
    const kernel = createKernel({
      store,
      clock,
      policies: [{ policy: expiryPolicy, options: { retentionHours: 24 } }, { policy: orphanPolicy, options: { graceMinutes: 60 } }, { policy: late }],
    });
    const events = collect(kernel);
    const result = await kernel.run();

    const seqs = (type: DomainEvent['type'], policy: string): number[] => events.filter((e) => e.type === type && policyOf(e) === policy).map((e) => e.seq);
    const expiryDeleted = seqs('ItemDeleted', 'expiry');
    const orphanPlanned = seqs('DeletionPlanned', 'orphan');
    expect(expiryDeleted).toHaveLength(40);
    expect(orphanPlanned).toHaveLength(20);
    // Overlap: orphan's first intent is journaled before expiry's last deletion is done.
    expect(Math.min(...orphanPlanned)).toBeLessThan(Math.max(...expiryDeleted));
    // Intents still come before their outcomes, per target.
    for (const e of events.filter((x) => x.type === 'ItemDeleted')) {
      const target = JSON.stringify((e.data as { target: unknown }).target);
      const intent = events.find((x) => x.type === 'DeletionPlanned' && JSON.stringify((x.data as { target: unknown }).target) === target);
      expect(intent?.seq).toBeLessThan(e.seq);
    }

    // Nothing a token still held was deleted, and everything due went.
    expect(store.records().map((r) => r.id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `young-${i}`).sort());
    expect(store.files().map((f) => f.key).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `y${i}.wav`), ...Array.from({ length: 5 }, (_, i) => `stray-${i}.wav`)].sort());
    expect(result.totals).toMatchObject({ deleted: 60, records: 40, files: 60, failed: 0 });

    // The late policy started after both stages settled: it saw the 10 young records only, and
    // the usage measured after them (10 young files of 10 bytes, 5 strays of 5).
    expect(seenByLate.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `young-${i}`).sort());
    expect(usageSeenByLate).toBe(125);
    const lateStart = events.find((e) => e.type === 'StorageMeasured' && (e.data as { stage: string }).stage === 'orphan');
    expect(lateStart).toBeDefined();
    expect(Math.max(...expiryDeleted, ...seqs('ItemDeleted', 'orphan'))).toBeLessThan((lateStart as DomainEvent).seq);
    // Each stage was committed, in order, and measured once.
    expect(store.commits).toBe(3);
    expect(events.filter((e) => e.type === 'StorageMeasured').map((e) => (e.data as { stage: string }).stage)).toEqual(['start', 'expiry', 'orphan', 'late']);
    expect(result.policies).toEqual([
      { name: 'expiry', status: 'ran' },
      { name: 'orphan', status: 'ran' },
      { name: 'late', status: 'ran' },
    ]);
  });

  it("overlapping stages share the run's concurrency, earlier stage first: expiry drains and commits while orphan deletions go on", async () => {
    const store = new SlowStore(scenario(), () => 5);
    const kernel = expiryThenOrphan(store, 4);
    const result = await kernel.run();
    expect(result.totals).toMatchObject({ deleted: 60, failed: 0 });
    // Never more than `concurrency` removals in flight, though both stages had work queued.
    expect(store.maxInFlight).toBe(4);
    // Every expiry removal started before any orphan removal: the earlier stage had the slots.
    const kinds = store.commitsAtStart.map((s) => s.target.kind);
    expect(kinds.lastIndexOf('record')).toBeLessThan(kinds.indexOf('file'));
    // Expiry's commit ran while orphan removals were still being started.
    expect(store.commitsAtStart.filter((s) => s.target.kind === 'file' && s.commits >= 1).length).toBeGreaterThan(0);
  });

  it('a run cancelled while the orphan stage waits for slots expiry holds still ends: the waiting deletions are skipped as cancelled', async () => {
    const store = new SlowStore(scenario(), () => 20);
    const kernel = expiryThenOrphan(store, 2);
    const events = collect(kernel);
    const run = kernel.run();
    // Cancel once orphan's intents are journaled: expiry holds both slots, orphan's deletions wait.
    await vi.waitFor(() => expect(events.some((e) => e.type === 'DeletionPlanned' && policyOf(e) === 'orphan')).toBe(true));
    kernel.cancel();
    const result = await run;
    expect(result.outcome).toBe('partial');
    const skipped = events.filter((e) => e.type === 'DeletionSkipped' && (e.data as { reason: string }).reason === 'cancelled');
    expect(skipped.some((e) => policyOf(e) === 'orphan')).toBe(true);
    // Every intent has its outcome: deleted, or skipped as cancelled.
    const planned = events.filter((e) => e.type === 'DeletionPlanned').length;
    const settled = events.filter((e) => e.type === 'ItemDeleted').length + skipped.length;
    expect(settled).toBe(planned);
  });

  it('property: an overlapping orphan stage ends in the same store and totals as a sequential one, whatever the removal timing', async () => {
    const item = fc.record({
      tokenAgeHours: fc.option(fc.integer({ min: 0, max: 72 }), { nil: undefined }),
      fileAgeHours: fc.integer({ min: 0, max: 72 }),
      size: fc.integer({ min: 0, max: 100 }),
      refused: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 }), async (items, delays) => {
        const build = (): SlowStore => {
          const records: MemoryRecord[] = [];
          const files: MemoryFile[] = [];
          items.forEach((it, i) => {
            files.push({ key: `f${i}.wav`, size: it.size, mtimeMs: NOW - it.fileAgeHours * HOUR });
            if (it.tokenAgeHours !== undefined) records.push({ id: `t${i}`, createdAt: NOW - it.tokenAgeHours * HOUR, fileKey: `f${i}.wav` });
          });
          let n = 0;
          const store = new SlowStore({ records, files, limitBytes: null }, () => delays[(n += 1) % delays.length] as number);
          items.forEach((it, i) => {
            if (it.refused) store.refuse(`f${i}.wav`);
          });
          return store;
        };
        const run = async (orphan: Policy<never>): Promise<{ store: SlowStore; totals: unknown }> => {
          const store = build();
          const kernel = createKernel({
            store,
            clock,
            policies: [{ policy: expiryPolicy, options: { retentionHours: 24 } }, { policy: orphan, options: { graceMinutes: 60 } }],
          });
          const result = await kernel.run();
          return { store, totals: result.totals };
        };
        const overlapping = await run(orphanPolicy as Policy<never>);
        const sequential = await run({ ...orphanPolicy, overlapsPrevious: false } as Policy<never>);
        expect(overlapping.store.records()).toEqual(sequential.store.records());
        expect(overlapping.store.files()).toEqual(sequential.store.files());
        expect(overlapping.totals).toEqual(sequential.totals);
      }),
      { numRuns: 40 },
    );
  });
});
