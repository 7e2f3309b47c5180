import { of, throwError } from 'rxjs';
import Transport from 'winston-transport';
import type winston from 'winston';
import type { Policy } from '../../../src/kernel/index.js';
import { emergencyPolicy, expiryPolicy, orphanPolicy } from '../../../src/policies/index.js';
import { MemoryStore } from '../../../src/stores/memory/index.js';

const HOUR = 3_600_000;
export const NOW = Date.parse('2025-03-01T12:00:00.000Z');

/** A real winston transport that keeps every record it is given. */
export class CollectingTransport extends Transport {
  readonly records: Record<string, unknown>[] = [];

  override log(info: Record<string, unknown>, next: () => void): void {
    this.records.push(info);
    next();
  }
}

/** Ends a logger and waits until its transports have every record. */
export function drain(logger: winston.Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
  });
}

/**
 * A store whose runs produce nearly every event type: expired and fresh tokens, an orphan, a
 * young file in its grace period, a rejected entry, a refused deletion and storage pressure.
 */
export function eventfulStore(): MemoryStore {
  const store = new MemoryStore({
    limitBytes: 50_000,
    rejected: [{ id: 'no-dates', reason: 'no usable created_at or expires_at' }],
    records: [
      { id: 'old-1', createdAt: NOW - 72 * HOUR, expiresAt: NOW - 48 * HOUR, fileKey: 'old-1.wav' },
      { id: 'old-locked', createdAt: NOW - 50 * HOUR, fileKey: 'old-locked.wav' },
      ...Array.from({ length: 6 }, (_, i) => ({ id: `fresh-${i}`, createdAt: NOW - (10 + i) * HOUR, fileKey: `fresh-${i}.wav` })),
    ],
    files: [
      { key: 'old-1.wav', size: 10_000, mtimeMs: NOW - 72 * HOUR },
      { key: 'old-locked.wav', size: 3_000, mtimeMs: NOW - 50 * HOUR },
      { key: 'stray.wav', size: 4_000, mtimeMs: NOW - 5 * HOUR },
      { key: 'young-stray.wav', size: 100, mtimeMs: NOW - 60_000 },
      ...Array.from({ length: 6 }, (_, i) => ({ key: `fresh-${i}.wav`, size: 9_000, mtimeMs: NOW - (10 + i) * HOUR })),
    ],
  });
  store.refuse('record:old-locked');
  return store;
}

/** Plans the deletion of a record that does not exist: the kernel finds it already gone. */
const ghostPolicy: Policy = {
  name: 'ghost',
  plan: () => of({ kind: 'delete' as const, target: { kind: 'record' as const, id: 'ghost' }, reason: 'test', bytes: 0 }),
};

/** A planner that fails: the kernel turns it into a PolicyFailed event. */
const brokenPolicy: Policy = {
  name: 'broken',
  plan: () => throwError(() => new Error('planner exploded')),
};

/** The built-ins plus the two policies above. */
export const eventfulPolicies = [
  { policy: expiryPolicy, options: { retentionHours: 24 } },
  { policy: orphanPolicy, options: { graceMinutes: 60 } },
  { policy: emergencyPolicy, options: { limitBytes: 50_000, minAgeMinutes: 10 } },
  { policy: ghostPolicy },
  { policy: brokenPolicy },
];

/** A clock that moves a second per reading. */
export function tickingClock(): { now: () => number } {
  let now = NOW;
  return { now: () => (now += 1000) };
}
