/** File-system durability helpers shared by the stores that write files (token file, journal). */
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Writes every byte of `data` at the end of an append-mode handle. A single `write` may write
 * less than asked (signals, quotas); the rest follows in further writes.
 */
export async function writeFully(handle: FileHandle, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written);
    written += bytesWritten;
  }
}

/**
 * Flushes a directory's entries to disk, so that a rename or a new file in it survives a power
 * loss. Platforms that cannot open a directory for syncing (Windows) are skipped: there the
 * rename is as durable as the platform makes it.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}
