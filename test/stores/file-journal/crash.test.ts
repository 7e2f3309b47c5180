import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isReclaimError } from '../../../src/kernel/index.js';
import { openFileJournal } from '../../../src/stores/file-journal/index.js';
import { collect, eventsOf, invalidOf, parseWholeFile, startFixture, tempFolder, type Child } from './support.js';

let folder: { dir: string; cleanup: () => Promise<void> };
const children: Child[] = [];

beforeEach(async () => {
  folder = await tempFolder();
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    await child.exited;
  }
  await folder.cleanup();
});

function start(script: string, args: readonly string[]): Child {
  const child = startFixture(script, args);
  children.push(child);
  return child;
}

describe('FileJournal across processes', () => {
  it('refuses a second opener while another process holds the journal, and opens once it let go', async () => {
    const path = join(folder.dir, 'journal.jsonl');
    const holder = start('hold-lock.ts', [path]);
    await holder.waitFor((line) => line === 'ready');
    const refused = openFileJournal({ path });
    await expect(refused).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_JOURNAL_LOCKED'));
    await expect(refused).rejects.toThrow(path);
    holder.process.stdin.end();
    await holder.waitFor((line) => line === 'closed');
    const journal = await openFileJournal({ path });
    await journal.close();
  });

  it('takes over the lock of a process killed with SIGKILL once it is stale', async () => {
    const path = join(folder.dir, 'journal.jsonl');
    const holder = start('hold-lock.ts', [path, '2000']);
    await holder.waitFor((line) => line === 'ready');
    holder.process.kill('SIGKILL');
    await holder.exited;
    // Fresh: a dead holder is indistinguishable from a live one until the lock goes stale.
    await expect(openFileJournal({ path })).rejects.toSatisfy((e) => isReclaimError(e, 'RECLAIM_JOURNAL_LOCKED'));
    const startedAt = Date.now();
    const journal = await openFileJournal({ path, lockStaleMs: 2000, lockWaitMs: 10_000 });
    expect(Date.now() - startedAt).toBeLessThan(5000);
    await journal.close();
  });

  it('loses no acknowledged event when the appending process is killed with SIGKILL at random moments', async () => {
    // Four journals side by side, five kills each: twenty kills. Each reopen waits for the
    // killed child's lock to go stale (2 s), so lanes keep the test's wall time down.
    const lanes = 4;
    const killsPerLane = 5;
    const report = await Promise.all(
      Array.from({ length: lanes }, (_, lane) => killLoop(join(folder.dir, `lane-${lane}.jsonl`), killsPerLane)),
    );
    const totals = report.reduce((sum, r) => ({ acked: sum.acked + r.acked, torn: sum.torn + r.torn }), { acked: 0, torn: 0 });
    expect(totals.acked).toBeGreaterThan(lanes * killsPerLane);
    // How many kills tore a line is up to timing; it is logged, not asserted.
    console.info(`SIGKILL loop: ${lanes * killsPerLane} kills, ${totals.acked} acknowledged events, ${totals.torn} torn tails repaired`);
  }, 180_000);
});

/** Runs the appending child and kills it `kills` times, checking the journal after each kill. */
async function killLoop(path: string, kills: number): Promise<{ acked: number; torn: number }> {
  const acked = new Set<number>();
  let torn = 0;
  let lastSeqSeen = 0;
  for (let round = 0; round < kills; round += 1) {
    const child = start('append-loop.ts', [path]);
    const opened = await child.waitFor((line) => line.startsWith('open '), 40_000);
    // The child continues the sequence exactly where the parent's check left it.
    expect(Number(opened.slice('open '.length))).toBe(lastSeqSeen);
    await child.waitFor((line) => line.startsWith('ack '));
    const delay = 5 + Math.floor(Math.random() * 250);
    await new Promise((resolve) => setTimeout(resolve, delay));
    child.process.kill('SIGKILL');
    const exit = await child.exited;
    expect(exit.signal, child.stderr()).toBe('SIGKILL');
    for (const line of child.lines) {
      if (!line.startsWith('ack ')) continue;
      for (const seq of line.slice('ack '.length).split(',')) acked.add(Number(seq));
    }

    const journal = await openFileJournal({ path, lockStaleMs: 2000, lockWaitMs: 30_000 });
    try {
      if (journal.openReport.truncatedBytes > 0) torn += 1;
      // Only a torn tail may be reported: nothing in the middle is ever damaged by a kill.
      expect(journal.openReport.invalid.filter((p) => !p.reason.startsWith('torn last line')), `round ${round}, kill after ${delay} ms`).toEqual([]);
      const entries = await collect(journal.read());
      const seqs = new Set(eventsOf(entries).map((e) => e.seq));
      const missing = [...acked].filter((seq) => !seqs.has(seq));
      expect(missing, `round ${round}, kill after ${delay} ms: acknowledged seqs missing`).toEqual([]);
      expect(invalidOf(entries).every((p) => p.reason.startsWith('torn last line'))).toBe(true);
      lastSeqSeen = journal.lastSeq;
    } finally {
      await journal.close();
    }
    // After the repair the whole file parses, line by line, with strictly increasing seqs.
    const onDisk = await parseWholeFile(path);
    expect(onDisk.at(-1)?.seq ?? 0).toBe(lastSeqSeen);
  }
  return { acked: acked.size, torn };
}
