import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerOptions } from 'node:worker_threads';
import { createCleanupService } from '../../../src/node/index.js';
import { walkFolder, walkInWorker } from '../../../src/stores/folder/index.js';
import { sandbox, type Sandbox } from './helpers.js';

// A worker that cannot start cannot be made for real here (that takes a broken Node build or
// a thread limit this machine does not hit), and how many workers a walk starts is not visible
// from outside. So the Worker constructor is wrapped: it notes each share it is asked to walk
// and throws for the shares listed in `workers.failing`; the workers that start, the walks and the
// files are real.
const workers = vi.hoisted(() => ({ failing: new Set<number>(), started: [] as { part: number; parts: number }[] }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  class SometimesWorker extends real.Worker {
    constructor(source: string | URL, options?: WorkerOptions) {
      const share = (options?.workerData as { share?: { part: number; parts: number } } | undefined)?.share ?? { part: 0, parts: 1 };
      if (workers.failing.has(share.part)) throw new Error('no worker can start here');
      super(source, options);
      workers.started.push(share);
    }
  }
  return { ...real, Worker: SometimesWorker };
});

let box: Sandbox;
beforeEach(() => {
  box = sandbox('reclaim-walk-fallback-');
  for (let i = 0; i < 600; i += 1) box.file(i % 2 === 0 ? `top-${i}.wav` : `s${i % 9}/f${i}.wav`, 1);
});
afterEach(() => {
  workers.failing.clear();
  workers.started.length = 0;
  box.cleanup();
});

describe('a split walk whose workers cannot start', () => {
  it('walks the share of a worker that failed on this thread: every entry once, as one walk here', async () => {
    const here: string[] = [];
    await walkFolder(box.root, (entry) => here.push(entry.key));
    workers.failing.add(1);
    const seen: string[] = [];
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, batchSize: 16 });
    expect(seen.sort()).toEqual(here.sort());
  });

  it('ends the whole walk at a stop, without starting the shares still waiting', async () => {
    for (const part of [0, 1, 2]) workers.failing.add(part);
    let visits = 0;
    await walkInWorker(box.root, () => (visits += 1), { threads: 3, stopped: () => visits >= 10 });
    // One chunk of the first share (256 entries at most) and nothing of the two others.
    expect(visits).toBeGreaterThanOrEqual(10);
    expect(visits).toBeLessThanOrEqual(256);
  });
});

describe('a split walk that starts beside a busy thread (moreThreadsAfter)', () => {
  const releasable = (): { promise: Promise<void>; release: () => void } => {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    return { promise, release };
  };

  it('walks one share at a time while the gate is shut, the next once a worker is done: every entry once', async () => {
    const here: string[] = [];
    await walkFolder(box.root, (entry) => here.push(entry.key));
    const seen: string[] = [];
    // The gate never opens: the walk still ends, its shares walked one after the other.
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, batchSize: 16, moreThreadsAfter: new Promise<void>(() => undefined) });
    expect(seen.sort()).toEqual(here.sort());
    expect(workers.started.map((share) => share.part)).toEqual([0, 1, 2]);
  });

  it('starts no second worker while the first is still walking and the gate is shut; opening it starts the rest at once', async () => {
    const gate = releasable();
    const consumer = releasable();
    const seen: string[] = [];
    // window 1 and a consumer that holds the first batch: the first worker cannot finish its share.
    const walk = walkInWorker(box.root, (entry) => seen.push(entry.key), {
      threads: 3,
      batchSize: 8,
      window: 1,
      between: () => consumer.promise,
      moreThreadsAfter: gate.promise,
    });
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(workers.started.map((share) => share.part)).toEqual([0]);
    gate.release();
    await vi.waitFor(() => expect(workers.started.map((share) => share.part).sort()).toEqual([0, 1, 2]));
    consumer.release();
    await walk;
    const here: string[] = [];
    await walkFolder(box.root, (entry) => here.push(entry.key));
    expect(seen.sort()).toEqual(here.sort());
  });
});

describe('the service option walkerThreads', () => {
  it('reaches the folder walks: the load\'s walk and the orphan scan are each split between that many workers', async () => {
    // 70 subfolders: enough for the store to walk on workers.
    for (let i = 0; i < 70; i += 1) box.file(`d${i}/x.wav`, 1);
    writeFileSync(box.tokenFile, '{}');
    const service = createCleanupService({
      storagePath: box.root,
      tokenFile: box.tokenFile,
      journalFile: join(box.dir, 'journal.jsonl'),
      walkerThreads: 3,
    });
    try {
      await service.ready;
      await service.runCleanup({ dryRun: true });
    } finally {
      await service.close();
    }
    // Two walks (the load's, then the orphan scan's), each in shares 0, 1 and 2 of 3.
    expect(workers.started.every((share) => share.parts === 3)).toBe(true);
    expect(workers.started.map((share) => share.part).sort()).toEqual([0, 0, 1, 1, 2, 2]);
  });
});
