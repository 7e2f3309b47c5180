import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedMetrics } from '../../src/browser/index.js';
import { metricsProjection, MemoryJournal, newEvent, type DomainEvent, type NewEvent } from '../../src/kernel/index.js';
import { sessionBytes, toEpochMs, utf8ByteLength } from '../../src/stores/indexeddb/index.js';
import { seedKeyValueSessions, storedKeys } from './support/seed-sessions.js';
import { closeAll, databaseOf, isolatedOptions, track } from './support/services.js';

const HOUR = 3_600_000;

afterEach(closeAll);

describe('real sizes', () => {
  const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 64 });

  it('counts a string as its UTF-8 bytes, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.oneof(anyUnits, fc.string({ unit: 'binary', maxLength: 64 })), (text) => {
        expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
        expect(sessionBytes(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
  });

  it('counts binary data by byte length, in any nesting, each object once', () => {
    const binary = fc.oneof(
      fc.nat(4096).map((n) => new Uint8Array(n)),
      fc.nat(512).map((n) => new Float64Array(n)),
      fc.nat(4096).map((n) => new ArrayBuffer(n)),
      fc.nat(4096).map((n) => new Blob([new Uint8Array(n)])),
    );
    fc.assert(
      fc.property(fc.array(binary, { maxLength: 8 }), (parts) => {
        const bytes = parts.reduce((sum, p) => sum + (p instanceof Blob ? p.size : p.byteLength), 0);
        expect(sessionBytes(parts)).toBe(bytes);
        // The same object twice is stored once by structured clone.
        expect(sessionBytes([...parts, ...parts])).toBe(bytes);
      }),
    );
  });

  it('reads ISO times (with or without a zone) and epoch numbers back to the same instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1e11, max: 4e12 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(toEpochMs(iso)).toBe(ms);
        expect(toEpochMs(iso.slice(0, -1))).toBe(ms);
        expect(toEpochMs(ms)).toBe(ms);
        expect(toEpochMs(Math.floor(ms / 1000))).toBe(Math.floor(ms / 1000) * 1000);
        expect(toEpochMs(new Date(ms))).toBe(ms);
      }),
    );
  });
});

describe('SharedMetrics', () => {
  function deletion(bytes: number, runId: string): NewEvent {
    return newEvent('ItemDeleted', { policy: 'expiry', target: { kind: 'record', id: `s-${bytes}` }, reason: 'expired', records: 1, files: 0, bytesFreed: bytes, recovered: false }, runId);
  }

  it('folds events delivered out of order and twice into the same state as the journal in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(10_000), { minLength: 1, maxLength: 30 }),
        fc.nat(30),
        fc.infiniteStream(fc.nat()),
        async (sizes, replayedCount, randomness) => {
          const journal = new MemoryJournal();
          const events = await journal.append(sizes.map((b, i) => deletion(b, `run-${i % 3}`)));
          const replayed = Math.min(replayedCount, events.length);
          const shared = new SharedMetrics(journal);
          const expected = events.reduce((s, e) => metricsProjection.evolve(s, e), metricsProjection.initialState());
          const start = events.slice(0, replayed).reduce((s, e) => metricsProjection.evolve(s, e), metricsProjection.initialState());
          // Every event after the replay arrives at least once, some twice, in a random order.
          const deliveries: DomainEvent[] = [...events, ...events.filter((_, i) => i % 2 === 0)];
          const random = randomness[Symbol.iterator]();
          deliveries.sort(() => (random.next().value as number) % 3 - 1);
          const early = deliveries.splice(0, Math.floor(deliveries.length / 3));
          for (const event of early) shared.accept(event);
          shared.start(start, replayed);
          for (const event of deliveries) shared.accept(event);
          expect(shared.state).toEqual(expected);
          shared.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('fills a gap (a tab closed before it broadcast) from the journal', async () => {
    const journal = new MemoryJournal();
    const events = await journal.append([deletion(1, 'r'), deletion(2, 'r'), deletion(4, 'r')]);
    const shared = new SharedMetrics(journal);
    shared.start(metricsProjection.initialState(), 0);
    shared.accept(events[2] as DomainEvent);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(shared.state.bytesFreed).toBe(7);
    shared.close();
  });

  it('skips a gap the journal never fills, however many events wait behind it', async () => {
    // 150k events from a tab whose first event was never journaled (seq 1 is missing): more
    // than one function call takes as arguments, so finding the first waiting seq must not spread.
    const template = (await new MemoryJournal().append([deletion(1, 'r')]))[0] as DomainEvent;
    const waiting = 150_000;
    const shared = new SharedMetrics(new MemoryJournal());
    for (let seq = 2; seq <= waiting + 1; seq += 1) shared.accept({ ...template, seq });
    shared.start(metricsProjection.initialState(), 0);
    for (let i = 0; i < 200 && shared.state.recordsRemoved < waiting; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(shared.state.recordsRemoved).toBe(waiting);
    expect(shared.state.bytesFreed).toBe(waiting);
    shared.close();
  });
});

describe('browser policy semantics, end to end over IndexedDB', () => {
  const session = fc.record({
    lastAccessHoursAgo: fc.integer({ min: 0, max: 100 }),
    size: fc.integer({ min: 1, max: 50_000 }),
    pinned: fc.boolean(),
  });

  it('expires by last access, evicts oldest-first and never a protected session, frees what it reports', async () => {
    const seen = { evictions: 0, expiries: 0, secondPasses: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(session, { minLength: 1, maxLength: 25 }),
        fc.option(fc.nat(24), { nil: undefined }),
        fc.integer({ min: 1, max: 48 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.integer({ min: 50, max: 100 }),
        async (specs, activeIndex, retentionHours, maxStorageMB, emergencyThresholdPercent) => {
          const options = isolatedOptions('chatterbox-storage', { retentionHours, maxStorageMB, emergencyThresholdPercent, journalDatabase: null, channelName: null });
          const now = Date.now();
          const sessions = specs.map((s, i) => ({ id: `s${i}`, timestamp: now - 200 * HOUR, lastAccessed: now - s.lastAccessHoursAgo * HOUR - 500 - i, size: s.size, pinned: s.pinned }));
          const active = activeIndex !== undefined && activeIndex < sessions.length ? `s${activeIndex}` : undefined;
          await seedKeyValueSessions(databaseOf(options), sessions, active === undefined ? {} : { activeId: active });
          const client = track(options);
          const result = await client.runCleanup();
          expect(result.success).toBe(true);

          const left = new Set((await storedKeys(databaseOf(options), 'keyValueStore')).map((k) => k.replace('cbx_recovery_session_', '')));
          const gone = sessions.filter((s) => !left.has(s.id));
          const kept = sessions.filter((s) => left.has(s.id));
          const isProtected = (s: (typeof sessions)[number]) => s.pinned || s.id === active;
          // Last accesses sit at least 500 ms off the retention boundary, so the run's clock agrees.
          const expired = (s: (typeof sessions)[number]) => now - s.lastAccessed > retentionHours * HOUR;

          // Protected sessions are never deleted; unprotected expired ones always are.
          expect(gone.filter(isProtected)).toEqual([]);
          for (const s of sessions) if (expired(s) && !isProtected(s)) expect(left.has(s.id)).toBe(false);
          // Bytes freed equal the sizes removed.
          expect(result.bytesFreed).toBe(gone.reduce((sum, s) => sum + s.size, 0));
          expect(result.sessionsCleared).toBe(gone.length);

          const evicted = gone.filter((s) => !expired(s));
          const keptUnprotected = kept.filter((s) => !isProtected(s));
          if (gone.length > evicted.length) seen.expiries += 1;
          if (evicted.length > 0) {
            seen.evictions += 1;
            expect(result.emergencyRun).toBe(true);
            // Every evicted session is at least as old (by last access) as every kept unprotected one.
            const youngestEvicted = Math.max(...evicted.map((s) => s.lastAccessed));
            for (const s of keptUnprotected) expect(s.lastAccessed).toBeGreaterThanOrEqual(youngestEvicted);
            // Nothing evicted needlessly: without the youngest evicted one, 20% would not be freed.
            const before = result.emergency!.usedBytes;
            const target = before - Math.ceil(before * 0.2);
            const youngest = evicted.reduce((a, b) => (a.lastAccessed >= b.lastAccessed ? a : b));
            expect(before - (result.emergency!.freedBytes - youngest.size)).toBeGreaterThan(target);
            // At or under the target unless every unprotected session went (then a shortfall is reported).
            if (keptUnprotected.length > 0) expect(result.emergency!.shortfallBytes).toBe(0);
          }

          // A second pass under the threshold evicts nothing.
          const status = await client.getStorageStatus();
          if (!status.emergencyNeeded) {
            seen.secondPasses += 1;
            expect((await client.runCleanup()).sessionsCleared).toBe(0);
          }
        },
      ),
      // About one case in five evicts (6–11 of 40 in six runs): with 40 runs, 3 or fewer come up
      // in 1.4–2.8% of suites and the check below fails (it did once in CI); with 100, in under
      // one in a million.
      { numRuns: 100 },
    );
    // The generator must reach every branch, or the property proves little.
    expect(seen.evictions).toBeGreaterThan(3);
    expect(seen.expiries).toBeGreaterThan(3);
    expect(seen.secondPasses).toBeGreaterThan(3);
  });
});
