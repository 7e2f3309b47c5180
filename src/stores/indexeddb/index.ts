/**
 * IndexedDB stores (browser): the session store over an app's recovery sessions, with the two
 * layouts of SPEC §4 as presets, and a journal in its own database.
 */
export { IndexedDbSessionStore, type IndexedDbSessionStoreOptions, type SessionInspection } from './indexeddb-session-store.js';
export { IndexedDbJournal, type IndexedDbJournalOptions } from './indexeddb-journal.js';
export {
  CHATTERBOX_RECOVERY_LAYOUT,
  CHATTERBOX_STORAGE_LAYOUT,
  SESSION_LAYOUT_SCHEMA,
  SESSION_PRESETS,
  resolveSessionLayout,
  type SessionLayout,
  type SessionLayoutInput,
  type SessionPresetName,
} from './session-layout.js';
export { activeSessionIdOf, readPath, readSession, recordSize, sessionIdOf, sessionKeyOf, toEpochMs, type SessionReading } from './session-record.js';
export { sessionBytes, utf8ByteLength } from './session-size.js';
export { openExistingDatabase, type ExistingDatabase, type ExpectedDatabase } from './open-existing-database.js';
export { defaultEstimator, readOriginEstimate, type OriginEstimate, type StorageEstimator } from './storage-estimate.js';
