import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryJournal,
  metricsProjection,
  newEvent,
  replayState,
  runHistoryProjection,
  usageHistoryProjection,
  type DomainEvent,
  type KernelState,
  type NewEvent,
} from '../../../src/kernel/index.js';
import { openFileJournal } from '../../../src/stores/file-journal/index.js';
import { appendBatchesArb } from './event-arbitraries.js';
import { collect, eventsOf, fixedClock, invalidOf, parseWholeFile, tempFolder } from './support.js';

let folder: { dir: string; cleanup: () => Promise<void> };
let counter = 0;
const nextPath = (): string => join(folder.dir, `journal-${(counter += 1)}.jsonl`);

beforeAll(async () => {
  folder = await tempFolder();
});
afterAll(async () => {
  await folder.cleanup();
});

/** The snapshot the kernel takes when it compacts: every projection's state by name. */
function snapshotOf(state: KernelState, throughSeq: number): NewEvent<'JournalCompacted'> {
  return newEvent('JournalCompacted', {
    snapshot: {
      [metricsProjection.name]: state.metrics,
      [runHistoryProjection.name]: state.runHistory,
      [usageHistoryProjection.name]: state.usageHistory,
    },
    throughSeq,
  });
}

/** Appends batches, all in one tick, so they share writes as a busy kernel's would. */
async function appendAll(journal: { append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]> }, batches: readonly NewEvent[][]): Promise<DomainEvent[]> {
  return (await Promise.all(batches.map((batch) => journal.append(batch)))).flat();
}

describe('FileJournal replay (properties)', () => {
  it('replays exactly the live fold, and agrees with the memory journal', async () => {
    await fc.assert(
      fc.asyncProperty(appendBatchesArb, async (batches) => {
        const path = nextPath();
        const clock = fixedClock();
        const file = await openFileJournal({ path, clock });
        const memory = new MemoryJournal(clock);
        const live = await appendAll(file, batches);
        const remembered = await appendAll(memory, batches);
        expect(live).toEqual(remembered);
        const readLive = await collect(file.read());
        await file.close();

        const reopened = await openFileJournal({ path, clock });
        const replayed = await collect(reopened.read());
        await reopened.close();

        expect(invalidOf(replayed)).toEqual([]);
        expect(eventsOf(readLive)).toEqual(live);
        expect(eventsOf(replayed)).toEqual(live);
        expect(await parseWholeFile(path)).toEqual(live);
        expect(reopened.lastSeq).toBe(live.at(-1)?.seq ?? 0);
        const liveState = replayState(live);
        expect(replayState(eventsOf(replayed))).toEqual(liveState);
        expect(replayState(eventsOf(await collect(memory.read())))).toEqual(liveState);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the replayed projections equal when compacted at any point', async () => {
    await fc.assert(
      fc.asyncProperty(appendBatchesArb, fc.nat(), async (batches, cutSeed) => {
        const cut = cutSeed % (batches.length + 1);
        const path = nextPath();
        const clock = fixedClock();
        const file = await openFileJournal({ path, clock });
        const before = await appendAll(file, batches.slice(0, cut));
        const compacted = await file.compact(snapshotOf(replayState(before), file.lastSeq));
        const after = await appendAll(file, batches.slice(cut));
        await file.close();

        // What the projections would be had the journal never been compacted.
        const uncompacted = replayState([...before, ...after]);

        const reopened = await openFileJournal({ path, clock });
        const replayed = eventsOf(await collect(reopened.read()));
        await reopened.close();
        expect(replayed).toEqual([compacted, ...after]);
        expect(replayState(replayed)).toEqual(uncompacted);
        // The live fold (through the compaction event, as the kernel publishes it) agrees too.
        expect(replayState([...before, compacted, ...after])).toEqual(uncompacted);
      }),
      { numRuns: 60 },
    );
  });
});
