import fc from 'fast-check';
import { newEvent, type DomainEventPayloads, type EventType, type NewEvent, type Target } from '../../../src/kernel/index.js';

// Shapes follow EVENT_DATA_SCHEMAS. Strings include newlines, quotes, U+2028 and astral
// characters, so that line framing and JSON escaping are exercised.
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('line\nbreak', 'tab\tand "quote" and \\', 'sep\u2028arator', '🧹'),
);
// No -0 and no NaN or infinities: JSON has none of them, and the schemas ask for real numbers.
const nonNeg = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)));
const nonNegInt = fc.nat();
const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null });

const target: fc.Arbitrary<Target> = fc.oneof(
  fc.record({ kind: fc.constant('record' as const), id: text, file: text }, { requiredKeys: ['kind', 'id'] }),
  fc.record({ kind: fc.constant('file' as const), path: text }),
);

const totals = fc.record({
  planned: nonNegInt,
  deleted: nonNegInt,
  alreadyGone: nonNegInt,
  failed: nonNegInt,
  skipped: nonNegInt,
  rejected: nonNegInt,
  records: nonNegInt,
  files: nonNegInt,
  bytesFreed: nonNeg,
});

const payloads: { [K in EventType]: fc.Arbitrary<DomainEventPayloads[K]> } = {
  RunStarted: fc.record({
    trigger: fc.constantFrom('manual', 'schedule', 'recovery'),
    dryRun: fc.boolean(),
    policies: fc.array(text, { maxLength: 3 }),
    retentionHours: nullable(fc.double({ min: 0.1, max: 1e4, noNaN: true })),
  }),
  StorageMeasured: fc.record({
    stage: text,
    usedBytes: nonNeg,
    limitBytes: nullable(nonNeg),
    originUsageBytes: nullable(nonNeg),
    quotaBytes: nullable(nonNeg),
  }),
  EntryRejected: fc.record({ id: text, reason: text }),
  PolicySuspended: fc.record({ policy: text, reason: text }),
  PolicyFailed: fc.record({ policy: text, code: text, message: text }),
  StoreFailed: fc.record({ operation: text, code: text, message: text }),
  EmergencyTriggered: fc.record({ policy: text, usedBytes: nonNeg, targetBytes: nonNeg, reason: text }),
  DeletionPlanned: fc.record({ policy: text, target, reason: text, bytes: nonNeg }),
  ItemDeleted: fc.record({
    policy: fc.constantFrom('expiry', 'orphan', 'emergency'),
    target,
    reason: text,
    records: nonNegInt,
    files: nonNegInt,
    bytesFreed: nonNeg,
    recovered: fc.boolean(),
  }),
  ItemAlreadyGone: fc.record({ policy: text, target, reason: text, recovered: fc.boolean() }),
  DeletionFailed: fc.record({ policy: fc.constantFrom('expiry', 'orphan'), target, code: text, message: text, path: nullable(text) }),
  DeletionSkipped: fc.record({ policy: fc.constantFrom('expiry', 'orphan'), target, reason: fc.constantFrom('grace', 'protected', 'dry-run'), detail: nullable(text) }),
  RunCompleted: fc.record(
    {
      outcome: fc.constantFrom('success', 'partial', 'noop', 'error'),
      trigger: fc.constantFrom('manual', 'schedule'),
      dryRun: fc.boolean(),
      startedAt: fc.constant('2025-03-01T11:59:00.000Z'),
      durationMs: nonNeg,
      totals,
      storageSize: nullable(nonNeg),
      storageLimit: nullable(nonNeg),
      emergency: nullable(
        fc.record({ policy: text, usedBytes: nonNeg, targetBytes: nonNeg, freedBytes: nonNeg, shortfallBytes: nonNeg }),
      ),
      policies: fc.array(fc.record({ name: text, status: fc.constantFrom('ran', 'suspended', 'failed') }), { maxLength: 3 }),
      error: fc.record({ code: text, message: text }),
    },
    { requiredKeys: ['outcome', 'trigger', 'dryRun', 'startedAt', 'durationMs', 'totals', 'storageSize', 'storageLimit', 'emergency', 'policies'] },
  ),
  // A snapshot naming no projection leaves every projection as it was.
  JournalCompacted: fc.record({ snapshot: fc.constant({}), throughSeq: nonNegInt }),
};

/** Any valid new event, with or without a run id. */
export const newEventArb: fc.Arbitrary<NewEvent> = fc
  .tuple(fc.constantFrom(...(Object.keys(payloads) as EventType[])), fc.option(text, { nil: undefined }))
  .chain(([type, runId]) => (payloads[type] as fc.Arbitrary<DomainEventPayloads[EventType]>).map((data) => newEvent(type, data as never, runId)));

/** Appends to make: each inner array is one `append` call. */
export const appendBatchesArb = fc.array(fc.array(newEventArb, { minLength: 1, maxLength: 5 }), { maxLength: 12 });
