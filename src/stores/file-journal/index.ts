export {
  FileJournal,
  openFileJournal,
  type FileJournalOpenReport,
  type FileJournalStats,
  type JournalProblem,
} from './file-journal.js';
export { FILE_JOURNAL_OPTIONS_SCHEMA, type FileJournalOptions, type ResolvedFileJournalOptions } from './file-journal-options.js';
