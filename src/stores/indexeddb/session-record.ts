import type { RejectedEntry, StoredRecord } from '../../kernel/index.js';
import type { SessionLayout } from './session-layout.js';
import { sessionBytes } from './session-size.js';

/** Reads a dotted path (`value.lastAccessed`) from a record; `''` is the record itself. */
export function readPath(record: unknown, path: string): unknown {
  if (path === '') return record;
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

// Epoch seconds up to the year 5138 stay below this; milliseconds since 1973 are above it.
const SECONDS_BELOW = 1e11;
const NAIVE_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * Turns a stored time into epoch milliseconds: numbers as epoch ms (or seconds when small),
 * numeric or ISO-8601 text (a time without a zone is read as UTC, as on the server), or a Date.
 * Anything else is undefined.
 */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    return value < SECONDS_BELOW ? value * 1000 : value;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) return toEpochMs(Number(text));
    const ms = Date.parse(NAIVE_ISO.test(text) ? `${text}Z` : text);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function firstTime(record: unknown, paths: readonly string[]): number | undefined {
  for (const path of paths) {
    const ms = toEpochMs(readPath(record, path));
    if (ms !== undefined) return ms;
  }
  return undefined;
}

function storedSize(record: unknown, paths: readonly string[]): number | undefined {
  for (const path of paths) {
    const size = readPath(record, path);
    if (typeof size === 'number' && Number.isFinite(size) && size >= 0) return Math.round(size);
  }
  return undefined;
}

/** The session id of a primary key, or undefined when the key filter leaves it out. */
export function sessionIdOf(key: IDBValidKey, layout: SessionLayout): string | undefined {
  if (layout.keyPrefix === '') return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
  if (typeof key !== 'string' || !key.startsWith(layout.keyPrefix)) return undefined;
  const id = key.slice(layout.keyPrefix.length);
  return id === '' ? undefined : id;
}

/** The primary key of a session id: the reverse of {@link sessionIdOf}. */
export function sessionKeyOf(id: string, layout: SessionLayout): string {
  return `${layout.keyPrefix}${id}`;
}

/** The bytes a session record frees: its stored size, else the measured size of its payload. */
export function recordSize(record: unknown, layout: SessionLayout): number {
  return storedSize(record, layout.sizeFields) ?? sessionBytes(readPath(record, layout.measurePath));
}

/** The id the active-session record names (its value may be the id or the full key). */
export function activeSessionIdOf(activeRecord: unknown, layout: SessionLayout): string | undefined {
  let named = readPath(activeRecord, layout.activeSessionPath);
  if (named !== null && typeof named === 'object') named = (named as { id?: unknown; sessionId?: unknown }).id ?? (named as { sessionId?: unknown }).sessionId;
  if (typeof named === 'number') named = String(named);
  if (typeof named !== 'string' || named === '') return undefined;
  return layout.keyPrefix !== '' && named.startsWith(layout.keyPrefix) ? named.slice(layout.keyPrefix.length) : named;
}

/** A record read as a session, or the reason it cannot be one. */
export type SessionReading = { readonly ok: true; readonly record: StoredRecord } | { readonly ok: false; readonly entry: RejectedEntry };

/**
 * Maps one stored record to the kernel's item model. A record without any usable time cannot
 * be aged: it is rejected (reported and kept), never guessed.
 */
export function readSession(id: string, record: unknown, layout: SessionLayout, activeIds: ReadonlySet<string>): SessionReading {
  const lastAccessAt = firstTime(record, layout.lastAccessFields);
  const createdAt = firstTime(record, layout.timestampFields);
  if (lastAccessAt === undefined && createdAt === undefined) {
    const fields = [...layout.lastAccessFields, ...layout.timestampFields].join(', ');
    return { ok: false, entry: { id, reason: `session has no usable time in ${fields}; it is kept` } };
  }
  const pinned = layout.pinnedFields.some((path) => readPath(record, path) === true);
  const protectedBy = activeIds.has(id) ? 'active' : pinned ? 'pinned' : undefined;
  return {
    ok: true,
    record: {
      id,
      kind: 'session',
      bytes: recordSize(record, layout),
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(lastAccessAt === undefined ? {} : { lastAccessAt }),
      ...(protectedBy === undefined ? {} : { protectedBy }),
    },
  };
}
