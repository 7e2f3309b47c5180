import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { newEvent, type DomainEvent, type JournalEntry, type NewEvent } from '../../src/kernel/index.js';
import { IndexedDbJournal } from '../../src/stores/indexeddb/index.js';
import { seedKeyValueSessions, storedKeys, uniqueName } from './support/seed-sessions.js';
import { closeAll, databaseOf, isolatedOptions, track } from './support/services.js';

const HOUR = 3_600_000;
const journals: IndexedDbJournal[] = [];

afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.close()));
  await closeAll();
});

function journal(databaseName: string): IndexedDbJournal {
  const j = new IndexedDbJournal({ databaseName, pageSize: 3 });
  journals.push(j);
  return j;
}

async function readAll(j: IndexedDbJournal, from?: number): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const entry of j.read(from)) out.push(entry);
  return out;
}

const suspended = (reason: string): NewEvent => newEvent('PolicySuspended', { policy: 'emergency', reason }, 'run-1');

describe('IndexedDbJournal', () => {
  it('appends with increasing seq and an ISO time, and reads back across pages from any seq', async () => {
    const j = journal(uniqueName('journal'));
    const first = await j.append([suspended('a'), suspended('b')]);
    const second = await j.append([suspended('c'), suspended('d'), suspended('e')]);
    expect([...first, ...second].map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(first[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(j.lastSeq).toBe(5);
    const all = await readAll(j);
    expect(all.map((e) => (e.kind === 'event' ? e.event.seq : -1))).toEqual([1, 2, 3, 4, 5]);
    expect((await readAll(j, 4)).length).toBe(2);
  });

  it('keeps seq strictly increasing when two tabs append to one database', async () => {
    const name = uniqueName('journal-tabs');
    const [a, b] = [journal(name), journal(name)];
    const appended = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).append([suspended(`${i}`), suspended(`${i}'`)])));
    const seqs = appended.flat().map((e) => e.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const read = (await readAll(a)).map((e) => (e.kind === 'event' ? e.event.seq : -1));
    expect(read).toEqual(seqs);
  });

  it('reports a foreign or corrupt entry and never trusts it', async () => {
    const name = uniqueName('journal-bad');
    const j = journal(name);
    await j.append([suspended('ok')]);
    const db = await openDB(name, 1);
    await db.put('events', { seq: 2, type: 'RunStarted', data: 'nonsense' });
    await db.put('events', { seq: 3, hello: 'world' });
    db.close();
    const entries = await readAll(j);
    expect(entries.map((e) => e.kind)).toEqual(['event', 'invalid', 'invalid']);
    expect(entries[1]).toMatchObject({ kind: 'invalid', position: 2 });
    // The next append goes after them: nothing is overwritten.
    expect((await j.append([suspended('next')]))[0]?.seq).toBe(4);
  });

  it('compacts what the database holds (every tab’s events) into one snapshot event', async () => {
    const name = uniqueName('journal-compact');
    const [a, b] = [journal(name), journal(name)];
    const deleted = (bytes: number): NewEvent =>
      newEvent('ItemDeleted', { policy: 'expiry', target: { kind: 'record', id: `s${bytes}` }, reason: 'expired', records: 1, files: 0, bytesFreed: bytes, recovered: false }, 'r');
    await a.append([deleted(10), deleted(20)]);
    await b.append([deleted(300)]);
    const compacted = await a.compact(newEvent('JournalCompacted', { snapshot: {}, throughSeq: 2 }));
    expect(compacted).toMatchObject({ type: 'JournalCompacted', seq: 4, data: { throughSeq: 3 } });
    expect((compacted.data.snapshot as { metrics: { bytesFreed: number } }).metrics.bytesFreed).toBe(330);
    const left = await readAll(b);
    expect(left.map((e) => (e.kind === 'event' ? (e.event as DomainEvent).type : 'invalid'))).toEqual(['JournalCompacted']);
    expect((await b.append([deleted(1)]))[0]?.seq).toBe(5);
  });

  it('refuses use after close', async () => {
    const j = new IndexedDbJournal({ databaseName: uniqueName('journal-closed') });
    await j.close();
    await expect(j.append([suspended('x')])).rejects.toMatchObject({ code: 'RECLAIM_JOURNAL_CLOSED' });
  });
});

describe('the browser service over the IndexedDB journal', () => {
  it('finishes deletions a run planned before the tab died, on the next start', async () => {
    const options = isolatedOptions();
    const old = Date.now() - 99 * HOUR;
    await seedKeyValueSessions(databaseOf(options), [{ id: 'doomed', timestamp: old, size: 70 }, { id: 'kept', timestamp: Date.now(), size: 1 }]);
    const dead = journal(`reclaim-journal-${databaseOf(options)}`);
    await dead.append([
      newEvent('RunStarted', { trigger: 'manual', dryRun: false, policies: ['expiry'], retentionHours: 24 }, 'run-dead'),
      newEvent('DeletionPlanned', { policy: 'expiry', target: { kind: 'record', id: 'doomed' }, reason: 'expired', bytes: 70 }, 'run-dead'),
    ]);
    await dead.close();
    const client = track(options);
    const report = await client.ready;
    expect(report.recovered).toBe(1);
    expect(report.recoveryRun?.totals.deleted).toBe(1);
    expect((await storedKeys(databaseOf(options), 'keyValueStore')).sort()).toEqual(['cbx_recovery_session_kept']);
    expect(client.getMetrics()).toMatchObject({ sessionsCleared: 1, bytesFreed: 70 });
  });

  it('keeps metrics through journal compaction and a reload', async () => {
    const options = isolatedOptions('chatterbox-storage', { compactAfterEvents: 5 });
    const first = track(options);
    let total = 0;
    for (let round = 0; round < 4; round += 1) {
      await seedKeyValueSessions(databaseOf(options), [{ id: `r${round}`, timestamp: Date.now() - 99 * HOUR, size: 10 + round }]);
      total += 10 + round;
      await first.runCleanup();
    }
    expect(first.getMetrics()).toMatchObject({ sessionsCleared: 4, bytesFreed: total });
    await first.close();
    const reread = journal(`reclaim-journal-${databaseOf(options)}`);
    const types = (await readAll(reread)).map((e) => (e.kind === 'event' ? e.event.type : 'invalid'));
    expect(types[0]).toBe('JournalCompacted');
    expect(types.length).toBeLessThan(20);
    const second = track(options);
    await second.ready;
    expect(second.getMetrics()).toMatchObject({ sessionsCleared: 4, bytesFreed: total });
  });
});
