import type { Observable } from 'rxjs';
import type { Decision, Policy, StoredRecord, Target } from '../kernel/index.js';
import { planOverRecords } from './plan-over-records.js';

/** Options of the expiry policy. */
export interface ExpiryOptions {
  /** Hours an item is kept; a finite number above 0. */
  readonly retentionHours: number;
  /**
   * `token` (server): expired when now is past `expiresAt` or past `createdAt + retention`,
   * whichever comes first. `last-access` (browser): expired when now is past the last access
   * (else the creation time) plus retention.
   */
  readonly basis: 'token' | 'last-access';
}

/** JSON Schema of {@link ExpiryOptions}. */
export const EXPIRY_OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    retentionHours: { type: 'number', exclusiveMinimum: 0, default: 24 },
    basis: { enum: ['token', 'last-access'], default: 'token' },
  },
  additionalProperties: false,
} as const;

const HOUR = 3_600_000;

/** When the record expires (epoch ms), or undefined when it has no usable time field. */
export function expiryTime(record: StoredRecord, options: ExpiryOptions): number | undefined {
  const retention = options.retentionHours * HOUR;
  if (options.basis === 'last-access') {
    const base = record.lastAccessAt ?? record.createdAt;
    return base === undefined ? undefined : base + retention;
  }
  const byRetention = record.createdAt === undefined ? undefined : record.createdAt + retention;
  if (record.expiresAt === undefined) return byRetention;
  return byRetention === undefined ? record.expiresAt : Math.min(record.expiresAt, byRetention);
}

/** The deletion target for a record, with its file only when that file may go too. */
export function recordTarget(record: StoredRecord, fileStillNeeded: boolean): Target {
  const file = record.file;
  return file !== undefined && file.inRoot && file.exists && file.key !== undefined && !fileStillNeeded
    ? { kind: 'record', id: record.id, file: file.key }
    : { kind: 'record', id: record.id };
}

/** Bytes removing a record frees: its file's size when the file goes, or its own size. */
export function recordBytes(record: StoredRecord, target: Target): number {
  if (record.file === undefined) return record.bytes;
  return target.kind === 'record' && target.file !== undefined ? record.file.size : 0;
}

/**
 * Plans expiry over a set of records. Exported for property tests: it is the policy's whole
 * decision, with no I/O.
 */
export function planExpiry(records: readonly StoredRecord[], now: number, options: ExpiryOptions): Decision[] {
  const expired: StoredRecord[] = [];
  const kept: StoredRecord[] = [];
  const decisions: Decision[] = [];
  for (const record of records) {
    const at = expiryTime(record, options);
    if (at === undefined) {
      decisions.push({
        kind: 'skip',
        target: { kind: 'record', id: record.id },
        reason: 'rejected',
        detail: 'no usable expires_at or created_at',
      });
      kept.push(record);
    } else if (now > at && record.protectedBy !== undefined) {
      decisions.push({ kind: 'skip', target: { kind: 'record', id: record.id }, reason: 'protected', detail: record.protectedBy });
      kept.push(record);
    } else if (now > at) {
      expired.push(record);
    } else {
      kept.push(record);
      if (record.file !== undefined && !record.file.inRoot) {
        decisions.push({ kind: 'skip', target: { kind: 'file', path: record.file.path }, reason: 'outside-root', detail: `token ${record.id} is valid` });
      }
    }
  }
  // A file that a kept record still points at stays, even when an expired record shares it.
  const needed = new Set<string>();
  for (const record of kept) if (record.file?.key !== undefined) needed.add(record.file.key);
  for (const record of expired) {
    const target = recordTarget(record, record.file?.key !== undefined && needed.has(record.file.key));
    decisions.push({ kind: 'delete', target, reason: 'expired', bytes: recordBytes(record, target) });
    if (record.file !== undefined && !record.file.inRoot) {
      decisions.push({ kind: 'skip', target: { kind: 'file', path: record.file.path }, reason: 'outside-root', detail: `token ${record.id} removed, file left alone` });
    }
  }
  return decisions;
}

/** The expiry policy: removes expired records with their files; rejected entries are kept. */
export const expiryPolicy: Policy<ExpiryOptions> = {
  name: 'expiry',
  optionsSchema: EXPIRY_OPTIONS_SCHEMA,
  observes: ['records'],
  plan: ({ storage$, now, options }): Observable<Decision> => planOverRecords(storage$, (records) => planExpiry(records, now, options)),
};
