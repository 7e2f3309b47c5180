import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerOptions } from 'node:worker_threads';
import { createCleanupService } from '../../../src/node/index.js';
import { StorageFolder, walkFolder, walkInWorker } from '../../../src/stores/folder/index.js';
import { sandbox, type Sandbox } from './helpers.js';

// A worker that cannot start cannot be made for real here (that takes a broken Node build or
// a thread limit this machine does not hit), and which worker walked what is not visible from
// outside. So the Worker constructor is wrapped: it notes the role of each worker it is asked
// to start (the lister, or helper 0, 1, …), throws for the roles listed in `workers.failing`,
// and counts the entries each worker sends; the workers that start, the walks and the files
// are real.
type Role = 'lister' | number;
const workers = vi.hoisted(() => ({
  failing: new Set<Role>(),
  started: [] as Role[],
  sent: new Map<Role, number>(),
  running: new Map<Role, { terminate(): Promise<number> }>(),
  // Rewrites the workers' program (to stretch a moment a thread could be preempted at).
  patch: undefined as ((source: string) => string) | undefined,
}));
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  class SometimesWorker extends real.Worker {
    constructor(source: string | URL, options?: WorkerOptions) {
      const helper = (options?.workerData as { helper?: number } | undefined)?.helper;
      const role: Role = helper ?? 'lister';
      if (workers.failing.has(role)) throw new Error('no worker can start here');
      super(typeof source === 'string' && workers.patch !== undefined ? workers.patch(source) : source, options);
      workers.started.push(role);
      workers.running.set(role, this);
      this.on('message', (message: { count?: number }) => workers.sent.set(role, (workers.sent.get(role) ?? 0) + (message.count ?? 0)));
    }
  }
  return { ...real, Worker: SometimesWorker };
});

let box: Sandbox;
beforeEach(() => {
  box = sandbox('reclaim-walk-workers-');
  for (let i = 0; i < 600; i += 1) box.file(i % 2 === 0 ? `top-${i}.wav` : `s${i % 9}/f${i}.wav`, 1);
});
afterEach(() => {
  workers.failing.clear();
  workers.started.length = 0;
  workers.sent.clear();
  workers.running.clear();
  workers.patch = undefined;
  box.cleanup();
});

const walkHere = async (): Promise<string[]> => {
  const here: string[] = [];
  await walkFolder(box.root, (entry) => here.push(entry.key));
  return here.sort();
};
const releasable = (): { promise: Promise<void>; release: () => void } => {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
};
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a walk split between threads', () => {
  it('lists the root once and hands slices to the helpers: with a slow consumer, every worker walks part of a flat folder', async () => {
    for (let i = 0; i < 3000; i += 1) box.file(`flat-${i}.wav`, 1);
    const here = await walkHere();
    const seen: string[] = [];
    // One batch of 16 ahead per worker, 3 ms per batch: the walk lasts far longer than a helper takes to start.
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, batchSize: 16, window: 1, between: () => pause(3) });
    expect(seen.sort()).toEqual(here);
    expect(workers.started).toEqual(['lister', 0, 1]);
    for (const role of workers.started) expect(workers.sent.get(role) ?? 0, String(role)).toBeGreaterThan(0);
    expect([...workers.sent.values()].reduce((a, b) => a + b, 0)).toBe(here.length);
  });

  it('with helpHere, this thread walks the slices it is handed, beside the workers: every entry once', async () => {
    for (let i = 0; i < 3000; i += 1) box.file(`flat-${i}.wav`, 1);
    const here = await walkHere();
    const seen: string[] = [];
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 1, helpHere: true, batchSize: 16, window: 1, between: () => pause(3) });
    expect(seen.sort()).toEqual(here);
    expect(workers.started).toEqual(['lister']);
    const fromWorker = workers.sent.get('lister') ?? 0;
    expect(fromWorker).toBeGreaterThan(0);
    // The rest was walked on this thread.
    expect(fromWorker).toBeLessThan(here.length);
  });

  it('walks every slice handed out, even when a helper is held up between checking its slices and the end of the listing', async () => {
    for (let i = 0; i < 2000; i += 1) box.file(`flat-${i}.wav`, 1);
    const here = await walkHere();
    // The helper sleeps 20 ms before it reads how many slices it has walked, as a preempted
    // thread would: the lister hands out its last slices and ends the listing meanwhile.
    const walkedRead = 'Atomics.load(deal, 3 + 3 * helper)';
    workers.patch = (source) => {
      expect(source).toContain(walkedRead);
      return source.replaceAll(walkedRead, `(Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20), ${walkedRead})`);
    };
    for (let run = 0; run < 5; run += 1) {
      const seen: string[] = [];
      await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 2 });
      expect(seen.sort(), `run ${run}`).toEqual(here);
    }
  });

  it('hands a helper at most two slices ahead: a helper held up after it has asked for slices walks two, the lister the rest', async () => {
    // A folder of its own: 2,000 files and no subfolder, so every slice holds 128 names (the last 80).
    const flat = join(box.dir, 'flat');
    mkdirSync(flat);
    for (let i = 0; i < 2000; i += 1) writeFileSync(join(flat, `f-${i}.wav`), 'x');
    // Once ready, the helper sleeps 1.5 s before it takes its first slice. The lister, paced by a
    // slow consumer (batches of 16, 3 ms each), lists and walks the rest of the folder meanwhile,
    // and the helper is ready long before the listing ends.
    const ready = 'Atomics.store(deal, 4 + 3 * helper, 1);';
    workers.patch = (source) => {
      expect(source).toContain(ready);
      return source.replace(ready, `${ready} Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);`);
    };
    const seen = new Set<string>();
    await walkInWorker(flat, (entry) => seen.add(entry.key), { threads: 2, batchSize: 16, window: 1, between: () => pause(3) });
    expect(seen.size).toBe(2000);
    expect(workers.sent.get(0)).toBe(2 * 128);
    expect(workers.sent.get('lister')).toBe(2000 - 2 * 128);
  });

  it('fails, rather than ending short, when a helper that has taken part is killed from outside', async () => {
    for (let i = 0; i < 2000; i += 1) box.file(`flat-${i}.wav`, 1);
    const walk = walkInWorker(box.root, () => undefined, { threads: 2, batchSize: 16, window: 1, between: () => pause(3) });
    await vi.waitFor(() => expect(workers.sent.get(0) ?? 0).toBeGreaterThan(0), { timeout: 5000 });
    await workers.running.get(0)?.terminate();
    await expect(walk).rejects.toThrow(/stopped before it was done/);
  });

  it('a helper that cannot start leaves its part to the others: every entry once', async () => {
    workers.failing.add(0);
    const here = await walkHere();
    const seen: string[] = [];
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, batchSize: 16 });
    expect(seen.sort()).toEqual(here);
    expect(workers.started).toEqual(['lister', 1]);
  });

  it('walks on this thread when the lister cannot start, starting no helper: every entry once', async () => {
    workers.failing.add('lister');
    const here = await walkHere();
    const seen: string[] = [];
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, helpHere: true, batchSize: 16 });
    expect(seen.sort()).toEqual(here);
    expect(workers.started).toEqual([]);
  });

  it('walks on this thread when the lister dies before anything arrived from the walk: every entry once', async () => {
    const here = await walkHere();
    for (const helpHere of [false, true]) {
      const seen: string[] = [];
      const walk = walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, helpHere, batchSize: 16 });
      // Killed at once: it has not even booted, let alone listed or sent anything.
      await workers.running.get('lister')?.terminate();
      await walk;
      expect(seen.sort(), `helpHere ${String(helpHere)}`).toEqual(here);
      workers.running.clear();
    }
  });

  it('ends a walk here at a stop', async () => {
    workers.failing.add('lister');
    let visits = 0;
    await walkInWorker(box.root, () => (visits += 1), { threads: 3, stopped: () => visits >= 10 });
    // One chunk (256 entries at most), not the 600.
    expect(visits).toBeGreaterThanOrEqual(10);
    expect(visits).toBeLessThanOrEqual(256);
  });
});

describe('a split walk that starts beside a busy thread (moreThreadsAfter)', () => {
  it('walks with the lister alone while the gate is shut: every entry once, even if it never opens', async () => {
    const here = await walkHere();
    const seen: string[] = [];
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, batchSize: 16, moreThreadsAfter: new Promise<void>(() => undefined) });
    expect(seen.sort()).toEqual(here);
    expect(workers.started).toEqual(['lister']);
  });

  it('starts no helper while the gate is shut; opening it starts them all at once, and they take part', async () => {
    for (let i = 0; i < 3000; i += 1) box.file(`flat-${i}.wav`, 1);
    const gate = releasable();
    const seen: string[] = [];
    const walk = walkInWorker(box.root, (entry) => seen.push(entry.key), {
      threads: 3,
      batchSize: 16,
      window: 1,
      between: () => pause(2),
      moreThreadsAfter: gate.promise,
    });
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
    await pause(100);
    expect(workers.started).toEqual(['lister']);
    gate.release();
    await vi.waitFor(() => expect(workers.started).toEqual(['lister', 0, 1]));
    await walk;
    expect(seen.sort()).toEqual(await walkHere());
    expect(workers.sent.get(0)! + workers.sent.get(1)!).toBeGreaterThan(0);
  });
});

describe('the service option walkerThreads', () => {
  it('reaches the folder walks: the load\'s walk and the orphan scan, both paced, each split between that many workers: the lister and two helpers', async () => {
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
    expect(workers.started.map(String).sort()).toEqual(['0', '0', '1', '1', 'lister', 'lister']);
  });

  it('a scan nobody paces counts this thread among the walkers: one worker fewer', async () => {
    const folder = new StorageFolder(box.root, { walker: 'worker', walkerThreads: 2 });
    const unpaced = await lastValueFrom(folder.scan(), { defaultValue: undefined });
    expect(unpaced).toBeDefined();
    expect(workers.started).toEqual(['lister']);
    workers.started.length = 0;
    await lastValueFrom(folder.scan({ pace: () => Promise.resolve() }), { defaultValue: undefined });
    expect(workers.started).toEqual(['lister', 0]);
  });
});
