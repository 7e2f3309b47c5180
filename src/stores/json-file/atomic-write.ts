import { randomBytes } from 'node:crypto';
import { lstat, open, opendir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory } from '../fs/durability.js';

/**
 * The temp file a rewrite of `target` goes through: `<target>.<pid>.<random>.tmp`, in the same
 * folder so the rename stays on one file system.
 */
export function tempPathFor(target: string): string {
  return `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** True for a name that {@link tempPathFor} makes for a file named `targetName`. */
export function isTempNameOf(name: string, targetName: string): boolean {
  return name.startsWith(`${targetName}.`) && name.endsWith('.tmp');
}

/**
 * Replaces `target` with `text` so that, whatever moment the process dies, the file on disk
 * is either the old document or the new one, complete: write a temp file in the same folder,
 * fsync it, rename it over the target, fsync the folder. The target's mode (and, when running
 * as root, its owner) carries over, so a host app that owns the file can still write it.
 * `beforeRename` may throw to abandon the write at the last moment. A temp file is removed
 * when the write fails; one left by a `kill -9` is harmless debris
 * (never read, and never an orphan candidate: it is reserved and ends in `.tmp`).
 */
export async function writeFileAtomically(target: string, text: string, beforeRename?: () => void): Promise<void> {
  const previous = await stat(target).catch(() => undefined);
  const temp = tempPathFor(target);
  const handle = await open(temp, 'wx', previous?.mode ?? 0o644);
  try {
    try {
      if (previous !== undefined) {
        await handle.chmod(previous.mode & 0o7777);
        if (process.getuid?.() === 0 && (previous.uid !== 0 || previous.gid !== 0)) {
          await handle.chown(previous.uid, previous.gid).catch(() => undefined);
        }
      }
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // Last check before the point of no return (e.g. that the lock is still ours).
    beforeRename?.();
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(target));
}

const DEBRIS_AGE_MS = 60_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files that a writer of `target` killed mid-write left behind: those named by
 * {@link tempPathFor} whose process no longer exists and that are over a minute old (a live
 * writer's temp file is never touched, lock or no lock). Streams the folder; returns how many were removed.
 */
export async function sweepTempFiles(target: string): Promise<number> {
  const name = basename(target);
  const folder = dirname(target);
  let removed = 0;
  const dir = await opendir(folder).catch(() => undefined);
  if (dir === undefined) return 0;
  for await (const entry of dir) {
    if (!isTempNameOf(entry.name, name)) continue;
    const pid = Number(entry.name.slice(name.length + 1).split('.')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    // A writer whose pid is not visible here (another container on a shared volume) finishes
    // in milliseconds: only a temp file older than a minute is debris for sure.
    const info = await lstat(join(folder, entry.name)).catch(() => undefined);
    if (info === undefined || !info.isFile() || Date.now() - info.mtimeMs < DEBRIS_AGE_MS) continue;
    await unlink(join(folder, entry.name)).then(
      () => (removed += 1),
      () => undefined,
    );
  }
  return removed;
}
