/**
 * The file journal (Node): domain events as JSON lines in one file, with coalesced appends, a
 * torn-tail repair at open, an exclusive inter-process lock and atomic compaction.
 */
export {
  FileJournal,
  openFileJournal,
  type FileJournalOpenReport,
  type FileJournalStats,
  type JournalProblem,
} from './file-journal.js';
export { FILE_JOURNAL_OPTIONS_SCHEMA, type FileJournalOptions, type ResolvedFileJournalOptions } from './file-journal-options.js';
