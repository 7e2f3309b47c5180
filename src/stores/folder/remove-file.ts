import { lstat, unlink } from 'node:fs';

/** What became of one path given to {@link removeRegularFile}. */
export type UnlinkOutcome =
  | { readonly status: 'deleted'; readonly size: number }
  /** Nothing there (or it could not be looked at): done, not freed. */
  | { readonly status: 'gone' }
  /** Not a regular file: left in place. */
  | { readonly status: 'not-a-file'; readonly type: 'symlink' | 'folder' | 'other' }
  /** The unlink was refused: `code` is the system's (`EACCES`, `EBUSY`, …). */
  | { readonly status: 'refused'; readonly code: string; readonly message: string };

const GONE: UnlinkOutcome = { status: 'gone' };

function typeOf(stats: { isFile(): boolean; isSymbolicLink(): boolean; isDirectory(): boolean }): 'file' | 'symlink' | 'folder' | 'other' {
  if (stats.isFile()) return 'file';
  if (stats.isSymbolicLink()) return 'symlink';
  return stats.isDirectory() ? 'folder' : 'other';
}

/**
 * Removes the regular file at an absolute path: `lstat` right before the unlink, anything but a
 * regular file left in place, and the size it had reported as freed. Never rejects.
 *
 * Both calls go through libuv's thread pool with the callback API (no promise per call): the
 * main thread only hands them over, and removals in flight overlap on disks where each unlink
 * waits for the device. How many overlap is the pool's size (`UV_THREADPOOL_SIZE`, 4 unless set
 * before the process started; the `reclaim` command sets 16).
 */
export function removeRegularFile(path: string): Promise<UnlinkOutcome> {
  return new Promise((resolve) => {
    lstat(path, (statError, stats) => {
      // ENOENT, ENOTDIR and the like: no file there.
      if (statError !== null) return resolve(GONE);
      const type = typeOf(stats);
      if (type !== 'file') return resolve({ status: 'not-a-file', type });
      unlink(path, (error) => {
        if (error === null) return resolve({ status: 'deleted', size: stats.size });
        const code = error.code;
        if (code === 'ENOENT') return resolve(GONE);
        resolve({ status: 'refused', code: code ?? 'UNKNOWN', message: error.message });
      });
    });
  });
}
