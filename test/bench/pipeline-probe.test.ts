import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectation, type DatasetSpec } from '../../bench/lib/dataset.js';
import { REPO_ROOT, TSX_ENV, TSX_IMPORT } from '../support/tsx.js';

const PROBE = join(REPO_ROOT, 'bench', 'probes', 'pipeline.ts');

interface ProbeOutput {
  readonly storageEvents: number | null;
  readonly eventsPerSec: number | null;
  readonly deleted: number;
  readonly journalEvents: number;
}

async function probe(spec: DatasetSpec, storageStream: string): Promise<ProbeOutput> {
  const args = [...TSX_IMPORT, PROBE, String(spec.files), String(spec.tokens), String(spec.seed), String(spec.nowMs), 'discard', storageStream];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...TSX_ENV } });
  return JSON.parse(stdout) as ProbeOutput;
}

describe('the pipeline probe (bench)', () => {
  // The share of a cleanup is timed unobserved, as `reclaim run` runs the kernel; the events per
  // second are counted by a subscriber. Both must be the same run of the kernel.
  it('plans and deletes the same whether the storage stream is counted or unobserved, and only counts when asked', async () => {
    // Now, as the bench does: the kernel reads the clock, and the data set's ages count from nowMs.
    const spec: DatasetSpec = { files: 3000, tokens: 2100, seed: 7, layout: 'flat', nowMs: Date.now() };
    const [counted, unobserved] = await Promise.all([probe(spec, 'count'), probe(spec, 'unobserved')]);
    // Each file past the cutoff goes once: with its expired token, or as an orphan.
    expect(counted.deleted).toBe(expectation(spec).oldFiles);
    expect(unobserved.deleted).toBe(counted.deleted);
    expect(unobserved.journalEvents).toBe(counted.journalEvents);
    // The expiry policy alone observes every token; the orphan policy adds the files.
    expect(counted.storageEvents).toBeGreaterThan(spec.tokens + spec.files / 2);
    expect(counted.eventsPerSec).toBeGreaterThan(0);
    expect(unobserved.storageEvents).toBeNull();
    expect(unobserved.eventsPerSec).toBeNull();
  }, 60_000);

  it('says what the storage stream argument must be', async () => {
    const spec: DatasetSpec = { files: 10, tokens: 5, seed: 7, layout: 'flat', nowMs: Date.UTC(2026, 10, 27) };
    await expect(probe(spec, 'counted')).rejects.toThrow(/storage stream must be count or unobserved, not counted/);
  }, 60_000);
});
