#!/usr/bin/env node
// The `reclaim` executable. A CommonJS file on purpose: it runs before Node's ES module loader
// starts libuv's thread pool, so it can still size that pool. Every file removal is a trip
// through the pool, and on disks where an unlink waits for the device (a `discard` mount, a
// network file system) the default of 4 threads caps a cleanup at 4 removals at a time, far
// below the service's `concurrency` (128). 16 threads: with more, the main thread pays for the
// idle ones. Each submission wakes an idle thread (a futex call) and contends for the pool's
// lock with threads the scheduler has preempted while holding it; on 2 cores a profile of a
// flat 100k-file cleanup with 64 threads showed 1.3-1.7 s of the main thread inside `unlink`
// calls, 0.7 s with 16. Side by side (128 in flight in both), 16 threads beat 64 in 12 of 12
// flat cleanups (median 3.4 s against 4.0 s) and 3 of 3 sharded ones; 12, 24 and 32 were no
// faster at the median, 8 and 4 slower. A UV_THREADPOOL_SIZE set by the user is kept.
import { setFlagsFromString } from 'node:v8';

process.env.UV_THREADPOOL_SIZE ??= '16';

// A cleanup streams much short-lived data (an event or two per file, scan entries), and V8 lets
// the old generation grow to several times what is live before it collects: peak memory then
// grows with the folder although live data does not. Growing the heap by 50% at a time keeps
// the peak near the live size (a cleanup of 1M files with 70k tokens: 499 → 343 MiB; 20% gave
// 271 MiB but cost ~15% more CPU). Heap flags the user gave (NODE_OPTIONS or node's own
// arguments) are kept.
const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
if (!/--(heap-growing-percent|max-old-space-size|max-heap-size)\b/.test(given)) setFlagsFromString('--heap-growing-percent=50');

// The command itself, bundled into one file by the build (scripts/cli-bundle.ts): it loads in
// a fraction of the time its ~480 modules take one by one. Named through a variable: the bundle
// exists only in dist/.
const command = './reclaim-cli.mjs';
import(command).catch((error: unknown) => {
  process.stderr.write(`reclaim: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
