import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, StoredRecord } from '../../src/kernel/index.js';
import { expiryTime, planExpiry } from '../../src/policies/index.js';
import { HOUR, NOW, sessionRecord, tokenRecord } from '../support/records.js';

const arbTime = fc.option(fc.integer({ min: -100, max: 100 }).map((h) => NOW + h * HOUR), { freq: 4 });

const arbTokens = fc
  .array(fc.record({ created: arbTime, expires: arbTime, size: fc.nat(1000), inRoot: fc.boolean(), sharedFile: fc.boolean() }), { maxLength: 40 })
  .map((items) =>
    items.map((t, i) =>
      tokenRecord(`t${i}`, {
        ...(t.created === null ? {} : { createdAt: t.created }),
        ...(t.expires === null ? {} : { expiresAt: t.expires }),
        size: t.size,
        inRoot: t.inRoot || t.sharedFile,
        key: t.sharedFile ? 'shared.wav' : `t${i}.wav`,
      }),
    ),
  );

function deletedIds(decisions: readonly Decision[]): Set<string> {
  return new Set(decisions.flatMap((d) => (d.kind === 'delete' && d.target.kind === 'record' ? [d.target.id] : [])));
}

describe('expiry policy', () => {
  it('never removes an unexpired or rejected token, and removes every expired one', () => {
    fc.assert(
      fc.property(arbTokens, fc.integer({ min: 1, max: 72 }), (tokens, retentionHours) => {
        const options = { retentionHours, basis: 'token' as const };
        const removed = deletedIds(planExpiry(tokens, NOW, options));
        for (const token of tokens) {
          const at = expiryTime(token, options);
          if (at === undefined) expect(removed.has(token.id)).toBe(false);
          else expect(removed.has(token.id)).toBe(NOW > at);
        }
      }),
    );
  });

  it('expires at expires_at or created_at + retention, whichever comes first, strictly after', () => {
    const options = { retentionHours: 24, basis: 'token' as const };
    const byExpiry = tokenRecord('a', { createdAt: NOW - HOUR, expiresAt: NOW - 1 });
    const byRetention = tokenRecord('b', { createdAt: NOW - 24 * HOUR - 1, expiresAt: NOW + HOUR });
    const exactlyNow = tokenRecord('c', { createdAt: NOW - 24 * HOUR });
    const rejected = tokenRecord('d', {});
    const decisions = planExpiry([byExpiry, byRetention, exactlyNow, rejected], NOW, options);
    expect([...deletedIds(decisions)].sort()).toEqual(['a', 'b']);
    expect(decisions).toContainEqual({ kind: 'skip', target: { kind: 'record', id: 'd' }, reason: 'rejected', detail: 'no usable expires_at or created_at' });
  });

  it('never deletes a file that a kept token still points at', () => {
    fc.assert(
      fc.property(arbTokens, (tokens) => {
        const decisions = planExpiry(tokens, NOW, { retentionHours: 24, basis: 'token' });
        const removed = deletedIds(decisions);
        const keptKeys = new Set(tokens.filter((t) => !removed.has(t.id)).flatMap((t) => (t.file?.key === undefined ? [] : [t.file.key])));
        for (const d of decisions) {
          if (d.kind === 'delete' && d.target.kind === 'record' && d.target.file !== undefined) expect(keptKeys.has(d.target.file)).toBe(false);
        }
      }),
    );
  });

  it('removes the record of an expired token whose file is outside the root and leaves the file, saying so', () => {
    const outside = tokenRecord('x', { createdAt: NOW - 48 * HOUR, inRoot: false, size: 10 });
    const decisions = planExpiry([outside], NOW, { retentionHours: 24, basis: 'token' });
    expect(decisions).toContainEqual({ kind: 'delete', target: { kind: 'record', id: 'x' }, reason: 'expired', bytes: 0 });
    expect(decisions.some((d) => d.kind === 'skip' && d.reason === 'outside-root' && d.target.kind === 'file')).toBe(true);
  });

  it('browser: expires a session past its last access (else its timestamp) plus retention; keeps the active one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ created: arbTime, access: arbTime, active: fc.boolean() }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 48 }),
        (items, retentionHours) => {
          const sessions: StoredRecord[] = items.map((s, i) =>
            sessionRecord(`s${i}`, {
              bytes: 10,
              ...(s.created === null ? {} : { createdAt: s.created }),
              ...(s.access === null ? {} : { lastAccessAt: s.access }),
              ...(s.active ? { protectedBy: 'active' as const } : {}),
            }),
          );
          const removed = deletedIds(planExpiry(sessions, NOW, { retentionHours, basis: 'last-access' }));
          for (const s of sessions) {
            const base = s.lastAccessAt ?? s.createdAt;
            const expired = base !== undefined && NOW > base + retentionHours * HOUR;
            expect(removed.has(s.id)).toBe(expired && s.protectedBy === undefined);
          }
        },
      ),
    );
  });
});
