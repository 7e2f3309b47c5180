import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, StoredRecord, Usage } from '../../src/kernel/index.js';
import {
  browserEmergencyOptions,
  planEmergency,
  selectEvictions,
  serverEmergencyOptions,
  type EmergencyOptions,
} from '../../src/policies/index.js';
import { arbTokenSet, MINUTE, NOW, sessionRecord } from '../support/records.js';

type Delete = Extract<Decision, { kind: 'delete' }>;

function deletes(decisions: readonly Decision[]): Delete[] {
  return decisions.filter((d): d is Delete => d.kind === 'delete');
}

function evictable(record: StoredRecord, options: EmergencyOptions): boolean {
  const age = options.orderBy === 'lastAccess' ? (record.lastAccessAt ?? record.createdAt) : record.createdAt;
  if (record.protectedBy !== undefined || age === undefined) return false;
  if (record.createdAt !== undefined && NOW - record.createdAt < options.minAgeMinutes * MINUTE) return false;
  return record.file === undefined || (record.file.inRoot && record.file.exists);
}

function ageOf(record: StoredRecord, options: EmergencyOptions): number {
  return (options.orderBy === 'lastAccess' ? (record.lastAccessAt ?? record.createdAt) : record.createdAt) as number;
}

/** (age, id) order: the documented oldest-first order with ties by id. */
function olderOrSame(a: StoredRecord, b: StoredRecord, options: EmergencyOptions): boolean {
  const d = ageOf(a, options) - ageOf(b, options);
  return d < 0 || (d === 0 && a.id <= b.id);
}

const serverCase = fc.record({
  records: arbTokenSet,
  extraBytes: fc.integer({ min: 0, max: 20000 }),
  limitBytes: fc.integer({ min: 1, max: 200000 }),
  lowWater: fc.integer({ min: 0, max: 100 }),
  minAge: fc.constantFrom(0, 10, 60),
});

type ServerCase = { records: StoredRecord[]; extraBytes: number; limitBytes: number; lowWater: number; minAge: number };

function serverSetup(c: ServerCase) {
  const options = serverEmergencyOptions(1, { limitBytes: c.limitBytes, lowWaterPercent: c.lowWater, minAgeMinutes: c.minAge });
  const used = c.records.reduce((s, r) => s + (r.file?.exists && r.file.inRoot ? r.file.size : 0), 0) + c.extraBytes;
  const usage: Usage = { usedBytes: used, limitBytes: c.limitBytes };
  return { options, usage, used };
}

describe('emergency policy invariants (SPEC §3)', () => {
  it('evicts oldest first: every evicted item is at least as old as every kept candidate', () => {
    fc.assert(
      fc.property(serverCase, (c) => {
        const { options, usage } = serverSetup(c);
        const evicted = new Set(deletes(planEmergency(c.records, usage, NOW, options)).map((d) => (d.target.kind === 'record' ? d.target.id : '')));
        const candidates = c.records.filter((r) => evictable(r, options));
        for (const e of candidates.filter((r) => evicted.has(r.id))) {
          for (const k of candidates.filter((r) => !evicted.has(r.id))) expect(olderOrSame(e, k, options)).toBe(true);
        }
      }),
    );
  });

  it('reaches the target, or evicts every candidate and reports the shortfall', () => {
    fc.assert(
      fc.property(serverCase, (c) => {
        const { options, usage, used } = serverSetup(c);
        const decisions = planEmergency(c.records, usage, NOW, options);
        const pressure = decisions.find((d) => d.kind === 'pressure');
        if (used <= c.limitBytes) {
          expect(decisions).toEqual([]);
          return;
        }
        expect(pressure).toBeDefined();
        const target = Math.floor((c.limitBytes * c.lowWater) / 100);
        const freed = deletes(decisions).reduce((s, d) => s + d.bytes, 0);
        const candidates = c.records.filter((r) => evictable(r, options));
        if (used - freed > target) expect(deletes(decisions).length).toBe(candidates.length);
        const plan = selectEvictions(
          candidates.map((r) => ({ id: r.id, age: r.createdAt as number, bytes: r.file?.size ?? 0 })),
          used,
          target,
        );
        expect(plan.shortfallBytes).toBe(Math.max(0, used - freed - target));
      }),
    );
  });

  it('evicts nothing needlessly: without the youngest evicted item usage would stay over the target', () => {
    fc.assert(
      fc.property(serverCase, (c) => {
        const { options, usage, used } = serverSetup(c);
        const evicted = deletes(planEmergency(c.records, usage, NOW, options));
        if (evicted.length === 0) return;
        const target = Math.floor((c.limitBytes * c.lowWater) / 100);
        const freed = evicted.reduce((s, d) => s + d.bytes, 0);
        const youngest = evicted[evicted.length - 1] as Delete;
        expect(used - (freed - youngest.bytes)).toBeGreaterThan(target);
      }),
    );
  });

  it('never evicts a protected item, a too-young item, or one whose file is missing or outside the root', () => {
    fc.assert(
      fc.property(serverCase, (c) => {
        const { options, usage } = serverSetup(c);
        const byId = new Map(c.records.map((r) => [r.id, r]));
        for (const d of deletes(planEmergency(c.records, usage, NOW, options))) {
          const record = byId.get(d.target.kind === 'record' ? d.target.id : '') as StoredRecord;
          expect(evictable(record, options)).toBe(true);
        }
      }),
    );
  });

  it('is idempotent: a second pass over what is left evicts nothing', () => {
    fc.assert(
      fc.property(serverCase, (c) => {
        const { options, usage, used } = serverSetup(c);
        const first = deletes(planEmergency(c.records, usage, NOW, options));
        const gone = new Set(first.map((d) => (d.target.kind === 'record' ? d.target.id : '')));
        const freed = first.reduce((s, d) => s + d.bytes, 0);
        const rest = c.records.filter((r) => !gone.has(r.id));
        expect(deletes(planEmergency(rest, { ...usage, usedBytes: used - freed }, NOW, options))).toEqual([]);
      }),
    );
  });

  it('conserves bytes: what the plan frees equals the sizes of the files it removes', () => {
    fc.assert(
      fc.property(serverCase, (c) => {
        const { options, usage } = serverSetup(c);
        const byId = new Map(c.records.map((r) => [r.id, r]));
        for (const d of deletes(planEmergency(c.records, usage, NOW, options))) {
          const record = byId.get(d.target.kind === 'record' ? d.target.id : '') as StoredRecord;
          expect(d.target.kind === 'record' && d.target.file).toBe(record.file?.key);
          expect(d.bytes).toBe(record.file?.size);
        }
      }),
    );
  });

  it('browser: evicts the oldest sessions by last access until 20% of their bytes are freed, never the active one', () => {
    const arbSessions = fc
      .array(
        fc.record({
          lastAccessMinutes: fc.integer({ min: 0, max: 50 }),
          bytes: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10000 })),
          active: fc.boolean(),
        }),
        { maxLength: 40 },
      )
      .map((items) => {
        let activeSeen = false;
        return items.map((s, i) => {
          const active = s.active && !activeSeen;
          activeSeen ||= active;
          return sessionRecord(`s${String(i).padStart(3, '0')}`, {
            createdAt: NOW - 100 * MINUTE,
            lastAccessAt: NOW - s.lastAccessMinutes * MINUTE,
            bytes: s.bytes,
            ...(active ? { protectedBy: 'active' as const } : {}),
          });
        });
      });
    fc.assert(
      fc.property(arbSessions, fc.integer({ min: 1, max: 400000 }), (sessions, limit) => {
        const options = { ...browserEmergencyOptions(1, 90), limitBytes: limit };
        const used = sessions.reduce((s, r) => s + r.bytes, 0);
        const decisions = planEmergency(sessions, { usedBytes: used, limitBytes: limit }, NOW, options);
        const evicted = deletes(decisions);
        if (used < limit * 0.9) {
          expect(decisions).toEqual([]);
          return;
        }
        const goal = Math.ceil(used * 0.2);
        const freed = evicted.reduce((s, d) => s + d.bytes, 0);
        const candidates = sessions.filter((r) => r.protectedBy === undefined);
        expect(freed >= goal || evicted.length === candidates.length).toBe(true);
        const activeId = sessions.find((s) => s.protectedBy === 'active')?.id;
        expect(evicted.some((d) => d.target.kind === 'record' && d.target.id === activeId)).toBe(false);
        const ids = new Set(evicted.map((d) => (d.target.kind === 'record' ? d.target.id : '')));
        for (const e of candidates.filter((r) => ids.has(r.id))) {
          for (const k of candidates.filter((r) => !ids.has(r.id))) expect(olderOrSame(e, k, options)).toBe(true);
        }
        if (evicted.length > 0) {
          const youngest = evicted[evicted.length - 1] as Delete;
          expect(freed - youngest.bytes).toBeLessThan(goal);
        }
      }),
    );
  });

  it('triggers in the browser when the origin reaches the threshold of its quota', () => {
    const sessions = [sessionRecord('a', { lastAccessAt: NOW - 10 * MINUTE, bytes: 100 }), sessionRecord('b', { lastAccessAt: NOW, bytes: 100 })];
    const options = browserEmergencyOptions(100, 90);
    const calm = planEmergency(sessions, { usedBytes: 200, limitBytes: options.limitBytes, originUsageBytes: 10, quotaBytes: 100 }, NOW, options);
    expect(calm).toEqual([]);
    const pressed = planEmergency(sessions, { usedBytes: 200, limitBytes: options.limitBytes, originUsageBytes: 95, quotaBytes: 100 }, NOW, options);
    expect(deletes(pressed).map((d) => d.target)).toEqual([{ kind: 'record', id: 'a' }]);
  });
});
