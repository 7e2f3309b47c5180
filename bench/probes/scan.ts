/**
 * Probe: reclaim's storage scan alone. Streams every file under the root through
 * `ServerStore.scanFiles()` (the scan the orphan policy consumes) and counts them.
 * Usage: scan.mjs <storage> <tokenFile>
 */
import 'reflect-metadata';
import { ServerStore } from '../../src/stores/server/index.js';
import { arg, report } from './report.js';

const store = new ServerStore({ storagePath: arg(0, 'storage'), tokenFile: arg(1, 'tokenFile'), limitBytes: null });
const started = performance.now();
let files = 0;
let bytes = 0;
await new Promise<void>((resolve, reject) => {
  store.scanFiles().subscribe({
    next(file) {
      files += 1;
      bytes += file.size;
    },
    error: reject,
    complete: resolve,
  });
});
report({ scanMs: performance.now() - started, files, bytes });
