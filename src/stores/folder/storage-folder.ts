import { lstatSync, statSync } from 'node:fs';
import { Observable } from 'rxjs';
import { describeError, type ObservedFile, type RemovalResult, type ScanOptions } from '../../kernel/index.js';
import { walkFolder, type FolderEntry } from './folder-walk.js';
import { isReservedKey } from './reserved-match.js';
import { walkInWorker, type WorkerWalkOptions } from './walk-worker.js';
import { walkerThreadsOf } from './walker-threads.js';
import { StorageRoot } from './storage-root.js';
import { removeRegularFile } from './remove-file.js';

/** How to open a {@link StorageFolder}. */
export interface StorageFolderOptions {
  /** Resolves a relative `path`. Defaults to `process.cwd()`. */
  readonly cwd?: string;
  /**
   * Keys (files or folders) that belong to the stores themselves, matched as
   * {@link isReservedKey} says: reported `reserved`, never deleted, reserved folders not walked.
   * Asked at each walk, so it may change.
   */
  readonly reservedKeys?: () => readonly string[];
  /**
   * Where walks run: `worker` on a worker thread (see {@link walkInWorker}), `thread` on this
   * one, `auto` (default) on a worker when the root looks large (a listing of 256 KiB or more, or
   * 64 subfolders or more), else here, where a small walk is over before a worker has started.
   */
  readonly walker?: 'auto' | 'worker' | 'thread';
  /**
   * Threads a walk on workers is split between (see {@link walkInWorker}): one worker lists the
   * root and hands slices of it to the others as they are free. A walk is bound by the per-call
   * cost of `lstat`, so two threads nearly halve it. A walk nobody paces (a scan without `pace`,
   * a `measure()`) counts this thread among them, its event loop being free; a paced one (the
   * load's walk, the orphan scan beside deletions) leaves it to the consumer and starts this many
   * workers. An integer from 1 to 64. Default 2, or 1 on a single core.
   */
  readonly walkerThreads?: number;
  /** Entries between yields to the event loop, for walks on this thread. Default 256. */
  readonly chunkSize?: number;
  /**
   * How long a measured usage stays valid (kept current by this folder's own deletions) before
   * the next `measure()` walks the tree again. Default 300000 (5 minutes).
   */
  readonly usageMaxAgeMs?: number;
}

/** What is at a key right now, by `lstat`. */
export type FileState =
  | { readonly type: 'file'; readonly size: number; readonly mtimeMs: number }
  | { readonly type: 'symlink' | 'other' | 'folder' }
  | { readonly type: 'missing' }
  /** Reached only through a symlinked folder, or not a valid key: not ours to look at. */
  | { readonly type: 'outside' };

/**
 * The storage folder: a streamed, `lstat`-only scan of every file under the root, usage
 * measurement, and contained deletion of regular files. Symlinks are reported, never followed,
 * never deleted.
 */
export class StorageFolder {
  readonly root: StorageRoot;
  readonly #reservedKeys: () => readonly string[];
  readonly #walker: 'auto' | 'worker' | 'thread';
  /** Worker threads a walk on workers is split between (the option, or its default). */
  readonly walkerThreads: number;
  readonly #chunkSize: number;
  readonly #usageMaxAgeMs: number;
  #usage: { bytes: number; readonly at: number } | undefined;

  constructor(path: string, options: StorageFolderOptions = {}) {
    this.root = new StorageRoot(path, options.cwd);
    this.#reservedKeys = options.reservedKeys ?? (() => []);
    this.#walker = options.walker ?? 'auto';
    this.walkerThreads = walkerThreadsOf(options.walkerThreads);
    this.#chunkSize = options.chunkSize ?? 256;
    this.#usageMaxAgeMs = options.usageMaxAgeMs ?? 300_000;
  }

  /**
   * Streams every file, symlink and other non-folder under the root as an `ObservedFile`. The
   * scan starts on subscription, stops on unsubscription, and awaits `pace()` between chunks so
   * it never runs far ahead of the deletions it feeds. Reserved keys are flagged; reserved
   * folders are not descended into.
   */
  scan(options: ScanOptions = {}): Observable<ObservedFile> {
    return new Observable<ObservedFile>((subscriber) => {
      let stopped = false;
      const reserved = this.#reservedKeys();
      this.#walk(
        (entry) => {
          subscriber.next(reserved.length > 0 && isReservedKey(reserved, entry.key) ? { ...entry, reserved: true } : entry);
        },
        {
          reserved,
          stopped: () => stopped || subscriber.closed,
          ...(options.pace === undefined ? {} : { between: options.pace }),
        },
      ).then(
        () => subscriber.complete(),
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        stopped = true;
      };
    });
  }

  /**
   * Bytes of regular files under the root (symlinks not followed, reserved files included).
   * After one walk the figure is kept current by this folder's own deletions, so measuring
   * between policy stages costs nothing; it is walked again after {@link startOver} or once
   * older than `usageMaxAgeMs`.
   */
  async measure(): Promise<number> {
    if (this.#usage !== undefined && Date.now() - this.#usage.at <= this.#usageMaxAgeMs) return this.#usage.bytes;
    return this.survey(() => undefined);
  }

  /**
   * Walks the whole tree once, as {@link measure} does, and shows every entry to `visit` on the
   * way; the usage it finds is kept as a fresh measurement. A caller that must look at many
   * files (the server store checking each token's file) learns their state from this one walk
   * instead of an `lstat` per file after a walk that already made them.
   */
  async survey(visit: (entry: FolderEntry) => void, options: Pick<WorkerWalkOptions, 'between' | 'window' | 'threads' | 'moreThreadsAfter'> = {}): Promise<number> {
    const at = Date.now();
    let bytes = 0;
    await this.#walk(
      (entry) => {
        if (entry.type === 'file') bytes += entry.size;
        visit(entry);
      },
      // Folders the walk went through are inside the root: removals there need no realpath.
      // Reserved folders are walked too: their files count toward usage.
      { ...options, enter: (key) => this.root.markInside(key) },
    );
    this.#usage = { bytes, at };
    return bytes;
  }

  /**
   * One walk of the root, on this thread or on workers (see {@link StorageFolderOptions.walker}),
   * split between `walkerThreads` threads unless `options.threads` says otherwise.
   */
  #walk(visit: (entry: FolderEntry) => void, options: WorkerWalkOptions): Promise<void> {
    if (this.#walker === 'worker' || (this.#walker === 'auto' && this.#looksLarge())) {
      // A walk nobody paces leaves this thread free: it is one of the walkers, beside the workers.
      const helpHere = options.between === undefined && options.threads === undefined && this.walkerThreads > 1;
      return walkInWorker(this.root.path, visit, { threads: helpHere ? this.walkerThreads - 1 : this.walkerThreads, helpHere, ...options });
    }
    return walkFolder(this.root.path, visit, { ...options, chunkSize: this.#chunkSize });
  }

  /** True when the root's own listing is large or it has many subfolders: worth a worker. */
  #looksLarge(): boolean {
    try {
      const stats = statSync(this.root.path);
      return stats.size >= 256 * 1024 || stats.nlink >= 66;
    } catch {
      return false;
    }
  }

  /** Forgets cached usage and folder checks: the next measure walks again. Call at each run's start. */
  startOver(): void {
    this.#usage = undefined;
    this.root.forget();
  }

  /** What is at a key now, without following symlinks. */
  inspect(key: string): FileState {
    let path: string;
    try {
      path = this.root.resolveKey(key);
    } catch {
      return { type: 'outside' };
    }
    if (!this.root.parentIsInside(key)) return { type: 'outside' };
    let stats;
    try {
      stats = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      // ENOTDIR and the like: no file there.
      return { type: 'missing' };
    }
    if (stats === undefined) return { type: 'missing' };
    if (stats.isFile()) return { type: 'file', size: stats.size, mtimeMs: stats.mtimeMs };
    if (stats.isSymbolicLink()) return { type: 'symlink' };
    return { type: stats.isDirectory() ? 'folder' : 'other' };
  }

  /**
   * Deletes the regular file at a key. `gone` when nothing is there; `failed` with code
   * `RECLAIM_OUTSIDE_ROOT` for a key outside the root, `RECLAIM_PROTECTED_PATH` for a reserved
   * key, a symlink or anything not a regular file (left in place), or the system's code
   * (`EACCES`, `EPERM`, `EBUSY`, …) with the absolute path when the unlink is refused.
   */
  async removeFile(key: string): Promise<RemovalResult> {
    let path: string;
    try {
      path = this.root.resolveKey(key);
    } catch (error) {
      return { status: 'failed', ...describeError(error), path: key };
    }
    if (isReservedKey(this.#reservedKeys(), key)) {
      return { status: 'failed', code: 'RECLAIM_PROTECTED_PATH', message: `${key} belongs to reclaim or the token file and is never deleted`, path };
    }
    if (!this.root.parentIsInside(key)) {
      return { status: 'failed', code: 'RECLAIM_OUTSIDE_ROOT', message: `${key} is reached through a symlinked folder that leads out of the storage root; left alone`, path };
    }
    // lstat right before the unlink: anything but a regular file is left in place, and the size
    // freed is the size it had.
    const outcome = await removeRegularFile(path);
    switch (outcome.status) {
      case 'gone':
        return { status: 'gone' };
      case 'not-a-file':
        return { status: 'failed', code: 'RECLAIM_PROTECTED_PATH', message: `${key} is a ${outcome.type}, not a regular file; symlinks are never followed or deleted`, path };
      case 'refused':
        return { status: 'failed', code: outcome.code, message: `cannot delete ${path}: ${outcome.message}`, path };
      case 'deleted':
        if (this.#usage !== undefined) this.#usage.bytes -= outcome.size;
        return { status: 'deleted', records: 0, files: 1, bytes: outcome.size };
    }
  }
}
