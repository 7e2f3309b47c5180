/**
 * The kernel's item model: what a store observes. Stores translate their own world (a JSON token
 * file and a folder, IndexedDB sessions, rows in memory) into these shapes; policies plan over
 * them without any I/O.
 */

/** Why an item may never be evicted. */
export type ProtectionReason = 'pinned' | 'active' | 'leased';

/** The file a record points at, as the store resolved it. */
export interface RecordFile {
  /** The path exactly as the record wrote it. */
  readonly path: string;
  /** Root-relative key (`/`-separated) when the path resolves inside the storage root. */
  readonly key?: string;
  /** True when the resolved path stays inside the storage root. */
  readonly inRoot: boolean;
  /** True when a regular file exists there (never true for a symlink). */
  readonly exists: boolean;
  /** Its size in bytes (0 when missing). */
  readonly size: number;
}

/** A logical item: a recovery token (server) or a recovery session (browser). */
export interface StoredRecord {
  readonly id: string;
  /** `token`, `session`, or a store's own word. */
  readonly kind: string;
  /** Epoch milliseconds, when known. */
  readonly createdAt?: number;
  readonly expiresAt?: number;
  readonly lastAccessAt?: number;
  /** Bytes freed by removing this record (its file's size, or the session's real size). */
  readonly bytes: number;
  /** The file this record owns, for stores that keep files beside records. */
  readonly file?: RecordFile;
  /** Root-relative keys this record could refer to: the orphan policy never deletes them. */
  readonly refs?: readonly string[];
  /** Set when the item must never be evicted. */
  readonly protectedBy?: ProtectionReason;
}

/** An entry the store could not turn into a usable record. It is reported and kept. */
export interface RejectedEntry {
  readonly id: string;
  readonly reason: string;
  /** Root-relative keys it might still refer to (conservative orphan matching). */
  readonly refs?: readonly string[];
}

/** A physical file seen by a scan of the storage root. */
export interface ObservedFile {
  /** Root-relative key, `/`-separated. */
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Only `file` is ever a deletion candidate. */
  readonly type: 'file' | 'symlink' | 'other';
  /** Set by the store for its own files (token file, lock, temp, journal): never candidates. */
  readonly reserved?: boolean;
}

/** Storage usage as measured by a store. */
export interface Usage {
  /** Bytes used by what the store manages. */
  readonly usedBytes: number;
  /** The configured limit in bytes, when there is one. */
  readonly limitBytes: number | null;
  /** The origin's usage and quota (browser `navigator.storage.estimate()`), when known. */
  readonly originUsageBytes?: number | null;
  readonly quotaBytes?: number | null;
}

/** Whether the record source (token database, session store) could be read. */
export type SourceStatus =
  | { readonly status: 'ok' }
  /** The source does not exist: an empty database for expiry, but orphans are suspended. */
  | { readonly status: 'missing'; readonly reason: string }
  /** The source exists but cannot be read as a whole. */
  | { readonly status: 'unreadable'; readonly reason: string };

/** All a store knows about its records at the start of a run. */
export interface RecordSnapshot {
  readonly source: SourceStatus;
  readonly records: readonly StoredRecord[];
  readonly rejected: readonly RejectedEntry[];
}

/** What a deletion acts on. */
export type Target =
  /** A record, with the root-relative key of the file it owns when that file is to go too. */
  | { readonly kind: 'record'; readonly id: string; readonly file?: string }
  /** A file under the storage root, by root-relative key. */
  | { readonly kind: 'file'; readonly path: string };

/** A stable string key for a target: `record:<id>` or `file:<path>`. */
export function targetKey(target: Target): string {
  return target.kind === 'record' ? `record:${target.id}` : `file:${target.path}`;
}

/**
 * Storage events: what a store observed, streamed through the kernel. They are the input of
 * policies and are not journaled (there is one per scanned file).
 */
export type StorageEvent =
  | { readonly type: 'RecordObserved'; readonly record: StoredRecord }
  | { readonly type: 'EntryRejected'; readonly entry: RejectedEntry }
  | { readonly type: 'FileObserved'; readonly file: ObservedFile };

/** What a store reports after carrying out one deletion. */
export type RemovalResult =
  | { readonly status: 'deleted'; readonly records: number; readonly files: number; readonly bytes: number }
  /** Already gone: counts as done, not as freed. */
  | { readonly status: 'gone' }
  | { readonly status: 'failed'; readonly code: string; readonly message: string; readonly path?: string };
