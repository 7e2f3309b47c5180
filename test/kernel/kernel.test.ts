import 'reflect-metadata';
import { EMPTY, filter, from, map, mergeMap, type Observable, of, throwError, toArray } from 'rxjs';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import {
  createKernel,
  isReclaimError,
  MemoryJournal,
  newEvent,
  ofType,
  POLICY,
  replayState,
  type Decision,
  type DomainEvent,
  type Policy,
  type PolicyRegistration,
  type Store,
} from '../../src/kernel/index.js';
import { emergencyPolicy, expiryPolicy, orphanPolicy, serverEmergencyOptions } from '../../src/policies/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

const NOW = Date.UTC(2026, 10, 26, 12);
const HOUR = 3_600_000;
const clock = { now: () => NOW };

/** A custom policy a host would write: keep at most `max` records, oldest go first. */
const keepAtMost: Policy<{ max: number }> = {
  name: 'keep-at-most',
  optionsSchema: {
    type: 'object',
    properties: { max: { type: 'integer', minimum: 0, default: 2 } },
    additionalProperties: false,
  },
  plan: ({ storage$, options }): Observable<Decision> =>
    storage$.pipe(
      ofStorage('RecordObserved'),
      toArray(),
      mergeMap((records) =>
        from(
          [...records]
            .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))
            .slice(0, Math.max(0, records.length - options.max))
            .map((r): Decision => ({ kind: 'delete', target: { kind: 'record', id: r.id, ...(r.file?.key ? { file: r.file.key } : {}) }, reason: 'over-count', bytes: r.bytes })),
        ),
      ),
    ),
};

function ofStorage(type: 'RecordObserved') {
  return (source: Observable<import('../../src/kernel/index.js').StorageEvent>) =>
    source.pipe(
      filter((e): e is Extract<typeof e, { type: typeof type }> => e.type === type),
      map((e) => e.record),
    );
}

function sampleStore(): MemoryStore {
  return new MemoryStore({
    records: [
      { id: 'old', createdAt: NOW - 30 * HOUR, fileKey: 'old.wav' },
      { id: 'mid', createdAt: NOW - 3 * HOUR, fileKey: 'mid.wav' },
      { id: 'new', createdAt: NOW - 1 * HOUR, fileKey: 'new.wav' },
      { id: 'newest', createdAt: NOW - 0.5 * HOUR, fileKey: 'newest.wav' },
    ],
    files: [
      { key: 'old.wav', size: 100, mtimeMs: NOW - 30 * HOUR },
      { key: 'mid.wav', size: 200, mtimeMs: NOW - 3 * HOUR },
      { key: 'new.wav', size: 300, mtimeMs: NOW - HOUR },
      { key: 'newest.wav', size: 400, mtimeMs: NOW - HOUR },
      { key: 'stray.wav', size: 50, mtimeMs: NOW - 5 * HOUR },
    ],
    limitBytes: null,
  });
}

function collect(kernel: ReturnType<typeof createKernel>): DomainEvent[] {
  const events: DomainEvent[] = [];
  kernel.events$.subscribe((e) => events.push(e));
  return events;
}

const builtins: PolicyRegistration[] = [
  { policy: expiryPolicy, options: { retentionHours: 24 } },
  { policy: orphanPolicy },
];

describe('kernel', () => {
  it('runs built-ins in SPEC order, journals intents before outcomes, and ends with one summary', async () => {
    const store = sampleStore();
    const kernel = createKernel({ store, clock, policies: builtins });
    const events = collect(kernel);
    const result = await kernel.run();
    expect(result).toMatchObject({ outcome: 'success', success: true, dryRun: false });
    expect(result.totals).toMatchObject({ planned: 2, deleted: 2, records: 1, files: 2, bytesFreed: 150 });
    expect(events.filter((e) => e.type === 'RunCompleted')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('RunCompleted');
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const planned = events.findIndex((e) => e.type === 'DeletionPlanned' && e.data.target.kind === 'record');
    const deleted = events.findIndex((e) => e.type === 'ItemDeleted' && e.data.target.kind === 'record');
    expect(planned).toBeGreaterThanOrEqual(0);
    expect(planned).toBeLessThan(deleted);
    expect(store.records().map((r) => r.id).sort()).toEqual(['mid', 'new', 'newest']);
    expect(store.files().map((f) => f.key).sort()).toEqual(['mid.wav', 'new.wav', 'newest.wav']);
  });

  it('a dry run plans and reports the same totals but deletes nothing and counts nothing in metrics', async () => {
    const store = sampleStore();
    const kernel = createKernel({ store, clock, policies: builtins });
    const events = collect(kernel);
    const result = await kernel.run({ dryRun: true });
    expect(result).toMatchObject({ dryRun: true, outcome: 'success' });
    expect(result.totals).toMatchObject({ planned: 2, records: 1, files: 2, bytesFreed: 150, deleted: 0 });
    expect(store.records()).toHaveLength(4);
    expect(store.files()).toHaveLength(5);
    expect(events.filter((e) => e.type === 'ItemDeleted')).toHaveLength(0);
    expect(events.filter((e) => e.type === 'DeletionSkipped' && e.data.reason === 'dry-run')).toHaveLength(2);
    expect(kernel.getMetrics()).toMatchObject({ recordsRemoved: 0, filesRemoved: 0, bytesFreed: 0, lastCleanup: null });
  });

  it('registers a host policy by method and through the DI container, runs it in the chosen order, and streams its events', async () => {
    const host = container.createChildContainer();
    host.register(POLICY, { useValue: { policy: { ...keepAtMost, name: 'di-noop', plan: () => EMPTY }, order: 50 } });
    const kernel = createKernel({ store: sampleStore(), clock, policies: builtins, container: host });
    kernel.use(keepAtMost, { max: 2 }, { order: 150 });
    expect(kernel.policyNames()).toEqual(['di-noop', 'expiry', 'keep-at-most', 'orphan']);
    const seen: string[] = [];
    kernel.events$.pipe(ofType('ItemDeleted')).subscribe((e) => seen.push(`${e.data.policy}:${e.data.target.kind === 'record' ? e.data.target.id : e.data.target.path}`));
    const result = await kernel.run();
    expect(result.policies.map((p) => p.name)).toEqual(['di-noop', 'expiry', 'keep-at-most', 'orphan']);
    expect(seen).toEqual(['expiry:old', 'keep-at-most:mid', 'orphan:stray.wav']);
  });

  it('isolates a failing policy: a throw or a stream error becomes an event and the others go on', async () => {
    const throwing: Policy = { name: 'throws', plan: () => { throw new Error('boom'); } };
    const erroring: Policy = { name: 'errors', plan: () => throwError(() => new Error('stream broke')) };
    const noStream = { name: 'no-stream', plan: () => 42 } as unknown as Policy;
    const kernel = createKernel({
      store: sampleStore(),
      clock,
      policies: [{ policy: throwing, order: 1 }, { policy: erroring, order: 2 }, { policy: noStream, order: 3 }, ...builtins],
    });
    const events = collect(kernel);
    const result = await kernel.run();
    const failures = events.filter((e) => e.type === 'PolicyFailed').map((e) => (e.type === 'PolicyFailed' ? e.data : null));
    expect(failures).toEqual([
      { policy: 'throws', code: 'Error', message: 'boom' },
      { policy: 'errors', code: 'Error', message: 'stream broke' },
      expect.objectContaining({ policy: 'no-stream', code: 'RECLAIM_POLICY_NO_STREAM', message: expect.stringContaining('"no-stream" returned number') }),
    ]);
    expect(result.outcome).toBe('partial');
    expect(result.success).toBe(false);
    expect(result.totals.deleted).toBe(2);
    expect(kernel.getMetrics().errors).toBe(3);
  });

  it('rejects bad policy options at registration, naming the field and the fix', () => {
    const kernel = createKernel({ store: sampleStore(), clock });
    try {
      kernel.use(keepAtMost, { max: -1, extra: true });
      expect.unreachable();
    } catch (error) {
      expect(isReclaimError(error, 'RECLAIM_INVALID_POLICY_OPTIONS')).toBe(true);
      expect((error as Error).message).toContain('keep-at-most.max: must be >= 0');
      expect((error as Error).message).toContain('keep-at-most.extra: is not a known option; remove it or check its spelling');
    }
    expect(() => kernel.use({ ...keepAtMost })).not.toThrow();
    expect(() => kernel.use({ ...keepAtMost })).toThrow(/already registered/);
    expect(() => kernel.use({ name: '', plan: () => EMPTY })).toThrow(/non-empty string `name`/);
  });

  it('a refused deletion becomes an error event; the run goes on and ends partial', async () => {
    const store = sampleStore();
    store.refuse('file:stray.wav', 'EACCES');
    const kernel = createKernel({ store, clock, policies: builtins });
    const events = collect(kernel);
    const result = await kernel.run();
    expect(result.outcome).toBe('partial');
    expect(result.error).toEqual({ code: 'EACCES', message: 'EACCES: cannot delete file:stray.wav' });
    expect(events.find((e) => e.type === 'DeletionFailed')?.data).toMatchObject({ policy: 'orphan', code: 'EACCES' });
    expect(kernel.getMetrics()).toMatchObject({ errors: 1, lastError: 'EACCES: cannot delete file:stray.wav', recordsRemoved: 1 });
  });

  it('an unreadable token source suspends orphan and emergency, deletes nothing and reports an error', async () => {
    const store = sampleStore();
    store.setSource({ status: 'unreadable', reason: 'Unexpected end of JSON input' });
    store.setLimit(10);
    const kernel = createKernel({
      store,
      clock,
      policies: [...builtins, { policy: emergencyPolicy, options: serverEmergencyOptions(1, { limitBytes: 10 }) }],
    });
    const events = collect(kernel);
    const result = await kernel.run();
    expect(result.totals.planned).toBe(0);
    expect(store.files()).toHaveLength(5);
    expect(result.policies).toEqual([
      { name: 'expiry', status: 'ran' },
      { name: 'orphan', status: 'suspended' },
      { name: 'emergency', status: 'suspended' },
    ]);
    expect(result.success).toBe(false);
    expect(events.some((e) => e.type === 'StoreFailed' && e.data.code === 'RECLAIM_TOKEN_SOURCE_UNREADABLE')).toBe(true);
  });

  it('a trigger during a run joins it; a dry-run trigger waits for its own run', async () => {
    const kernel = createKernel({ store: sampleStore(), clock, policies: builtins });
    const events = collect(kernel);
    const [a, b, dry] = await Promise.all([kernel.run(), kernel.run(), kernel.run({ dryRun: true })]);
    expect(a.runId).toBe(b.runId);
    expect(dry.runId).not.toBe(a.runId);
    expect(dry.dryRun).toBe(true);
    expect(events.filter((e) => e.type === 'RunStarted')).toHaveLength(2);
  });

  it('reports the emergency target, freed bytes and shortfall in the summary', async () => {
    const store = sampleStore();
    store.setLimit(1000);
    const kernel = createKernel({
      store,
      clock,
      policies: [{ policy: emergencyPolicy, options: serverEmergencyOptions(1, { limitBytes: 600, minAgeMinutes: 45 }) }],
    });
    const result = await kernel.run();
    // usage 1050 > 600; target 480; candidates by age: old(100), mid(200), new(300); newest is too young.
    expect(result.emergency).toEqual({ policy: 'emergency', usedBytes: 1050, targetBytes: 480, freedBytes: 600, shortfallBytes: 0 });
    expect(result.storageSize).toBe(450);
  });

  it('rebuilds metrics from the journal after a restart and finishes deletions a dead run left open', async () => {
    const journal = new MemoryJournal(clock);
    const store = sampleStore();
    const first = createKernel({ store, journal, clock, policies: builtins });
    await first.run();
    const before = first.getMetrics();
    // A run that died after journaling its intent and before carrying it out.
    await journal.append([
      newEvent('RunStarted', { trigger: 'manual', dryRun: false, policies: ['orphan'], retentionHours: null }, 'dead-run'),
      newEvent('DeletionPlanned', { policy: 'orphan', target: { kind: 'file', path: 'mid.wav' }, reason: 'orphan', bytes: 200 }, 'dead-run'),
    ]);
    const second = createKernel({ store, journal, clock, policies: builtins });
    const report = await second.ready;
    expect(report.recovered).toBe(1);
    expect(report.recoveryRun?.trigger).toBe('recovery');
    expect(store.files().map((f) => f.key)).not.toContain('mid.wav');
    expect(second.getMetrics().filesRemoved).toBe(before.filesRemoved + 1);
    const events: DomainEvent[] = [];
    for await (const entry of journal.read()) if (entry.kind === 'event') events.push(entry.event);
    expect(events.some((e) => e.type === 'ItemDeleted' && e.data.recovered)).toBe(true);
    expect(replayState(events)).toEqual(second.state);
    // The next start finds nothing open.
    const third = createKernel({ store, journal, clock, policies: builtins });
    expect((await third.ready).recovered).toBe(0);
  });

  it('compacts the journal past the threshold and keeps projections exact', async () => {
    const journal = new MemoryJournal(clock);
    const kernel = createKernel({ store: sampleStore(), journal, clock, policies: builtins, config: { compactAfterEvents: 5 } });
    await kernel.run();
    await kernel.run({ dryRun: true });
    expect(journal.size()).toBeLessThanOrEqual(2 + 20);
    const reopened = createKernel({ store: sampleStore(), journal, clock, policies: builtins });
    await reopened.ready;
    expect(reopened.state).toEqual(kernel.state);
  });

  it('refuses to run after close()', async () => {
    const kernel = createKernel({ store: sampleStore(), clock, policies: builtins });
    await kernel.close();
    await expect(kernel.run()).rejects.toMatchObject({ code: 'RECLAIM_KERNEL_CLOSED' });
  });

  it('streams storage observations without journaling them', async () => {
    const kernel = createKernel({ store: sampleStore(), clock, policies: builtins });
    const observed: string[] = [];
    kernel.storage$.subscribe((e) => observed.push(e.type));
    const events = collect(kernel);
    await kernel.run();
    expect(observed.filter((t) => t === 'FileObserved').length).toBeGreaterThanOrEqual(4);
    expect(events.some((e) => (e.type as string) === 'FileObserved')).toBe(false);
  });

  it('publishes to subscribers that join between runs, and plans the same whether anyone listens or not', async () => {
    // The kernel skips publishing while nobody subscribes (as in `reclaim run`); a late
    // subscriber must still see everything from its first run on.
    const unobserved = createKernel({ store: sampleStore(), clock, policies: builtins });
    const quiet = await unobserved.run({ dryRun: true });
    const kernel = createKernel({ store: sampleStore(), clock, policies: builtins });
    const before = await kernel.run({ dryRun: true });
    const storage: string[] = [];
    const types: string[] = [];
    kernel.storage$.subscribe((e) => storage.push(e.type));
    kernel.events$.subscribe((e) => types.push(e.type));
    const after = await kernel.run({ dryRun: true });
    expect(quiet.totals).toEqual(before.totals);
    expect(after.totals).toEqual(before.totals);
    expect(storage.filter((t) => t === 'FileObserved').length).toBeGreaterThanOrEqual(4);
    expect(storage).toContain('RecordObserved');
    expect(types[0]).toBe('RunStarted');
    expect(types.at(-1)).toBe('RunCompleted');
    expect(types.filter((t) => t === 'DeletionPlanned')).toHaveLength(after.totals.planned);
  });

  it('keeps the policy of a refused plan from stopping later runs', async () => {
    let calls = 0;
    const flaky: Policy = { name: 'flaky', plan: () => (++calls === 1 ? throwError(() => new Error('once')) : of<Decision>()) };
    const kernel = createKernel({ store: sampleStore(), clock, policies: [{ policy: flaky }] });
    expect((await kernel.run()).outcome).toBe('error');
    expect((await kernel.run()).outcome).toBe('noop');
  });

  it('cancel() stops a run at a safe point: in-flight deletions finish, the rest are journaled as cancelled, nothing is left open', async () => {
    const files = Array.from({ length: 400 }, (_, i) => ({ key: `f${i}.wav`, size: 10, mtimeMs: NOW - 5 * HOUR }));
    const store = new MemoryStore({ records: [], files, limitBytes: null });
    // The same store, with deletions that take a little time, as on a real disk.
    const slow: Store = {
      name: 'slow-memory',
      loadRecords: () => store.loadRecords(),
      scanFiles: () => store.scanFiles(),
      measure: () => store.measure(),
      remove: async (target) => {
        await new Promise((r) => setTimeout(r, 2));
        return store.remove(target);
      },
    };
    const journal = new MemoryJournal(clock);
    const kernel = createKernel({ store: slow, journal, clock, policies: [{ policy: orphanPolicy, options: { graceMinutes: 0 } }], config: { concurrency: 4, batchSize: 16 } });
    const events = collect(kernel);
    const running = kernel.run();
    while (events.filter((e) => e.type === 'ItemDeleted').length < 20) await new Promise((r) => setTimeout(r, 5));
    kernel.cancel();
    const result = await running;
    expect(result.outcome).toBe('partial');
    expect(result.error?.code).toBe('RECLAIM_RUN_CANCELLED');
    expect(result.policies).toEqual([{ name: 'orphan', status: 'cancelled' }]);
    const deleted = events.filter((e) => e.type === 'ItemDeleted').length;
    expect(deleted).toBeLessThan(400);
    expect(store.files()).toHaveLength(400 - deleted);
    // Every intent has its outcome: a restart finds nothing to recover.
    const planned = events.filter((e) => e.type === 'DeletionPlanned').length;
    const cancelledSkips = events.filter((e) => e.type === 'DeletionSkipped' && e.data.reason === 'cancelled').length;
    expect(planned).toBe(deleted + cancelledSkips);
    const restarted = createKernel({ store, journal, clock, policies: [{ policy: orphanPolicy, options: { graceMinutes: 0 } }] });
    expect((await restarted.ready).recovered).toBe(0);
    // A run asked for after the cancel is not affected, and finishes the job.
    const next = await restarted.run();
    expect(next.outcome).toBe('success');
    expect(store.files()).toHaveLength(0);
  });

  it('a failed compaction does not fail the run: it is reported and tried again later', async () => {
    class FullDiskJournal extends MemoryJournal {
      attempts = 0;
      override compact(): Promise<never> {
        this.attempts += 1;
        return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
      }
    }
    const journal = new FullDiskJournal(clock);
    const kernel = createKernel({ store: sampleStore(), journal, clock, policies: builtins, config: { compactAfterEvents: 3 } });
    const events = collect(kernel);
    const result = await kernel.run();
    expect(result.success).toBe(true);
    await kernel.whenIdle();
    expect(events.find((e) => e.type === 'StoreFailed')?.data).toEqual({ operation: 'compact', code: 'ENOSPC', message: 'ENOSPC: no space left on device' });
    expect(kernel.getMetrics().errors).toBe(1);
    await kernel.run({ dryRun: true });
    expect(journal.attempts).toBe(2);
  });
});
