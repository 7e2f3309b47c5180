import { lstatSync, unlink } from 'node:fs';

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

/** Codes that say no file can be at the path (nothing there, a file where a folder should be, a name too long). */
const NO_FILE_THERE: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG']);

/**
 * What a failed `lstat` or `unlink` means: gone when no file can be there; else refused with the
 * system's code (EACCES, EPERM, ELOOP, EIO, …): the file may still be there, so its token stays
 * and the refusal is reported.
 */
function outcomeOfFailure(error: NodeJS.ErrnoException): UnlinkOutcome {
  const code = error.code;
  if (code !== undefined && NO_FILE_THERE.has(code)) return GONE;
  return { status: 'refused', code: code ?? 'UNKNOWN', message: error.message };
}

function typeOf(stats: { isFile(): boolean; isSymbolicLink(): boolean; isDirectory(): boolean }): 'file' | 'symlink' | 'folder' | 'other' {
  if (stats.isFile()) return 'file';
  if (stats.isSymbolicLink()) return 'symlink';
  return stats.isDirectory() ? 'folder' : 'other';
}

/**
 * Removes the regular file at an absolute path: `lstat` right before the unlink, anything but a
 * regular file left in place, and the size it had reported as freed. Never rejects.
 *
 * The `lstat` runs on this thread: the inode is in the cache (a cleanup's walk or the caller's
 * plan has just looked at it), so it costs a few microseconds, against a round trip through
 * libuv's thread pool. Only the unlink, which may wait on the disk, goes to the pool, with the
 * callback API (no promise per call); removals in flight overlap there. How many overlap is the
 * pool's size (`UV_THREADPOOL_SIZE`, 4 unless set before the process started; the `reclaim`
 * command sets 16).
 */
export function removeRegularFile(path: string): Promise<UnlinkOutcome> {
  let stats;
  try {
    stats = lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    return Promise.resolve(outcomeOfFailure(error as NodeJS.ErrnoException));
  }
  if (stats === undefined) return Promise.resolve(GONE);
  const type = typeOf(stats);
  if (type !== 'file') return Promise.resolve({ status: 'not-a-file', type });
  const size = stats.size;
  return new Promise((resolve) => {
    unlink(path, (error) => resolve(error === null ? { status: 'deleted', size } : outcomeOfFailure(error)));
  });
}
