import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKernel, newEvent, type Clock, type Kernel } from '../../../src/kernel/index.js';
import { emergencyPolicy, expiryPolicy, orphanPolicy } from '../../../src/policies/index.js';
import { openFileJournal, type FileJournal } from '../../../src/stores/file-journal/index.js';
import { MemoryStore } from '../../../src/stores/memory/index.js';
import { collect, eventsOf, parseWholeFile, tempFolder } from './support.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2025-03-01T12:00:00.000Z');

/** A clock that moves a second per reading, so runs have distinct times and durations. */
function tickingClock(): Clock {
  let now = NOW;
  return { now: () => (now += 1000) };
}

/** A store with expired tokens, fresh ones, an orphan, a rejected entry, a refused deletion and storage pressure. */
function seededStore(): MemoryStore {
  const store = new MemoryStore({
    limitBytes: 50_000,
    rejected: [{ id: 'no-dates', reason: 'no usable created_at or expires_at' }],
    records: [
      { id: 'old-1', createdAt: NOW - 72 * HOUR, expiresAt: NOW - 48 * HOUR, fileKey: 'old-1.wav' },
      { id: 'old-2', createdAt: NOW - 50 * HOUR, fileKey: 'old-2.wav' },
      { id: 'old-locked', createdAt: NOW - 50 * HOUR, fileKey: 'old-locked.wav' },
      ...Array.from({ length: 6 }, (_, i) => ({ id: `fresh-${i}`, createdAt: NOW - (10 + i) * HOUR, fileKey: `fresh-${i}.wav` })),
    ],
    files: [
      { key: 'old-1.wav', size: 10_000, mtimeMs: NOW - 72 * HOUR },
      { key: 'old-2.wav', size: 12_000, mtimeMs: NOW - 50 * HOUR },
      { key: 'old-locked.wav', size: 3_000, mtimeMs: NOW - 50 * HOUR },
      { key: 'stray.wav', size: 4_000, mtimeMs: NOW - 5 * HOUR },
      ...Array.from({ length: 6 }, (_, i) => ({ key: `fresh-${i}.wav`, size: 9_000, mtimeMs: NOW - (10 + i) * HOUR })),
    ],
  });
  store.refuse('record:old-locked');
  return store;
}

const policies = [
  { policy: expiryPolicy, options: { retentionHours: 24 } },
  { policy: orphanPolicy, options: { graceMinutes: 60 } },
  { policy: emergencyPolicy, options: { limitBytes: 50_000, minAgeMinutes: 10 } },
];

let folder: { dir: string; cleanup: () => Promise<void> };
let path: string;
/** Closers of what each test opened; closing twice is harmless for kernels and journals. */
const opened: (() => Promise<void>)[] = [];

async function kernelOn(store: MemoryStore, config: { compactAfterEvents?: number } = {}): Promise<{ kernel: Kernel; journal: FileJournal }> {
  const journal = await openFileJournal({ path });
  const kernel = createKernel({ store, journal, policies, clock: tickingClock(), config: { retentionHours: 24, ...config } });
  opened.push(() => kernel.close());
  await kernel.ready;
  return { kernel, journal };
}

beforeEach(async () => {
  folder = await tempFolder();
  path = join(folder.dir, 'recovery_tokens.journal.jsonl');
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((close) => close()));
  await folder.cleanup();
});

describe('a real kernel over the file journal', () => {
  it('rebuilds equal metrics and projections after a restart', async () => {
    const store = seededStore();
    const { kernel } = await kernelOn(store);
    const first = await kernel.run();
    await kernel.run({ dryRun: true });
    await kernel.run();
    expect(first.totals.deleted).toBeGreaterThan(0);
    expect(kernel.getMetrics().errors).toBeGreaterThan(0);
    const metrics = kernel.getMetrics();
    const state = kernel.state;
    await kernel.close();

    const { kernel: restarted } = await kernelOn(store);
    const report = await restarted.ready;
    expect(report.invalid).toEqual([]);
    expect(report.recovered).toBe(0);
    expect(restarted.getMetrics()).toEqual(metrics);
    expect(restarted.state).toEqual(state);
    expect(restarted.getMetrics().runs).toBe(3);
  });

  it('compacts as configured, keeps the file bounded, and replays to the same state', async () => {
    const store = seededStore();
    const { kernel, journal } = await kernelOn(store, { compactAfterEvents: 5 });
    for (let i = 0; i < 4; i += 1) {
      // New work each round, so every run journals several events.
      store.putRecord({ id: `late-${i}`, createdAt: NOW - 100 * HOUR, fileKey: `late-${i}.wav` });
      store.putFile({ key: `late-${i}.wav`, size: 100, mtimeMs: NOW - 100 * HOUR });
      await kernel.run();
    }
    expect(journal.stats.compactions).toBeGreaterThanOrEqual(3);
    const onDisk = await parseWholeFile(path);
    // Only the last compaction survives, first in the file.
    expect(onDisk[0]?.type).toBe('JournalCompacted');
    expect(onDisk.filter((e) => e.type === 'JournalCompacted')).toHaveLength(1);
    const state = kernel.state;
    await kernel.close();

    const { kernel: restarted } = await kernelOn(store, { compactAfterEvents: 5 });
    expect(restarted.state).toEqual(state);
    expect(restarted.getMetrics().runs).toBe(4);
  });

  it('finishes, on the next start, a deletion a run planned before it died', async () => {
    const store = seededStore();
    const journal = await openFileJournal({ path });
    // What a run that died between intent and outcome leaves in the journal.
    await journal.append([
      newEvent('RunStarted', { trigger: 'manual', dryRun: false, policies: ['expiry'], retentionHours: 24 }, 'run-dead'),
      newEvent('DeletionPlanned', { policy: 'expiry', target: { kind: 'record', id: 'old-1', file: 'old-1.wav' }, reason: 'expired', bytes: 10_000 }, 'run-dead'),
    ]);
    await journal.close();

    const { kernel } = await kernelOn(store);
    const report = await kernel.ready;
    expect(report.recovered).toBe(1);
    expect(store.records().map((r) => r.id)).not.toContain('old-1');
    const deleted = eventsOf(await collect((await reopenAfter(kernel)).read())).filter((e) => e.type === 'ItemDeleted');
    expect(deleted).toMatchObject([{ data: { target: { id: 'old-1' }, recovered: true } }]);
  });
});

/** Closes the kernel (and its journal), then opens the journal file to look at it. */
async function reopenAfter(kernel: Kernel): Promise<FileJournal> {
  await kernel.close();
  const journal = await openFileJournal({ path });
  opened.push(() => journal.close());
  return journal;
}
