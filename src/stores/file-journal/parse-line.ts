import { checkEvent, type DomainEvent } from '../../kernel/index.js';
import type { RawLine } from './line-reader.js';

/** What one journal line turned out to be: a trusted event, or the reason it is not one. */
export type LineVerdict = { readonly ok: true; readonly event: DomainEvent } | { readonly ok: false; readonly reason: string };

/**
 * Judges one line of the journal file. A line is trusted only when it is newline-terminated
 * UTF-8 JSON that passes the event schemas and whose `seq` is above `previousSeq` (the last
 * trusted seq before it): anything else is reported with the reason and skipped.
 */
export function parseLine(raw: RawLine, previousSeq: number): LineVerdict {
  if (!raw.terminated) return { ok: false, reason: `torn last line: ${raw.bytes} bytes without a trailing newline` };
  if (raw.text === undefined) return { ok: false, reason: 'not valid UTF-8' };
  if (raw.text.trim() === '') return { ok: false, reason: 'empty line' };
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  const check = checkEvent(value);
  if (!check.ok) return { ok: false, reason: `not a reclaim event: ${check.reason}` };
  if (check.event.seq <= previousSeq) {
    return { ok: false, reason: `seq ${check.event.seq} does not follow seq ${previousSeq}: sequence numbers must strictly increase` };
  }
  return check;
}
