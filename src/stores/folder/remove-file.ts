import { lstatSync } from 'node:fs';
import { unlink } from 'node:fs/promises';

/** What became of one path given to {@link removeRegularFile}. */
export type UnlinkOutcome =
  | { readonly status: 'deleted'; readonly size: number }
  /** Nothing there (or it could not be looked at): done, not freed. */
  | { readonly status: 'gone' }
  /** Not a regular file: left in place. */
  | { readonly status: 'not-a-file'; readonly type: 'symlink' | 'folder' | 'other' }
  /** The unlink was refused: `code` is the system's (`EACCES`, `EBUSY`, …). */
  | { readonly status: 'refused'; readonly code: string; readonly message: string };

function typeOf(stats: { isFile(): boolean; isSymbolicLink(): boolean; isDirectory(): boolean }): 'file' | 'symlink' | 'folder' | 'other' {
  if (stats.isFile()) return 'file';
  if (stats.isSymbolicLink()) return 'symlink';
  return stats.isDirectory() ? 'folder' : 'other';
}

/**
 * Removes the regular file at an absolute path: `lstat` right before the unlink, anything but a
 * regular file left in place, and the size it had reported as freed. Never rejects. The unlink
 * goes through libuv's thread pool, so several removals in flight overlap on disks where each
 * one waits (4 at once unless `UV_THREADPOOL_SIZE` was set before the process started).
 */
export async function removeRegularFile(path: string): Promise<UnlinkOutcome> {
  let stats;
  try {
    stats = lstatSync(path, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR and the like: no file there.
    return { status: 'gone' };
  }
  if (stats === undefined) return { status: 'gone' };
  const type = typeOf(stats);
  if (type !== 'file') return { status: 'not-a-file', type };
  try {
    await unlink(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { status: 'gone' };
    return { status: 'refused', code: code ?? 'UNKNOWN', message: (error as Error).message };
  }
  return { status: 'deleted', size: stats.size };
}
