import fc from 'fast-check';
import type { ProtectionReason, StoredRecord } from '../../src/kernel/index.js';

/** A file-backed token record, as a server store would report it. */
export function tokenRecord(
  id: string,
  fields: { createdAt?: number; expiresAt?: number; size?: number; key?: string; inRoot?: boolean; exists?: boolean; protectedBy?: ProtectionReason },
): StoredRecord {
  const size = fields.size ?? 0;
  const inRoot = fields.inRoot ?? true;
  const exists = fields.exists ?? true;
  const key = fields.key ?? `${id}.wav`;
  return {
    id,
    kind: 'token',
    ...(fields.createdAt === undefined ? {} : { createdAt: fields.createdAt }),
    ...(fields.expiresAt === undefined ? {} : { expiresAt: fields.expiresAt }),
    ...(fields.protectedBy === undefined ? {} : { protectedBy: fields.protectedBy }),
    bytes: exists ? size : 0,
    file: { path: inRoot ? key : `../outside/${key}`, ...(inRoot ? { key } : {}), inRoot, exists, size: exists ? size : 0 },
    refs: inRoot ? [key] : [],
  };
}

/** A browser session record (no file). */
export function sessionRecord(id: string, fields: { createdAt?: number; lastAccessAt?: number; bytes: number; protectedBy?: ProtectionReason }): StoredRecord {
  return {
    id,
    kind: 'session',
    bytes: fields.bytes,
    ...(fields.createdAt === undefined ? {} : { createdAt: fields.createdAt }),
    ...(fields.lastAccessAt === undefined ? {} : { lastAccessAt: fields.lastAccessAt }),
    ...(fields.protectedBy === undefined ? {} : { protectedBy: fields.protectedBy }),
  };
}

export const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/**
 * Random token sets: few distinct timestamps (so ties happen), zero sizes, protected items,
 * missing or outside files, and tokens without a creation time.
 */
export const arbTokenSet = fc
  .array(
    fc.record({
      ageMinutes: fc.oneof(fc.constantFrom(0, 5, 30, 60, 120), fc.integer({ min: 0, max: 5000 })),
      hasCreated: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x > 0.1),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5000 })),
      protectedBy: fc.option(fc.constantFrom<ProtectionReason>('pinned', 'active', 'leased'), { freq: 5 }),
      inRoot: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x > 0.05),
      exists: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x > 0.05),
    }),
    { maxLength: 60 },
  )
  .map((items) =>
    items.map((item, i) =>
      tokenRecord(`t${String(i).padStart(3, '0')}`, {
        ...(item.hasCreated ? { createdAt: NOW - item.ageMinutes * MINUTE } : {}),
        size: item.size,
        inRoot: item.inRoot,
        exists: item.exists,
        ...(item.protectedBy === null ? {} : { protectedBy: item.protectedBy }),
      }),
    ),
  );
