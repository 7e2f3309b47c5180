import * as fs from 'node:fs';
import type { ObservedFile } from '../../kernel/index.js';
import { nextTurn } from '../fs/next-turn.js';
import { isReservedKey } from './reserved-match.js';
import { ROOT_SLICE_NAMES, STEP_TYPES, rootSlices, walkSteps } from './walk-steps.js';

/** One entry found under the root: anything but a folder (folders are descended into). */
export interface FolderEntry {
  readonly key: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly type: ObservedFile['type'];
}

/** How a walk proceeds. */
export interface FolderWalkOptions {
  /** Entries handled between two yields to the event loop. Default 256. */
  readonly chunkSize?: number;
  /**
   * Reserved keys: folders they name (see {@link isReservedKey}), such as a lock directory, are
   * not descended into. A list rather than a predicate, so that a walk on a worker thread
   * ({@link walkInWorker}) takes the same options.
   */
  readonly reserved?: readonly string[];
  /** Awaited between chunks: back-pressure from the consumer. */
  readonly between?: () => Promise<void>;
  /** Polled between entries; the walk ends early once it returns true. */
  readonly stopped?: () => boolean;
  /** Told the key of each folder the walk descends into (reached without any symlink). */
  readonly enter?: (key: string) => void;
}

/**
 * Walks every entry under `root`, depth first, calling `visit` for each file, symlink or other
 * non-folder (with its root-relative `/` key, `lstat` size and mtime). Symlinks are never
 * followed; folders are descended into (unless `reserved`), one at a time: the root is listed
 * in slices ({@link rootSlices}) and each slice walked before the next is read, so at most two
 * directory handles are open (the root's and one large folder's) and memory holds a slice of
 * names or two plus the keys of folders not yet visited (see {@link walkSteps}).
 *
 * Calls are synchronous `lstat`s on this thread in chunks of `chunkSize`, with a yield to the
 * event loop (and `between`) after each chunk: on this workload that is several times faster
 * than one `fs.promises` round trip per file, and the yields let deletions overlap the scan.
 * {@link walkInWorker} does the same walk on other threads. An entry that disappears mid-walk
 * is skipped; a missing root has no entries. Other errors (a folder that cannot be read)
 * reject the walk.
 */
export async function walkFolder(root: string, visit: (entry: FolderEntry) => void, options: FolderWalkOptions = {}): Promise<void> {
  const walkSlice = sliceWalker(root, visit, options);
  for (const names of rootSlices(fs, root, ROOT_SLICE_NAMES)) {
    if (!(await walkSlice(names))) return;
  }
}

/**
 * The walk of {@link walkFolder} one slice of the root at a time (see {@link rootSlices}), on
 * this thread: each call walks the given names and everything below them, in chunks of
 * `chunkSize` entries counted across calls, and resolves false once `stopped` says so. Both a
 * whole walk here and the slices this thread is handed as a helper of {@link walkInWorker} go
 * through it.
 */
export function sliceWalker(root: string, visit: (entry: FolderEntry) => void, options: FolderWalkOptions = {}): (names: readonly string[]) => Promise<boolean> {
  const chunkSize = options.chunkSize ?? 256;
  const stopped = options.stopped ?? (() => false);
  const reserved = options.reserved ?? [];
  const skipDir = reserved.length === 0 ? undefined : (key: string): boolean => isReservedKey(reserved, key);
  let sinceYield = 0;
  return async (names) => {
    for (const step of walkSteps(fs, root, skipDir, names)) {
      if (step.enter) options.enter?.(step.key);
      else visit({ key: step.key, size: step.size, mtimeMs: step.mtimeMs, type: STEP_TYPES[step.t] as FolderEntry['type'] });
      sinceYield += 1;
      if (sinceYield >= chunkSize) {
        sinceYield = 0;
        if (stopped()) return false;
        await options.between?.();
        await nextTurn();
        if (stopped()) return false;
      }
    }
    return true;
  };
}
