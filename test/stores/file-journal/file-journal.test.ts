import { appendFile, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isReclaimError, newEvent, type NewEvent } from '../../../src/kernel/index.js';
import { openFileJournal, type FileJournal } from '../../../src/stores/file-journal/index.js';
import { collect, eventsOf, fixedClock, invalidOf, parseWholeFile, tempFolder } from './support.js';

const rejected = (id: string): NewEvent => newEvent('EntryRejected', { id, reason: 'no usable time field' }, 'run-1');

let folder: { dir: string; cleanup: () => Promise<void> };
let path: string;
const open: FileJournal[] = [];

async function openJournal(options: Partial<Parameters<typeof openFileJournal>[0]> = {}): Promise<FileJournal> {
  const journal = await openFileJournal({ path, clock: fixedClock(), ...options });
  open.push(journal);
  return journal;
}

beforeEach(async () => {
  folder = await tempFolder();
  path = join(folder.dir, 'journal.jsonl');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((journal) => journal.close()));
  await folder.cleanup();
});

describe('FileJournal: append and read', () => {
  it('round-trips events as one JSON line each, with seq, at and version', async () => {
    const journal = await openJournal();
    const appended = await journal.append([rejected('a'), rejected('b')]);
    expect(appended.map((e) => e.seq)).toEqual([1, 2]);
    expect(appended[0]).toEqual({ type: 'EntryRejected', v: 1, seq: 1, at: '2025-03-01T12:00:00.000Z', runId: 'run-1', data: { id: 'a', reason: 'no usable time field' } });
    expect(eventsOf(await collect(journal.read()))).toEqual(appended);
    expect(await parseWholeFile(path)).toEqual(appended);
    expect(journal.size()).toBe((await stat(path)).size);
    expect(journal.lastSeq).toBe(2);
  });

  it('keeps seq strictly increasing across reopen, and reads what this instance appended', async () => {
    const first = await openJournal();
    await first.append([rejected('a'), rejected('b'), rejected('c')]);
    await first.close();
    const second = await openJournal();
    expect(second.lastSeq).toBe(3);
    expect(second.openReport).toEqual({ events: 3, invalid: [], truncatedBytes: 0 });
    const [next] = await second.append([rejected('d')]);
    expect(next?.seq).toBe(4);
    expect(eventsOf(await collect(second.read())).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(eventsOf(await collect(second.read(3))).map((e) => e.seq)).toEqual([3, 4]);
  });

  it('coalesces appends made in one tick into one write, in call order', async () => {
    const journal = await openJournal();
    const before = journal.stats.writes;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append([rejected(`id-${i}`)])));
    expect(journal.stats.writes - before).toBe(1);
    expect(results.map(([event]) => event?.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await parseWholeFile(path)).map((e) => (e.type === 'EntryRejected' ? e.data.id : ''))).toEqual(
      Array.from({ length: 50 }, (_, i) => `id-${i}`),
    );
  });

  it('refuses an event that would not read back as valid, writing nothing of that append', async () => {
    const journal = await openJournal();
    const bad = newEvent('StorageMeasured', { stage: 'x', usedBytes: Number.NaN, limitBytes: null, originUsageBytes: null, quotaBytes: null });
    await expect(journal.append([rejected('a'), bad])).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_JOURNAL_INVALID_ENTRY'));
    expect(journal.size()).toBe(0);
    const [event] = await journal.append([rejected('b')]);
    expect(event?.seq).toBe(1);
  });

  it('refuses an unknown type named like an object member (toString, constructor) with the same coded error', async () => {
    const journal = await openJournal();
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const foreign = { type, data: { a: 1 } } as unknown as NewEvent;
      await expect(journal.append([foreign])).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_JOURNAL_INVALID_ENTRY'));
    }
    expect(journal.size()).toBe(0);
  });

  it('fsyncs on sync() and close(), and refuses appends after close', async () => {
    const journal = await openJournal();
    await journal.append([rejected('a')]);
    await journal.sync();
    expect(journal.stats.fsyncs).toBe(1);
    await journal.sync(); // nothing new written: nothing to fsync
    expect(journal.stats.fsyncs).toBe(1);
    await journal.close();
    await journal.close();
    await expect(journal.append([rejected('b')])).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_JOURNAL_CLOSED'));
  });

  it('fsyncs before acknowledging with fsyncOnAppend', async () => {
    const journal = await openJournal({ fsyncOnAppend: true });
    await Promise.all([journal.append([rejected('a')]), journal.append([rejected('b')])]);
    expect(journal.stats).toMatchObject({ writes: 1, fsyncs: 1, eventsAppended: 2 });
  });

  it('fsyncs unsynced writes every fsyncIntervalMs', async () => {
    const journal = await openJournal({ fsyncIntervalMs: 10 });
    await journal.append([rejected('a')]);
    await vi.waitFor(() => expect(journal.stats.fsyncs).toBe(1), { timeout: 2000, interval: 5 });
  });

  it('rejects an append the disk refuses, and takes no more once it cannot cut the fragment away', async () => {
    // /dev/full fails every write with ENOSPC and cannot be truncated: a disk in trouble.
    if (process.platform !== 'linux') return;
    await symlink('/dev/full', path);
    const journal = await openJournal();
    const first = await journal.append([rejected('a')]).catch((error: unknown) => error);
    expect(isReclaimError(first, 'RECLAIM_JOURNAL_WRITE_FAILED') && /ENOSPC/.test(first.message)).toBe(true);
    // The device cannot be truncated, so a fragment may remain: the journal refuses from now on
    // with that same failure instead of gluing the next line onto it.
    await expect(journal.append([rejected('b')])).rejects.toBe(first);
    expect(journal.stats.eventsAppended).toBe(0);
  });

  it('rejects bad options naming the field', async () => {
    await expect(openFileJournal({ path, lockStaleMs: 10 })).rejects.toThrow(/journal\.lockStaleMs/);
    await expect(openFileJournal({ path, fsyncIntervalMs: 0 })).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_INVALID_CONFIG'));
  });

  it('exposes its path and the paths a storage scan must leave alone', async () => {
    const journal = await openJournal();
    expect(journal.path).toBe(path);
    expect(journal.reservedPaths).toEqual([path, `${path}.lock`, `${path}.compacting.tmp`]);
    expect((await stat(journal.lockPath)).isDirectory()).toBe(true);
  });
});

describe('FileJournal: damaged files', () => {
  async function seed(count: number): Promise<string> {
    const journal = await openJournal();
    await journal.append(Array.from({ length: count }, (_, i) => rejected(`seed-${i}`)));
    await journal.close();
    return readFile(path, 'utf8');
  }

  it('tolerates a torn last line: reports it with its position and truncates it away', async () => {
    const clean = await seed(3);
    await appendFile(path, '{"type":"EntryRejected","v":1,"seq":4,"at":"2025-03-');
    const journal = await openJournal();
    expect(journal.lastSeq).toBe(3);
    expect(journal.openReport.truncatedBytes).toBe(52);
    expect(journal.openReport.invalid).toEqual([{ position: 4, reason: expect.stringContaining('torn last line') }]);
    expect(await readFile(path, 'utf8')).toBe(clean);
    // The kernel sees the repair as an invalid entry of its replay.
    const entries = await collect(journal.read());
    expect(invalidOf(entries)).toEqual([{ position: 4, reason: expect.stringContaining('truncated') }]);
    const [next] = await journal.append([rejected('after')]);
    expect(next?.seq).toBe(4);
    expect((await parseWholeFile(path)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('tolerates a torn tail of NUL bytes (a power loss that extended the file without its data)', async () => {
    const clean = await seed(2);
    await appendFile(path, Buffer.alloc(4096));
    const journal = await openJournal();
    expect(journal.openReport.truncatedBytes).toBe(4096);
    expect(await readFile(path, 'utf8')).toBe(clean);
  });

  it('reports a corrupt line in the middle and never trusts it', async () => {
    const clean = await seed(2);
    const lines = clean.split('\n');
    const corrupt = `${lines[0]}\n{"type":"ItemDeleted","v":1,"seq":2,"at":\u0000garbage\n${lines[1]}\n`;
    await writeFile(path, corrupt);
    const journal = await openJournal();
    expect(journal.lastSeq).toBe(2);
    expect(journal.openReport.invalid).toEqual([{ position: 2, reason: expect.stringContaining('not JSON') }]);
    const entries = await collect(journal.read());
    expect(entries.map((e) => (e.kind === 'event' ? `event ${e.event.seq}` : `invalid ${e.position}`))).toEqual(['event 1', 'invalid 2', 'event 2']);
    // A middle line is evidence, not a torn tail: it stays in the file.
    expect(await readFile(path, 'utf8')).toBe(corrupt);
  });

  it('reports a foreign JSON line (valid JSON, wrong shape) and a line in another encoding', async () => {
    await seed(1);
    await appendFile(path, '{"level":"info","message":"not ours"}\n[1,2,3]\n');
    await appendFile(path, Buffer.from([0xff, 0xfe, 0x7b, 0x0a]));
    await appendFile(path, `${JSON.stringify({ type: 'ItemDeleted', v: 1, seq: 9, at: '2025-03-01T12:00:00Z', data: { policy: 'expiry' } })}\n`);
    const journal = await openJournal();
    expect(journal.openReport.invalid.map((p) => [p.position, p.reason])).toEqual([
      [2, expect.stringContaining('unknown event type')],
      [3, expect.stringContaining('not a reclaim event')],
      [4, 'not valid UTF-8'],
      [5, expect.stringContaining('data.target: is required')],
    ]);
    // seq 9 of the foreign line was not trusted: the sequence continues after 1.
    expect(journal.lastSeq).toBe(1);
  });

  it('reports a line whose seq does not increase, and keeps the sequence after the highest valid seq', async () => {
    const clean = await seed(3);
    const [first] = clean.split('\n');
    await appendFile(path, `${first}\n`); // a duplicate of seq 1 after seq 3
    const journal = await openJournal();
    expect(journal.openReport.invalid).toEqual([{ position: 4, reason: 'seq 1 does not follow seq 3: sequence numbers must strictly increase' }]);
    expect(journal.lastSeq).toBe(3);
    expect(eventsOf(await collect(journal.read())).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('reports invalid lines to a read from a later seq only when they lie in its range', async () => {
    await seed(2);
    await appendFile(path, 'junk after two\n');
    const journal = await openJournal();
    await journal.append([rejected('c')]);
    const kinds = async (from: number): Promise<string[]> =>
      (await collect(journal.read(from))).map((e) => (e.kind === 'event' ? `event ${e.event.seq}` : `invalid ${e.position}`));
    // The junk lies between seq 2 and seq 3.
    expect(await kinds(1)).toEqual(['event 1', 'event 2', 'invalid 3', 'event 3']);
    // A read from 3 cannot tell whether the junk was meant to be seq 3: it reports it.
    expect(await kinds(3)).toEqual(['invalid 3', 'event 3']);
    // A read from 2 and one from 4 can place it: inside the first range, before the second.
    expect(await kinds(2)).toEqual(['event 2', 'invalid 3', 'event 3']);
    expect(await kinds(4)).toEqual([]);
  });
});

describe('FileJournal: compaction', () => {
  it('replaces the file atomically with one JournalCompacted line that reads first', async () => {
    const journal = await openJournal();
    await journal.append([rejected('a'), rejected('b')]);
    const big = journal.size();
    const compacted = await journal.compact(newEvent('JournalCompacted', { snapshot: { metrics: { runs: 2 } }, throughSeq: 2 }));
    expect(compacted).toMatchObject({ type: 'JournalCompacted', seq: 3, data: { throughSeq: 2 } });
    expect(await parseWholeFile(path)).toEqual([compacted]);
    expect(journal.size()).toBeLessThan(big + 200);
    expect(journal.size()).toBe((await stat(path)).size);
    const [after] = await journal.append([rejected('c')]);
    expect(after?.seq).toBe(4);
    expect(eventsOf(await collect(journal.read()))).toEqual([compacted, after]);
    await journal.close();
    const reopened = await openJournal();
    expect(eventsOf(await collect(reopened.read()))).toEqual([compacted, after]);
    expect(reopened.lastSeq).toBe(4);
  });

  it('refuses a snapshot that does not cover every event, keeping the file', async () => {
    const journal = await openJournal();
    await journal.append([rejected('a'), rejected('b')]);
    const before = await readFile(path, 'utf8');
    await expect(journal.compact(newEvent('JournalCompacted', { snapshot: {}, throughSeq: 1 }))).rejects.toSatisfy((e) =>
      isReclaimError(e, 'RECLAIM_JOURNAL_SEQ_CONFLICT'),
    );
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('fsyncs the compacted file', async () => {
    const journal = await openJournal();
    await journal.append([rejected('a')]);
    await journal.compact(newEvent('JournalCompacted', { snapshot: {}, throughSeq: 1 }));
    expect(journal.stats).toMatchObject({ compactions: 1, fsyncs: 1 });
  });

  it('lets a read that started before a compaction finish on the old file', async () => {
    const journal = await openJournal();
    await journal.append([rejected('a'), rejected('b'), rejected('c')]);
    const reader = journal.read()[Symbol.asyncIterator]();
    const first = await reader.next();
    await journal.compact(newEvent('JournalCompacted', { snapshot: {}, throughSeq: 3 }));
    const rest: number[] = [];
    for (let step = await reader.next(); step.done !== true; step = await reader.next()) {
      if (step.value.kind === 'event') rest.push(step.value.event.seq);
    }
    expect(first.value).toMatchObject({ kind: 'event', event: { seq: 1 } });
    expect(rest).toEqual([2, 3]);
  });
});

describe('FileJournal: exclusive lock', () => {
  it('refuses a second opener in the same process with a coded error', async () => {
    await openJournal();
    const second = openFileJournal({ path });
    await expect(second).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_JOURNAL_LOCKED'));
    await expect(second).rejects.toThrow(/locked by another process/);
  });

  it('takes no more appends once its lock was lost', async () => {
    const journal = await openJournal({ lockStaleMs: 2000 });
    await journal.append([rejected('a')]);
    // Someone removed the lock: another process may now open the journal and append to it.
    await rm(journal.lockPath, { recursive: true });
    await vi.waitFor(
      async () => {
        await expect(journal.append([rejected('b')])).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_JOURNAL_LOCKED'));
      },
      { timeout: 5000, interval: 100 },
    );
    // What it wrote before is still fsynced on close, and the lost lock is not released twice.
    await journal.close();
    expect(journal.stats.fsyncs).toBe(1);
  });

  it('can be opened again once closed', async () => {
    const first = await openJournal();
    await first.append([rejected('a')]);
    await first.close();
    const second = await openJournal();
    expect(second.lastSeq).toBe(1);
  });
});
