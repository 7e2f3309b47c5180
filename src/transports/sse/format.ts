import type { DomainEvent } from '../../kernel/index.js';

/**
 * One domain event as a server-sent event: its journal `seq` as the `id` (what a client sends
 * back as `Last-Event-ID`), the whole event as one `data` line. No `event:` field, so a browser
 * `EventSource` delivers every event to `onmessage`; the JSON carries its `type`.
 */
export function formatSseEvent(event: DomainEvent): string {
  // JSON.stringify escapes line breaks, so the payload is always one `data` line.
  return `id: ${event.seq}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A comment line (ignored by clients): heartbeats that keep proxies from closing the stream. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** Tells the client how long to wait before reconnecting. */
export function formatSseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.trunc(ms))}\n\n`;
}

/**
 * Parses a `Last-Event-ID` value: a non-negative integer seq, or `null` when absent. Anything
 * else (text, negative, too large to be exact) is `undefined`, which callers turn into a 400.
 */
export function parseLastEventId(value: string | readonly string[] | undefined | null): number | null | undefined {
  if (value === undefined || value === null) return null;
  const text = (Array.isArray(value) ? value[0] : value) as string | undefined;
  if (text === undefined || text.trim() === '') return null;
  if (!/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}
