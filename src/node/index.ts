/**
 * `reclaim/node`: the server side. `createCleanupService` over a JSON token file and a storage
 * folder, `createScheduledCleanup`, and the parts for hosts that assemble their own.
 */
import 'reflect-metadata';

export { createCleanupService } from './create-cleanup-service.js';
export {
  assembleCleanupService,
  serverPolicies,
  toCleanupResult,
  type CleanupResult,
  type CleanupService,
  type CleanupServiceParts,
} from './cleanup-service.js';
export { createScheduledCleanup, type ScheduledCleanup, type ScheduledCleanupOptions, type ScheduledCleanupStatus } from './scheduled-cleanup.js';
export { resolveServiceOptions, SERVICE_OPTIONS_SCHEMA, type CleanupServiceOptions, type ResolvedServiceOptions } from './options.js';
export { readJournalFile, type JournalCursor } from './journal-reader.js';
export { LazyJournal } from './lazy-journal.js';
export { TokenFile, type NewToken, type TokenFileOptions, type TokenFileSnapshot } from '../stores/json-file/index.js';
export { ServerStore, createServerStore, type ServerStoreOptions } from '../stores/server/index.js';
export { FileJournal, openFileJournal, type FileJournalOptions } from '../stores/file-journal/index.js';
export { attachEventLogger, createEventLogger, EVENT_LOG_LEVELS, type AttachEventLoggerOptions, type EventLoggerOptions } from '../transports/log/index.js';
