import { resolve } from 'node:path';
import { FileJournal } from '../stores/file-journal/index.js';
import { ServerStore } from '../stores/server/index.js';
import { assembleCleanupService, type CleanupService, type CleanupServiceParts } from './cleanup-service.js';
import { LazyJournal } from './lazy-journal.js';
import { resolveServiceOptions, type CleanupServiceOptions } from './options.js';
// The service's schemas validate with validators compiled ahead of time.
import './precompiled-validators.js';

/**
 * Creates the server cleanup service (SPEC §5) over a JSON token file and a storage folder,
 * with a JSON-lines journal beside the token file. Options are validated once (a bad value is
 * a `RECLAIM_INVALID_CONFIG` error naming the field); metrics are rebuilt from the journal, and
 * deletions a crashed run left open are finished, before `ready` resolves.
 *
 * @example
 * const service = createCleanupService({ storagePath: './recovery_storage', tokenFile: './recovery_tokens.json', retentionHours: 24, maxStorageMB: 1024 });
 * const result = await service.runCleanup();
 * console.log(`Cleaned ${result.tokensCleaned} tokens, freed ${result.bytesFreed} bytes`);
 * await service.close();
 */
export function createCleanupService(options: CleanupServiceOptions = {}, parts: CleanupServiceParts = {}): CleanupService {
  const resolved = resolveServiceOptions(options);
  const journalPath = resolve(resolved.journalFile);
  const journal =
    parts.journal ??
    new LazyJournal(() =>
      FileJournal.open({
        path: journalPath,
        ...(parts.clock === undefined ? {} : { clock: parts.clock }),
        // A process killed with its lock held: wait for the lock to go stale, then take it over.
        lockStaleMs: 2000,
        lockWaitMs: 4000,
      }),
    );
  const store =
    parts.store ??
    new ServerStore({
      storagePath: resolved.storagePath,
      tokenFile: resolved.tokenFile,
      limitBytes: resolved.maxStorageMB * 1_048_576,
      // Covers the journal and everything beside it named `<journal>.<anything>` (lock, temp file).
      reservedPaths: [journalPath],
      walkerThreads: resolved.walkerThreads,
    });
  return assembleCleanupService(resolved, { ...parts, store, journal });
}
