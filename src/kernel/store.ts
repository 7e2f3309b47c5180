import type { Observable } from 'rxjs';
import type { ObservedFile, RecordSnapshot, RemovalResult, Target, Usage } from './storage.js';

/** Options the kernel passes to a file scan. */
export interface ScanOptions {
  /**
   * Back-pressure: a store that streams many files awaits this between chunks, so a scan never
   * runs far ahead of the deletions it feeds.
   */
  readonly pace?: () => Promise<void>;
}

/**
 * The store port: how the kernel sees and changes storage. Every store (memory, JSON token file
 * with a folder, IndexedDB) implements it and passes the shared store contract suite.
 */
export interface Store {
  /** A short name for events and logs, e.g. `memory` or `json-file`. */
  readonly name: string;
  /** Reads every record at the start of a run. Must not throw on bad entries: reject them. */
  loadRecords(): Promise<RecordSnapshot>;
  /** Streams the files under the storage root. Stores without files leave it out. */
  scanFiles?(options?: ScanOptions): Observable<ObservedFile>;
  /** Measures usage now. */
  measure(): Promise<Usage>;
  /**
   * Carries out one deletion. A missing item is `gone`, not an error; a refused one is `failed`
   * and must leave the item in place.
   */
  remove(target: Target): Promise<RemovalResult>;
  /** Makes removals durable (e.g. one atomic rewrite of a token file). Called after each policy. */
  commit?(): Promise<void>;
  /** Releases resources. */
  close?(): Promise<void>;
}
