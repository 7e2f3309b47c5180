import type { FileHandle } from 'node:fs/promises';

/** One line of a JSON-lines file, as bytes on disk say it. */
export interface RawLine {
  /** 1-based line number. */
  readonly line: number;
  /** Byte offset of the line's first byte. */
  readonly offset: number;
  /** Bytes the line takes, its newline included when it has one. */
  readonly bytes: number;
  /** The decoded text without its newline; `undefined` when the bytes are not valid UTF-8. */
  readonly text: string | undefined;
  /** False for a last line without a trailing newline: a torn write. */
  readonly terminated: boolean;
}

const NEWLINE = 0x0a;
const DEFAULT_CHUNK_BYTES = 64 * 1024;

function decode(decoder: TextDecoder, parts: readonly Buffer[]): string | undefined {
  try {
    return decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  } catch {
    // A fatal decoder throws on bytes that are not UTF-8: the line is corrupt, not text.
    return undefined;
  }
}

/**
 * Streams the lines of `handle` between byte `start` and byte `end` (exclusive), one chunk at a
 * time: only the current line is ever held in memory, never the whole file. Reads by position,
 * so it works on a handle opened for appending too.
 */
export async function* readLines(
  handle: FileHandle,
  range: { readonly start?: number; readonly end: number },
  chunkBytes = DEFAULT_CHUNK_BYTES,
): AsyncGenerator<RawLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunk = Buffer.allocUnsafe(chunkBytes);
  let position = range.start ?? 0;
  let lineStart = position;
  let lineNo = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  while (position < range.end) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunkBytes, range.end - position), position);
    if (bytesRead === 0) break; // the file shrank under us: stop at what exists
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, from);
      if (newline === -1 || newline >= bytesRead) {
        if (from < bytesRead) {
          // Copied: the chunk buffer is reused by the next read.
          parts.push(Buffer.from(chunk.subarray(from, bytesRead)));
          partBytes += bytesRead - from;
        }
        break;
      }
      parts.push(chunk.subarray(from, newline));
      const bytes = partBytes + (newline - from) + 1;
      // Decoded before yielding, so the chunk may be reused once the consumer resumes us.
      const text = decode(decoder, parts);
      lineNo += 1;
      yield { line: lineNo, offset: lineStart, bytes, text, terminated: true };
      lineStart += bytes;
      parts = [];
      partBytes = 0;
      from = newline + 1;
    }
    position += bytesRead;
  }
  if (partBytes > 0) {
    yield { line: lineNo + 1, offset: lineStart, bytes: partBytes, text: decode(decoder, parts), terminated: false };
  }
}
