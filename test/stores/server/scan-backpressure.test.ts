import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKernel, MemoryJournal, type DomainEvent, type NewEvent } from '../../../src/kernel/index.js';
import { orphanPolicy } from '../../../src/policies/index.js';
import { ServerStore } from '../../../src/stores/server/index.js';
import { HOUR, sandbox, type Sandbox } from './helpers.js';

/** A journal whose writes take a while, as appends to a busy disk do. */
class SlowJournal extends MemoryJournal {
  override append(events: readonly NewEvent[]): Promise<readonly DomainEvent[]> {
    return new Promise<void>((resolve) => setTimeout(resolve, 4)).then(() => super.append(events));
  }
}

let box: Sandbox;
beforeEach(() => {
  box = sandbox('reclaim-backpressure-');
});
afterEach(() => box.cleanup());

describe('scan back-pressure', () => {
  it.each(['thread', 'worker'] as const)(
    'the orphan scan (%s walker) never runs far ahead of the journal: files seen but not yet decided stay bounded',
    async (walker) => {
      const now = Date.now();
      // 12k unreferenced files: a tenth old (orphans, deleted), the rest young (skipped, grace):
      // every file seen becomes one journaled decision, and few of them deletions, so the
      // deletion queue alone would not hold the scan back.
      for (let i = 0; i < 12_000; i += 1) box.file(`f${i}.wav`, 1, i % 10 === 0 ? now - 3 * HOUR : now);
      box.tokens({});
      const store = new ServerStore({ storagePath: box.root, tokenFile: box.tokenFile, limitBytes: null, walker });
      const kernel = createKernel({ store, journal: new SlowJournal(), policies: [{ policy: orphanPolicy, options: { graceMinutes: 60 } }] });
      let seen = 0;
      let decided = 0;
      let most = 0;
      kernel.storage$.subscribe((event) => {
        if (event.type !== 'FileObserved') return;
        seen += 1;
        most = Math.max(most, seen - decided);
      });
      kernel.events$.subscribe((event) => {
        if (event.type === 'DeletionPlanned' || event.type === 'DeletionSkipped') decided += 1;
      });
      const result = await kernel.run();
      expect(seen).toBe(12_000);
      expect(decided).toBe(12_000);
      expect(result.totals.deleted).toBe(1_200);
      // Batches of 256 decisions, at most 4 waiting for the journal and one being planned, plus
      // one batch of the walk: without pacing on the journal the whole folder is ahead.
      expect(most).toBeLessThan(2_800);
    },
    60_000,
  );
});
