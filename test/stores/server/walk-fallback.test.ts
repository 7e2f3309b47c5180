import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerOptions } from 'node:worker_threads';
import { walkFolder, walkInWorker } from '../../../src/stores/folder/index.js';
import { sandbox, type Sandbox } from './helpers.js';

// A worker that cannot start cannot be made for real here (that takes a broken Node build or
// a thread limit this machine does not hit), so the one thing replaced is the Worker
// constructor, which throws for the shares listed in `failing`; the walks and files are real.
const failing = vi.hoisted(() => ({ parts: new Set<number>() }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:worker_threads')>();
  class SometimesWorker extends real.Worker {
    constructor(source: string | URL, options?: WorkerOptions) {
      const part = (options?.workerData as { share?: { part: number } } | undefined)?.share?.part ?? 0;
      if (failing.parts.has(part)) throw new Error('no worker can start here');
      super(source, options);
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
  failing.parts.clear();
  box.cleanup();
});

describe('a split walk whose workers cannot start', () => {
  it('walks the share of a worker that failed on this thread: every entry once, as one walk here', async () => {
    const here: string[] = [];
    await walkFolder(box.root, (entry) => here.push(entry.key));
    failing.parts.add(1);
    const seen: string[] = [];
    await walkInWorker(box.root, (entry) => seen.push(entry.key), { threads: 3, batchSize: 16 });
    expect(seen.sort()).toEqual(here.sort());
  });

  it('ends the whole walk at a stop, without starting the shares still waiting', async () => {
    for (const part of [0, 1, 2]) failing.parts.add(part);
    let visits = 0;
    await walkInWorker(box.root, () => (visits += 1), { threads: 3, stopped: () => visits >= 10 });
    // One chunk of the first share (256 entries at most) and nothing of the two others.
    expect(visits).toBeGreaterThanOrEqual(10);
    expect(visits).toBeLessThanOrEqual(256);
  });
});
