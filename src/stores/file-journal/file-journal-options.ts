import { validateConfig, type Clock, type JsonSchema } from '../../kernel/index.js';

/** How to open a {@link FileJournal}. Only `path` is required. */
export interface FileJournalOptions {
  /** The JSON-lines file; it and its folder are created when missing. */
  readonly path: string;
  /** Gives each event its `at`; defaults to the system clock. */
  readonly clock?: Clock;
  /**
   * While written data is not yet fsynced, fsync it at most this many milliseconds later:
   * bounds what a power loss can take. `null` (default) fsyncs only on `sync()`, `close()`
   * and compaction.
   */
  readonly fsyncIntervalMs?: number | null;
  /**
   * fsync each write before its appends resolve, so an acknowledged event also survives a
   * power loss. Appends in one tick still share one write and one fsync. Default false.
   */
  readonly fsyncOnAppend?: boolean;
  /**
   * A lock not refreshed for this long belongs to a dead process and is taken over (at least
   * 2000 ms; default 10000).
   */
  readonly lockStaleMs?: number;
  /**
   * How long opening waits for another holder of the lock before failing with
   * `RECLAIM_JOURNAL_LOCKED` (default 0: fail at once). A preset restarting after a crash may
   * wait `lockStaleMs` plus a margin to take over the dead process's lock.
   */
  readonly lockWaitMs?: number;
}

/** {@link FileJournalOptions} with defaults applied, validated and frozen. */
export interface ResolvedFileJournalOptions {
  readonly path: string;
  readonly fsyncIntervalMs: number | null;
  readonly fsyncOnAppend: boolean;
  readonly lockStaleMs: number;
  readonly lockWaitMs: number;
}

/** JSON Schema of the file journal's options (all but the injected clock). */
export const FILE_JOURNAL_OPTIONS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['path'],
  properties: {
    path: { type: 'string', minLength: 1 },
    fsyncIntervalMs: { type: ['number', 'null'], exclusiveMinimum: 0, default: null },
    fsyncOnAppend: { type: 'boolean', default: false },
    lockStaleMs: { type: 'integer', minimum: 2000, default: 10_000 },
    lockWaitMs: { type: 'number', minimum: 0, default: 0 },
  },
  additionalProperties: false,
};

/** Validates file journal options once: one coded error naming every bad field. */
export function resolveFileJournalOptions(options: FileJournalOptions): ResolvedFileJournalOptions {
  const { clock: _clock, ...plain } = options;
  return validateConfig<ResolvedFileJournalOptions>(FILE_JOURNAL_OPTIONS_SCHEMA, plain, {
    subject: 'Invalid file journal options',
    root: 'journal',
  });
}
