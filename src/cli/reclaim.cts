#!/usr/bin/env node
// The `reclaim` executable. A CommonJS file on purpose: it runs before Node's ES module loader
// starts libuv's thread pool, so it can still size that pool. Every file removal is a trip
// through the pool, and on disks where an unlink waits for the device (a `discard` mount, a
// network file system) the default of 4 threads caps a cleanup at 4 removals at a time, far
// below the kernel's `concurrency` (32). A UV_THREADPOOL_SIZE set by the user is kept.
process.env.UV_THREADPOOL_SIZE ??= '16';

import('./bin.js').catch((error: unknown) => {
  process.stderr.write(`reclaim: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
