import fc from 'fast-check';
import { scan, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  checkEvent,
  initialKernelState,
  MemoryJournal,
  newEvent,
  replayState,
  type DomainEvent,
  type KernelState,
  type NewEvent,
  type Target,
} from '../../src/kernel/index.js';
import { evolveAll, metricsProjection, runHistoryProjection, usageHistoryProjection } from '../../src/kernel/projections/index.js';

const arbPolicy = fc.constantFrom('expiry', 'orphan', 'emergency', 'custom');
const arbTarget: fc.Arbitrary<Target> = fc.oneof(
  fc.record({ kind: fc.constant('record' as const), id: fc.string({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('file' as const), path: fc.string({ minLength: 1, maxLength: 10 }) }),
);
const arbCode = fc.constantFrom('EACCES', 'EBUSY', 'Error', 'RECLAIM_STORE_FAILED');
const arbReason = fc.constantFrom('expired', 'orphan', 'emergency', 'protected', 'grace', 'dry-run', 'outside-root');
const nat = fc.nat(1_000_000);
const nullableNat = fc.option(nat, { nil: null });
const runId = fc.constantFrom('run-a', 'run-b', 'run-c');

const arbEvent: fc.Arbitrary<NewEvent> = fc.oneof(
  fc.record({ trigger: fc.constantFrom('manual', 'schedule'), dryRun: fc.boolean(), policies: fc.array(arbPolicy, { maxLength: 3 }), retentionHours: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }), runId }).map(({ runId: r, ...d }) => newEvent('RunStarted', d, r)),
  fc.record({ stage: arbPolicy, usedBytes: nat, limitBytes: nullableNat, originUsageBytes: nullableNat, quotaBytes: nullableNat }).map((d) => newEvent('StorageMeasured', d, 'run-a')),
  fc.record({ id: fc.string(), reason: fc.string() }).map((d) => newEvent('EntryRejected', d, 'run-a')),
  fc.record({ policy: arbPolicy, reason: fc.string() }).map((d) => newEvent('PolicySuspended', d, 'run-b')),
  fc.record({ policy: arbPolicy, code: arbCode, message: fc.string() }).map((d) => newEvent('PolicyFailed', d, 'run-b')),
  fc.record({ operation: fc.constantFrom('commit', 'measure'), code: arbCode, message: fc.string() }).map((d) => newEvent('StoreFailed', d, 'run-b')),
  fc.record({ policy: arbPolicy, usedBytes: nat, targetBytes: nat, reason: fc.string() }).map((d) => newEvent('EmergencyTriggered', d, 'run-c')),
  fc.record({ policy: arbPolicy, target: arbTarget, reason: arbReason, bytes: nat }).map((d) => newEvent('DeletionPlanned', d, 'run-c')),
  fc.record({ policy: arbPolicy, target: arbTarget, reason: arbReason, records: fc.nat(1), files: fc.nat(1), bytesFreed: nat, recovered: fc.boolean() }).map((d) => newEvent('ItemDeleted', d, 'run-c')),
  fc.record({ policy: arbPolicy, target: arbTarget, reason: arbReason, recovered: fc.boolean() }).map((d) => newEvent('ItemAlreadyGone', d, 'run-c')),
  fc.record({ policy: arbPolicy, target: arbTarget, code: arbCode, message: fc.string(), path: fc.option(fc.string(), { nil: null }) }).map((d) => newEvent('DeletionFailed', d, 'run-c')),
  fc.record({ policy: arbPolicy, target: arbTarget, reason: arbReason, detail: fc.option(fc.string(), { nil: null }) }).map((d) => newEvent('DeletionSkipped', d, 'run-c')),
  fc
    .record({
      outcome: fc.constantFrom('success', 'partial', 'noop', 'error'),
      trigger: fc.constantFrom('manual', 'schedule', 'recovery'),
      dryRun: fc.boolean(),
      durationMs: nat,
      totals: fc.record({ planned: fc.nat(99), deleted: fc.nat(99), alreadyGone: fc.nat(9), failed: fc.nat(9), skipped: fc.nat(9), rejected: fc.nat(9), records: fc.nat(99), files: fc.nat(99), bytesFreed: nat }),
      storageSize: nullableNat,
      storageLimit: nullableNat,
    })
    .map((d) =>
      newEvent('RunCompleted', { ...d, startedAt: '2026-11-26T12:00:00.000Z', emergency: null, policies: [{ name: 'expiry', status: 'ran' }] }, 'run-a'),
    ),
);

/** The live fold: what a subscriber to the journal's appends would hold. */
async function liveFold(journal: MemoryJournal, batches: readonly (readonly NewEvent[])[], compactAt: number | null): Promise<KernelState> {
  let live = initialKernelState();
  const fold = scan((state: KernelState, event: DomainEvent) => ({
    metrics: metricsProjection.evolve(state.metrics, event),
    runHistory: runHistoryProjection.evolve(state.runHistory, event),
    usageHistory: usageHistoryProjection.evolve(state.usageHistory, event),
  }), live);
  const subject = new Subject<DomainEvent>();
  subject.pipe(fold).subscribe((state) => (live = state));
  for (const [i, batch] of batches.entries()) {
    if (i === compactAt) {
      const compacted = await journal.compact(
        newEvent('JournalCompacted', { snapshot: { metrics: live.metrics, runHistory: live.runHistory, usageHistory: live.usageHistory }, throughSeq: journal.lastSeq }),
      );
      subject.next(compacted);
    }
    for (const event of await journal.append(batch)) subject.next(event);
  }
  return live;
}

async function replay(journal: MemoryJournal): Promise<KernelState> {
  const events: DomainEvent[] = [];
  for await (const entry of journal.read()) if (entry.kind === 'event') events.push(entry.event);
  return replayState(events);
}

describe('projections', () => {
  it('replaying the journal gives exactly the live fold, also across a compaction', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(arbEvent, { minLength: 1, maxLength: 5 }), { maxLength: 25 }), fc.option(fc.nat(25), { nil: null }), async (batches, compactAt) => {
        const journal = new MemoryJournal({ now: () => Date.UTC(2026, 10, 26) });
        const live = await liveFold(journal, batches, compactAt);
        expect(await replay(journal)).toEqual(live);
      }),
      { numRuns: 60 },
    );
  });

  it('the batched fold equals folding event by event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbEvent, { maxLength: 60 }), async (events) => {
        const journal = new MemoryJournal({ now: () => Date.UTC(2026, 10, 26) });
        const sequenced = await journal.append(events);
        for (const projection of [metricsProjection, runHistoryProjection, usageHistoryProjection] as const) {
          const oneByOne = sequenced.reduce<unknown>((state, event) => (projection.evolve as (s: unknown, e: DomainEvent) => unknown)(state, event), projection.initialState());
          expect(evolveAll(projection as never, projection.initialState() as never, sequenced)).toEqual(oneByOne);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('every generated event passes its JSON Schema once sequenced, so the journal can validate what it reads', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbEvent, { minLength: 1, maxLength: 20 }), async (events) => {
        const journal = new MemoryJournal();
        for (const event of await journal.append(events)) {
          const check = checkEvent(JSON.parse(JSON.stringify(event)));
          expect(check.ok ? 'ok' : check.reason).toBe('ok');
        }
      }),
      { numRuns: 40 },
    );
  });

  it('counts only real deletions in metrics: dry-run summaries do not move lastCleanup', () => {
    const at = '2026-11-26T12:00:00.000Z';
    const completed = (dryRun: boolean): DomainEvent => ({
      type: 'RunCompleted', v: 1, seq: dryRun ? 2 : 1, at, runId: 'r',
      data: { outcome: 'success', trigger: 'manual', dryRun, startedAt: at, durationMs: 1, totals: { planned: 1, deleted: 0, alreadyGone: 0, failed: 0, skipped: 1, rejected: 0, records: 1, files: 1, bytesFreed: 5 }, storageSize: 10, storageLimit: null, emergency: null, policies: [] },
    });
    expect(replayState([completed(true)]).metrics.lastCleanup).toBeNull();
    expect(replayState([completed(false)]).metrics.lastCleanup).toBe(at);
  });
});

describe('event schemas', () => {
  it('reject a foreign or corrupt value with a reason instead of trusting it', () => {
    expect(checkEvent('hello')).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(checkEvent({ type: 'SomethingElse' })).toMatchObject({ ok: false, reason: expect.stringContaining('unknown event type') });
    const bad = checkEvent({ type: 'ItemDeleted', v: 1, seq: 0, at: 'yesterday', data: {} });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.reason).toContain('seq');
      expect(bad.reason).toContain('at');
    }
  });
});
