import { open } from 'node:fs/promises';
import type { DomainEvent } from '../kernel/index.js';
import { readLines } from '../stores/file-journal/line-reader.js';
import { parseLine } from '../stores/file-journal/parse-line.js';

/** Where a read-only pass over a journal file stopped, to continue from there. */
export interface JournalCursor {
  readonly offset: number;
  readonly lastSeq: number;
  /** The file's inode: a compaction renames a new file into place. */
  readonly inode?: number;
}

/**
 * Reads a journal file without opening it for writing or taking its lock, so `reclaim status`
 * and `reclaim events` work while a server holds the journal. Yields valid events with
 * `seq >= fromSeq` from byte `cursor.offset` on, and reports where it stopped; a torn last line
 * (a write in progress) is left for the next pass.
 */
export async function* readJournalFile(
  path: string,
  fromSeq = 1,
  cursor: JournalCursor = { offset: 0, lastSeq: 0 },
  onStop?: (cursor: JournalCursor) => void,
): AsyncGenerator<DomainEvent> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      onStop?.(cursor);
      return;
    }
    throw error;
  }
  let offset = cursor.offset;
  let lastSeq = cursor.lastSeq;
  let inode = cursor.inode;
  const seen = cursor.lastSeq;
  try {
    const { size, ino } = await handle.stat();
    inode = ino;
    // A compaction renamed a new file into place: read it from its beginning. Its events carry
    // new seqs, so nothing is yielded twice.
    if ((cursor.inode !== undefined && cursor.inode !== ino) || size < offset) {
      offset = 0;
    }
    let previous = offset === 0 ? 0 : lastSeq;
    for await (const raw of readLines(handle, { start: offset, end: size })) {
      if (!raw.terminated) break;
      offset = raw.offset + raw.bytes;
      const verdict = parseLine(raw, previous);
      if (!verdict.ok) continue;
      previous = verdict.event.seq;
      lastSeq = Math.max(lastSeq, verdict.event.seq);
      if (verdict.event.seq >= fromSeq && verdict.event.seq > seen) yield verdict.event;
    }
  } finally {
    await handle.close();
    onStop?.({ offset, lastSeq, ...(inode === undefined ? {} : { inode }) });
  }
}
