import fc from 'fast-check';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkEvent, EVENT_DATA_SCHEMAS, isoUtc, isReclaimError, newEvent, type DomainEvent, type EventType, type NewEvent } from '../../../src/kernel/index.js';
import { HOT_EVENT_FIELDS, hotLine } from '../../../src/stores/file-journal/hot-events.js';
import { openFileJournal } from '../../../src/stores/file-journal/index.js';
import { collect, eventsOf, fixedClock, tempFolder } from './support.js';

let folder: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  folder = await tempFolder();
});
afterEach(async () => {
  await folder.cleanup();
});

class Box {
  constructor(readonly value: number) {}
}

// Values of every kind an event's data could be built from by mistake, next to good ones:
// the journal checks plain data in memory and everything else through its JSON text.
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.integer({ min: 0, max: 1e9 }),
  fc.constantFrom(0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -1, null, true, undefined),
  fc.constant(new Date(Date.UTC(2025, 0, 1))),
  fc.constant(new Box(3)),
  fc.constant({ toJSON: () => 'x' }),
  fc.constant(Object.assign(Object.create(null) as object, { kind: 'file', path: 'a.wav' })),
  // eslint-disable-next-line no-sparse-arrays
  fc.constant([1, , 2]),
  fc.constant({ kind: 'file', path: 'a.wav' }),
  fc.constant({ kind: 'record', id: 'a', file: undefined }),
  fc.constant({ kind: 'record', id: 'a', extra: undefined }),
);

const event: fc.Arbitrary<NewEvent> = fc.oneof(
  fc
    .record({ policy: anyValue, target: anyValue, reason: anyValue, detail: anyValue })
    .map((data) => newEvent('DeletionSkipped', data as never, 'run-1')),
  fc
    .record({ stage: anyValue, usedBytes: anyValue, limitBytes: anyValue, originUsageBytes: anyValue, quotaBytes: anyValue })
    .map((data) => newEvent('StorageMeasured', data as never, 'run-1')),
  fc
    .record({ policy: fc.string(), target: fc.constant({ kind: 'file', path: 'x.wav' }), reason: fc.string(), bytes: anyValue })
    .map((data) => newEvent('DeletionPlanned', data as never)),
);

describe('FileJournal: what it acknowledges reads back', () => {
  it('refuses an event or acknowledges exactly what a reopened journal reads, whatever the data', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 8 }), async (events) => {
        round += 1;
        const path = join(folder.dir, `journal-${round}.jsonl`);
        const journal = await openFileJournal({ path, clock: fixedClock() });
        const acknowledged: DomainEvent[] = [];
        for (const e of events) {
          try {
            acknowledged.push(...(await journal.append([e])));
          } catch (error) {
            expect(isReclaimError(error, 'RECLAIM_JOURNAL_INVALID_ENTRY')).toBe(true);
          }
        }
        await journal.close();
        // What subscribers were given is plain JSON data, equal to what replay will read.
        for (const e of acknowledged) expect(JSON.parse(JSON.stringify(e))).toStrictEqual(e);
        const reopened = await openFileJournal({ path, clock: fixedClock() });
        try {
          expect(eventsOf(await collect(reopened.read()))).toStrictEqual(acknowledged);
        } finally {
          await reopened.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the in-memory check of per-item events', () => {
  it('knows exactly the fields their schemas require and allow', () => {
    for (const [type, fields] of Object.entries(HOT_EVENT_FIELDS)) {
      const schema = EVENT_DATA_SCHEMAS[type as EventType] as { required: string[]; properties: object; additionalProperties: boolean };
      expect([...(fields?.keys() ?? [])].sort(), type).toEqual([...schema.required].sort());
      expect(Object.keys(schema.properties).sort(), type).toEqual([...schema.required].sort());
      expect(schema.additionalProperties, type).toBe(false);
    }
  });

  it('writes by hand only events that read back from their JSON exactly as they are and valid', () => {
    const target = fc.oneof(
      fc.record({ kind: fc.constant('file'), path: fc.string() }),
      fc.record({ kind: fc.constant('record'), id: fc.string(), file: fc.string() }, { requiredKeys: ['kind', 'id'] }),
      fc.record({ kind: fc.constantFrom('file', 'record', 'x'), id: fc.string(), path: fc.string(), file: fc.string() }, { requiredKeys: [] }),
      anyValue,
    );
    const valid: Record<string, fc.Arbitrary<unknown>> = {
      string: fc.string(),
      stringOrNull: fc.option(fc.string(), { nil: null }),
      boolean: fc.boolean(),
      nonNegative: fc.oneof(fc.integer({ min: 0, max: 1e12 }), fc.double({ min: 0, noNaN: true })),
      nonNegativeInteger: fc.integer({ min: 0, max: 1e12 }),
      target,
    };
    const hot = Object.entries(HOT_EVENT_FIELDS) as [EventType, ReadonlyMap<string, string>][];
    const event = fc.constantFrom(...hot).chain(([type, fields]) =>
      fc
        .tuple(
          fc.tuple(...[...fields].map(([key, kind]) => fc.tuple(fc.constant(key), fc.oneof({ weight: 9, arbitrary: valid[kind] as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyValue })))),
          fc.constantFrom('none', 'drop', 'extra'),
          fc.option(fc.string(), { nil: undefined }),
          fc.integer({ min: -1, max: 1e6 }),
        )
        .map(([pairs, change, runId, seq]) => {
          const data: Record<string, unknown> = Object.fromEntries(pairs);
          if (change === 'drop') delete data[pairs[0]?.[0] as string];
          if (change === 'extra') data.extra = 1;
          return { type, v: 1, seq, at: isoUtc(0), ...(runId === undefined ? {} : { runId }), data } as unknown as DomainEvent;
        }),
    );
    let written = 0;
    fc.assert(
      fc.property(event, (e) => {
        const line = hotLine(e);
        if (line === undefined) return;
        written += 1;
        expect(line).toBe(JSON.stringify(e));
        const parsed: unknown = JSON.parse(line);
        expect(checkEvent(parsed).ok).toBe(true);
        expect(parsed).toStrictEqual(e);
      }),
      { numRuns: 5000 },
    );
    // Not vacuous: plenty of generated events are valid and written.
    expect(written).toBeGreaterThan(100);
  });
});

