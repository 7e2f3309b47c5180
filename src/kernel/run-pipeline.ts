import { bufferCount, concatMap, defaultIfEmpty, from, isObservable, lastValueFrom, Observable, takeWhile, tap } from 'rxjs';
import type { Clock } from './clock.js';
import { isoUtc } from './clock.js';
import { describeError, ReclaimError } from './errors.js';
import {
  newEvent,
  type DomainEvent,
  type EmergencySummary,
  type NewEvent,
  type PolicyRunStatus,
  type RunOutcome,
  type RunSummaryData,
  type RunTrigger,
} from './events.js';
import type { KernelConfig } from './kernel-config.js';
import type { Decision, Policy, PolicyInput } from './policy.js';
import type { RecordSnapshot, RemovalResult, StorageEvent, StoredRecord, Target, Usage } from './storage.js';
import { targetKey } from './storage.js';
import type { Store } from './store.js';
import { EventBatcher } from './event-batcher.js';
import { DeletionSlots } from './deletion-slots.js';
import { WorkQueue } from './work-queue.js';

/** A policy ready to run: options validated, order fixed. */
export interface ResolvedPolicy {
  readonly policy: Policy<unknown>;
  readonly options: unknown;
  readonly order: number;
}

/** What one run needs from the kernel. */
export interface RunContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly config: KernelConfig;
  readonly policies: readonly ResolvedPolicy[];
  /** Journals events in order, folds them into projections, and publishes them. */
  readonly emit: (events: readonly NewEvent[]) => Promise<readonly DomainEvent[]>;
  /** Publishes one storage observation (not journaled). */
  readonly observe: (event: StorageEvent) => void;
}

/** How a run was asked for. */
export interface RunRequest {
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly dryRun: boolean;
  /** Set for crash recovery: deletions finished on behalf of a run that died. */
  readonly recovered?: boolean;
  /**
   * Polled at safe points: once true, no new deletion starts, deletions in flight finish, the
   * rest are journaled as skipped (`cancelled`), the store commits, and the run ends `partial`.
   */
  readonly cancelled?: () => boolean;
}

/** The result of a run: its summary, id and verdict. */
export interface RunResult extends RunSummaryData {
  readonly runId: string;
  /** True when the run completed without errors (outcome `success` or `noop`). */
  readonly success: boolean;
}

interface Tally {
  planned: number;
  deleted: number;
  alreadyGone: number;
  failed: number;
  skipped: number;
  rejected: number;
  records: number;
  files: number;
  bytesFreed: number;
  errors: number;
  firstError?: { code: string; message: string };
}

function newTally(): Tally {
  return { planned: 0, deleted: 0, alreadyGone: 0, failed: 0, skipped: 0, rejected: 0, records: 0, files: 0, bytesFreed: 0, errors: 0 };
}

function noteError(tally: Tally, error: { code: string; message: string }): void {
  tally.errors += 1;
  tally.firstError ??= error;
}

function measuredEvent(stage: string, usage: Usage, runId: string): NewEvent<'StorageMeasured'> {
  return newEvent(
    'StorageMeasured',
    {
      stage,
      usedBytes: usage.usedBytes,
      limitBytes: usage.limitBytes,
      originUsageBytes: usage.originUsageBytes ?? null,
      quotaBytes: usage.quotaBytes ?? null,
    },
    runId,
  );
}

function wantsFiles(policy: Policy<unknown>): boolean {
  return policy.observes?.includes('files') ?? false;
}

/** What a deletion of this target yields when it succeeds, for dry-run totals. */
function expectedYield(target: Target, bytes: number): { records: number; files: number; bytes: number } {
  if (target.kind === 'file') return { records: 0, files: 1, bytes };
  return { records: 1, files: target.file === undefined ? 0 : 1, bytes };
}

/**
 * Carries out one run: read the records, then for each policy in order build its storage
 * stream, plan, journal the intents, delete with bounded concurrency, journal the outcomes,
 * commit and re-measure; end with one `RunCompleted` summary.
 */
export async function executeRun(ctx: RunContext, request: RunRequest): Promise<RunResult> {
  const { store, clock, config } = ctx;
  const { runId, dryRun } = request;
  const startedMs = clock.now();
  const tally = newTally();
  const statuses: { name: string; status: PolicyRunStatus }[] = [];
  const cancelled = request.cancelled ?? (() => false);
  // Set as stages settle (in callbacks), so declared with a cast: TypeScript would narrow it to null.
  let emergency = null as (EmergencySummary & { freedSoFar: number }) | null;
  let fatal: { code: string; message: string } | undefined;
  let usage: Usage | null = null;

  await ctx.emit([
    newEvent(
      'RunStarted',
      { trigger: request.trigger, dryRun, policies: ctx.policies.map((p) => p.policy.name), retentionHours: config.retentionHours },
      runId,
    ),
  ]);

  const storeFailed = async (operation: string, error: unknown): Promise<{ code: string; message: string }> => {
    const described = describeError(error);
    noteError(tally, described);
    await ctx.emit([newEvent('StoreFailed', { operation, ...described }, runId)]);
    return described;
  };

  const measure = async (stage: string): Promise<void> => {
    try {
      usage = await store.measure();
      await ctx.emit([measuredEvent(stage, usage, runId)]);
    } catch (error) {
      await storeFailed('measure', error);
    }
  };

  let snapshot: RecordSnapshot | null = null;
  try {
    snapshot = await store.loadRecords();
  } catch (error) {
    fatal = await storeFailed('loadRecords', error);
  }

  if (snapshot !== null) {
    // Filled in a loop: a pair array per record first would double the garbage of a large load.
    const live = new Map<string, StoredRecord>();
    for (const record of snapshot.records) live.set(record.id, record);
    const rejected = snapshot.rejected;
    tally.rejected = rejected.length;
    if (rejected.length > 0) {
      await ctx.emit(rejected.map((entry) => newEvent('EntryRejected', { id: entry.id, reason: entry.reason }, runId)));
    }
    if (snapshot.source.status === 'unreadable') {
      await storeFailed('loadRecords', new ReclaimError('RECLAIM_TOKEN_SOURCE_UNREADABLE', snapshot.source.reason));
    }
    await measure('start');
    // In a dry run nothing disappears, so later policies must not see what earlier ones "deleted".
    const handledFiles = new Set<string>();
    // One pool of deletion slots for the whole run, earlier stages first (see DeletionSlots).
    const slots = new DeletionSlots(config.concurrency);
    let allFailed: boolean = ctx.policies.length > 0;

    // The settling of the stages so far (their deletions drained, the store committed, usage
    // re-measured), in stage order. A policy that declares `overlapsPrevious` starts planning
    // while the previous stage's deletions still run; any other waits for them.
    let settled: Promise<void> = Promise.resolve();
    for (const { policy, options } of ctx.policies) {
      if (policy.overlapsPrevious !== true) await settled;
      if (cancelled()) {
        statuses.push({ name: policy.name, status: 'cancelled' });
        continue;
      }
      const entry: { name: string; status: PolicyRunStatus } = { name: policy.name, status: 'ran' };
      statuses.push(entry);
      const planned = await runStage({
        ctx,
        request,
        policy,
        options,
        live,
        rejected,
        handledFiles,
        slots,
        source: snapshot.source,
        usage: usage ?? { usedBytes: 0, limitBytes: null },
        now: startedMs,
        tally,
      });
      settled = settled.then(async () => {
        const stage = await planned.settled;
        entry.status = stage.status;
        if (stage.status !== 'failed') allFailed = false;
        if (stage.pressure !== null) {
          emergency = { policy: policy.name, ...stage.pressure, freedBytes: 0, shortfallBytes: 0, freedSoFar: 0 };
        }
        if (emergency !== null && emergency.policy === policy.name) emergency.freedSoFar = stage.bytes;
        if (!dryRun && store.commit !== undefined) {
          try {
            await store.commit();
          } catch (error) {
            await storeFailed('commit', error);
          }
        }
        if (dryRun) {
          const before: Usage = usage ?? { usedBytes: 0, limitBytes: null };
          usage = { ...before, usedBytes: Math.max(0, before.usedBytes - stage.bytes) };
          await ctx.emit([measuredEvent(policy.name, usage, runId)]);
        } else {
          await measure(policy.name);
        }
      });
    }
    await settled;
    if (allFailed && fatal === undefined) fatal = tally.firstError;
  }

  const finalUsage: Usage | null = usage;
  const emergencySummary: EmergencySummary | null =
    emergency === null
      ? null
      : {
          policy: emergency.policy,
          usedBytes: emergency.usedBytes,
          targetBytes: emergency.targetBytes,
          freedBytes: emergency.freedSoFar,
          shortfallBytes: Math.max(
            0,
            (finalUsage === null ? emergency.usedBytes - emergency.freedSoFar : (finalUsage as Usage).usedBytes) - emergency.targetBytes,
          ),
        };

  const wasCancelled = cancelled();
  const outcome: RunOutcome =
    fatal !== undefined ? 'error' : tally.errors > 0 || wasCancelled ? 'partial' : tally.planned > 0 ? 'success' : 'noop';
  const cancellation = wasCancelled
    ? { code: 'RECLAIM_RUN_CANCELLED', message: 'the run was cancelled before it finished; the next run picks up what is left' }
    : undefined;
  const error = fatal ?? tally.firstError ?? cancellation;
  const summary: RunSummaryData = {
    outcome,
    trigger: request.trigger,
    dryRun,
    startedAt: isoUtc(startedMs),
    durationMs: Math.max(0, clock.now() - startedMs),
    totals: {
      planned: tally.planned,
      deleted: tally.deleted,
      alreadyGone: tally.alreadyGone,
      failed: tally.failed,
      skipped: tally.skipped,
      rejected: tally.rejected,
      records: tally.records,
      files: tally.files,
      bytesFreed: tally.bytesFreed,
    },
    storageSize: finalUsage === null ? null : (finalUsage as Usage).usedBytes,
    storageLimit: finalUsage === null ? null : (finalUsage as Usage).limitBytes,
    emergency: emergencySummary,
    policies: statuses,
    ...(error === undefined ? {} : { error }),
  };
  await ctx.emit([newEvent('RunCompleted', summary, runId)]);
  return { ...summary, runId, success: outcome === 'success' || outcome === 'noop' };
}

interface StageArgs {
  readonly ctx: RunContext;
  readonly request: RunRequest;
  readonly policy: Policy<unknown>;
  readonly options: unknown;
  readonly live: Map<string, StoredRecord>;
  readonly rejected: RecordSnapshot['rejected'];
  readonly handledFiles: Set<string>;
  readonly slots: DeletionSlots;
  readonly source: RecordSnapshot['source'];
  readonly usage: Usage;
  readonly now: number;
  readonly tally: Tally;
}

/** A stage whose planning is over: every intent journaled and queued. */
interface PlannedStage {
  /** Resolves once its deletions are done and their outcomes journaled. Never rejects. */
  readonly settled: Promise<StageResult>;
}

interface StageResult {
  readonly status: PolicyRunStatus;
  /** Bytes this stage freed (or would free, in a dry run). */
  readonly bytes: number;
  readonly pressure: { usedBytes: number; targetBytes: number } | null;
}

/**
 * Runs one policy's stage up to the end of its planning (every decision journaled, deletions
 * queued); its deletions go on after that, and {@link PlannedStage.settled} says when they are
 * done.
 */
async function runStage(args: StageArgs): Promise<PlannedStage> {
  const { ctx, request, policy, live, handledFiles, tally } = args;
  const { runId, dryRun } = request;
  const recovered = request.recovered ?? false;
  const name = policy.name;
  let status: StageResult['status'] = 'ran';
  let bytes = 0;
  let pressure: StageResult['pressure'] = null;
  // Outcomes are journaled in batches; intents flush them first, so order is kept.
  const outcomes = new EventBatcher(ctx.emit, ctx.config.batchSize);

  const records = [...live.values()];
  const rejectedEntries = args.rejected;
  // Records, then rejected entries, then (for policies that observe files) the files as the
  // scan finds them; each one published to the kernel's storage stream first. Written as one
  // subscriber rather than a chain of operators: a scan emits one event per file.
  const storage$ = new Observable<StorageEvent>((subscriber) => {
    const emit = (event: StorageEvent): void => {
      ctx.observe(event);
      subscriber.next(event);
    };
    for (const record of records) {
      if (subscriber.closed) return undefined;
      emit({ type: 'RecordObserved', record });
    }
    for (const entry of rejectedEntries) {
      if (subscriber.closed) return undefined;
      emit({ type: 'EntryRejected', entry });
    }
    if (subscriber.closed) return undefined;
    if (!wantsFiles(policy) || ctx.store.scanFiles === undefined) {
      subscriber.complete();
      return undefined;
    }
    return ctx.store.scanFiles({ pace: () => planned.pace() }).subscribe({
      next(file) {
        if (!handledFiles.has(file.key)) emit({ type: 'FileObserved', file });
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
  });

  const input: PolicyInput<unknown> = {
    storage$,
    source: args.source,
    usage: args.usage,
    now: args.now,
    options: args.options,
    dryRun,
    runId,
  };

  const policyFailed = async (error: unknown): Promise<void> => {
    const described = describeError(error);
    const event = newEvent('PolicyFailed', { policy: name, code: described.code, message: described.message }, runId);
    noteError(tally, { code: described.code, message: `policy ${name}: ${described.message}` });
    status = 'failed';
    await ctx.emit([event]);
  };

  let decisions$: Observable<Decision>;
  try {
    const planned: unknown = policy.plan(input);
    if (!isObservable(planned)) {
      throw new ReclaimError(
        'RECLAIM_POLICY_NO_STREAM',
        `Policy "${name}" returned ${planned === null ? 'null' : typeof planned} from plan(); it must return an Observable of decisions`,
        { details: { policy: name } },
      );
    }
    decisions$ = planned as Observable<Decision>;
  } catch (error) {
    await policyFailed(error);
    return { settled: Promise.resolve({ status, bytes, pressure }) };
  }

  const settle = (decision: Extract<Decision, { kind: 'delete' }>, result: RemovalResult): void => {
    const { target, reason } = decision;
    switch (result.status) {
      case 'deleted':
        tally.deleted += 1;
        tally.records += result.records;
        tally.files += result.files;
        tally.bytesFreed += result.bytes;
        bytes += result.bytes;
        if (target.kind === 'record') live.delete(target.id);
        outcomes.push(
          newEvent(
            'ItemDeleted',
            { policy: name, target, reason, records: result.records, files: result.files, bytesFreed: result.bytes, recovered },
            runId,
          ),
        );
        return;
      case 'gone':
        tally.alreadyGone += 1;
        if (target.kind === 'record') live.delete(target.id);
        outcomes.push(newEvent('ItemAlreadyGone', { policy: name, target, reason, recovered }, runId));
        return;
      case 'failed':
        tally.failed += 1;
        noteError(tally, { code: result.code, message: result.message });
        if (target.kind === 'file') handledFiles.add(target.path);
        else if (target.file !== undefined) handledFiles.add(target.file);
        outcomes.push(
          newEvent(
            'DeletionFailed',
            { policy: name, target, code: result.code, message: result.message, path: result.path ?? null },
            runId,
          ),
        );
        return;
    }
  };

  const carryOut = async (decision: Extract<Decision, { kind: 'delete' }>): Promise<void> => {
    let result: RemovalResult;
    try {
      result = await ctx.store.remove(decision.target);
    } catch (error) {
      const described = describeError(error);
      result = { status: 'failed', code: described.code, message: described.message };
    }
    settle(decision, result);
  };
  const isCancelled = request.cancelled ?? (() => false);
  const queue = new WorkQueue(carryOut, args.slots, ctx.config.batchSize * 4, {
    cancelled: isCancelled,
    skip: (decision) => {
      tally.skipped += 1;
      status = 'cancelled';
      outcomes.push(newEvent('DeletionSkipped', { policy: name, target: decision.target, reason: 'cancelled', detail: null }, runId));
    },
  });

  /**
   * Back-pressure for the scan: batches of decisions waiting to be journaled (each awaits its
   * journal write) and deletions waiting to run both hold the scan back, so memory stays bounded
   * however many files the folder holds and however slow the journal or the disk is.
   */
  const planned = new PlanBacklog(() => queue.pace(), 4);

  /** Journals one batch: non-deletions as they are, deletions as intents (and, dry, as skips). */
  const journalBatch = async (batch: readonly Decision[]): Promise<void> => {
    const events: NewEvent[] = [];
    const deletes: Extract<Decision, { kind: 'delete' }>[] = [];
    for (const decision of batch) {
      switch (decision.kind) {
        case 'suspend':
          status = 'suspended';
          events.push(newEvent('PolicySuspended', { policy: name, reason: decision.reason }, runId));
          break;
        case 'pressure':
          pressure = { usedBytes: decision.usedBytes, targetBytes: decision.targetBytes };
          events.push(
            newEvent(
              'EmergencyTriggered',
              { policy: name, usedBytes: decision.usedBytes, targetBytes: decision.targetBytes, reason: decision.reason },
              runId,
            ),
          );
          break;
        case 'skip':
          tally.skipped += 1;
          events.push(
            newEvent('DeletionSkipped', { policy: name, target: decision.target, reason: decision.reason, detail: decision.detail ?? null }, runId),
          );
          break;
        case 'delete': {
          tally.planned += 1;
          events.push(
            newEvent('DeletionPlanned', { policy: name, target: decision.target, reason: decision.reason, bytes: decision.bytes }, runId),
          );
          if (dryRun) {
            const would = expectedYield(decision.target, decision.bytes);
            tally.records += would.records;
            tally.files += would.files;
            tally.bytesFreed += would.bytes;
            bytes += would.bytes;
            const { target } = decision;
            if (target.kind === 'record') {
              live.delete(target.id);
              if (target.file !== undefined) handledFiles.add(target.file);
            } else {
              handledFiles.add(target.path);
            }
            events.push(newEvent('DeletionSkipped', { policy: name, target, reason: 'dry-run', detail: null }, runId));
          } else {
            deletes.push(decision);
          }
          break;
        }
      }
    }
    // Intents are written before anything is deleted, so a crash leaves an audit trail to finish.
    for (const event of events) outcomes.push(event);
    await outcomes.flush();
    for (const decision of deletes) queue.push(decision);
  };

  try {
    await lastValueFrom(
      decisions$.pipe(
        bufferCount(ctx.config.batchSize),
        tap(() => planned.enter()),
        concatMap((batch) => from(journalBatch(batch).finally(() => planned.leave()))),
        // A cancelled run stops planning here: the scan is unsubscribed at the next batch.
        takeWhile(() => {
          if (!isCancelled()) return true;
          status = 'cancelled';
          return false;
        }),
        defaultIfEmpty(undefined),
      ),
    );
  } catch (error) {
    const failed = async (): Promise<StageResult> => {
      await queue.drained().catch(() => undefined);
      await outcomes.flush();
      await policyFailed(error);
      return { status, bytes, pressure };
    };
    return { settled: failed() };
  }
  const drain = async (): Promise<StageResult> => {
    await queue.drained();
    await outcomes.flush();
    return { status, bytes, pressure };
  };
  return { settled: drain() };
}

/**
 * Counts batches of decisions between planning and their journal write, and holds a producer
 * (`pace`) while more than `limit` wait, then while `next` (the deletion queue) holds it.
 */
class PlanBacklog {
  readonly #next: () => Promise<void>;
  readonly #limit: number;
  #waiting = 0;
  #wakers: (() => void)[] = [];

  constructor(next: () => Promise<void>, limit: number) {
    this.#next = next;
    this.#limit = limit;
  }

  enter(): void {
    this.#waiting += 1;
  }

  leave(): void {
    this.#waiting -= 1;
    if (this.#waiting <= this.#limit && this.#wakers.length > 0) {
      const wakers = this.#wakers;
      this.#wakers = [];
      for (const wake of wakers) wake();
    }
  }

  async pace(): Promise<void> {
    while (this.#waiting > this.#limit) await new Promise<void>((resolve) => this.#wakers.push(resolve));
    await this.#next();
  }
}

/** Makes a run id that sorts by time and is unique enough across processes. */
export function newRunId(nowMs: number): string {
  const uuid = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto?.randomUUID?.();
  const suffix = uuid === undefined ? Math.random().toString(36).slice(2, 10) : uuid.slice(0, 8);
  return `run-${nowMs.toString(36)}-${suffix}`;
}

/** The key used to pair an intent with its outcome. */
export function intentKey(runId: string | undefined, target: Target): string {
  return `${runId ?? ''}\u0000${targetKey(target)}`;
}
