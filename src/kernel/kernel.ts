import { BehaviorSubject, from, Observable, Subject, type SchedulerLike } from 'rxjs';
import { inject, injectable, injectAll } from 'tsyringe';
import type { Clock } from './clock.js';
import { describeError, ReclaimError } from './errors.js';
import { newEvent, type DomainEvent, type DomainEventPayloads, type NewEvent, type RunTrigger } from './events.js';
import type { Journal } from './journal.js';
import type { KernelConfig } from './kernel-config.js';
import { BUILTIN_ORDER, DEFAULT_CUSTOM_ORDER, type Decision, type Policy, type PolicyRegistration } from './policy.js';
import { metricsProjection, type MetricsState } from './projections/metrics.js';
import { evolveAll } from './projections/projection.js';
import { runHistoryProjection, type RunHistoryState } from './projections/run-history.js';
import { usageHistoryProjection, type UsageHistoryState } from './projections/usage-history.js';
import { executeRun, intentKey, newRunId, type ResolvedPolicy, type RunResult } from './run-pipeline.js';
import { createSchedule, type Schedule, type ScheduleOptions } from './scheduler.js';
import type { StorageEvent } from './storage.js';
import type { Store } from './store.js';
import { CLOCK, JOURNAL, KERNEL_CONFIG, POLICY, RX_SCHEDULER, STORE } from './tokens.js';
import { validateConfig } from './validation.js';

/** Options of one run. */
export interface RunOptions {
  /** Plan and report, delete nothing. */
  readonly dryRun?: boolean;
  /** Recorded in the run's events; defaults to `manual`. */
  readonly trigger?: RunTrigger;
}

/** The projections' state together. */
export interface KernelState {
  readonly metrics: MetricsState;
  readonly runHistory: RunHistoryState;
  readonly usageHistory: UsageHistoryState;
}

/** What the replay of the journal at start found. */
export interface ReplayReport {
  /** Valid events folded into the projections. */
  readonly replayed: number;
  /** Lines that were corrupt or foreign: reported, never trusted. */
  readonly invalid: readonly { readonly position: number; readonly reason: string }[];
  /** Deletions planned by a run that died, finished by a recovery run at start. */
  readonly recovered: number;
  /** The recovery run, when there was one. */
  readonly recoveryRun: RunResult | null;
}

type OpenIntent = DomainEventPayloads['DeletionPlanned'] & { readonly runId: string };

/**
 * Publishes to a subject only while it has subscribers: with none (as in `reclaim run`), a
 * Subject's `next` still costs a closure and a call per value, and a run publishes one storage
 * observation per record and per file.
 */
function publishWhenObserved<T>(subject: Subject<T>): (value: T) => void {
  return (value) => {
    if (subject.observed) subject.next(value);
  };
}

function foldAll(state: KernelState, events: readonly DomainEvent[]): KernelState {
  return {
    metrics: evolveAll(metricsProjection, state.metrics, events),
    runHistory: evolveAll(runHistoryProjection, state.runHistory, events),
    usageHistory: evolveAll(usageHistoryProjection, state.usageHistory, events),
  };
}

/** The projections' initial state. */
export function initialKernelState(): KernelState {
  return {
    metrics: metricsProjection.initialState(),
    runHistory: runHistoryProjection.initialState(),
    usageHistory: usageHistoryProjection.initialState(),
  };
}

/** Folds a sequence of events into the kernel's projections: replay equals the live fold. */
export function replayState(events: Iterable<DomainEvent>, from: KernelState = initialKernelState()): KernelState {
  let state = from;
  let chunk: DomainEvent[] = [];
  for (const event of events) {
    chunk.push(event);
    if (chunk.length === 1024) {
      state = foldAll(state, chunk);
      chunk = [];
    }
  }
  return chunk.length === 0 ? state : foldAll(state, chunk);
}

/**
 * The reclaim kernel: runs policies over a store, journals every decision and outcome, keeps
 * projections, and publishes the event stream. Build one with `createKernel`; it resolves in
 * its own child container so several kernels never share state.
 */
@injectable()
export class Kernel {
  readonly #store: Store;
  readonly #journal: Journal;
  readonly #clock: Clock;
  readonly #scheduler: SchedulerLike;
  readonly #config: KernelConfig;
  readonly #policies: { reg: ResolvedPolicy; index: number }[] = [];
  readonly #events$ = new Subject<DomainEvent>();
  readonly #storage$ = new Subject<StorageEvent>();
  readonly #state$: BehaviorSubject<KernelState>;
  readonly #schedules = new Set<Schedule>();
  #appendQueue: Promise<unknown> = Promise.resolve();
  #current: { dryRun: boolean; promise: Promise<RunResult> } | null = null;
  readonly #queued = new Map<boolean, Promise<RunResult>>();
  #sinceCompaction = 0;
  #closed = false;
  /** Bumped by `cancel()`: a run asked for before the bump is cancelled. */
  #cancelEpoch = 0;
  #registrations = 0;

  /** Resolves once the journal was replayed (and any interrupted deletions finished). */
  readonly ready: Promise<ReplayReport>;

  /** Every domain event, live, after it was journaled. Hot: subscribe before you run. */
  readonly events$: Observable<DomainEvent>;
  /** Every storage observation (records, rejected entries, scanned files), live; not journaled. */
  readonly storage$: Observable<StorageEvent>;
  /** The projections' state, replayed at start and updated with every event. */
  readonly state$: Observable<KernelState>;

  constructor(
    @inject(STORE) store: Store,
    @inject(JOURNAL) journal: Journal,
    @injectAll(POLICY, { isOptional: true }) registrations: PolicyRegistration[] | undefined,
    @inject(CLOCK) clock: Clock,
    @inject(RX_SCHEDULER) scheduler: SchedulerLike,
    @inject(KERNEL_CONFIG) config: KernelConfig,
  ) {
    this.#store = store;
    this.#journal = journal;
    this.#clock = clock;
    this.#scheduler = scheduler;
    this.#config = config;
    this.#state$ = new BehaviorSubject(initialKernelState());
    this.events$ = this.#events$.asObservable();
    this.storage$ = this.#storage$.asObservable();
    this.state$ = this.#state$.asObservable();
    for (const registration of registrations ?? []) this.use(registration.policy, registration.options, { order: registration.order });
    this.ready = this.#replay();
    // Callers who never await `ready` must not see an unhandled rejection; they see it on run().
    this.ready.catch(() => undefined);
  }

  /** The current projections' state. */
  get state(): KernelState {
    return this.#state$.getValue();
  }

  /** The current metrics projection, synchronously. */
  getMetrics(): MetricsState {
    return this.state.metrics;
  }

  /** True while a run is in progress. */
  get running(): boolean {
    return this.#current !== null;
  }

  /** Resolves when no run is in progress (at once when idle); never rejects. */
  async whenIdle(): Promise<void> {
    while (this.#current !== null || this.#queued.size > 0) {
      await Promise.all([this.#current?.promise, ...this.#queued.values()].map((p) => p?.catch(() => undefined)));
    }
  }

  /** The policy names, in the order they run. */
  policyNames(): readonly string[] {
    return this.#ordered().map((p) => p.policy.name);
  }

  /**
   * Registers a policy. Its options are validated against its schema now (defaults applied,
   * one error naming every bad field). Lower `order` runs earlier; see `BUILTIN_ORDER`.
   */
  use<O>(policy: Policy<O>, options?: unknown, placement: { order?: number } = {}): this {
    this.#assertOpen();
    if (policy === null || typeof policy !== 'object' || typeof policy.name !== 'string' || policy.name.trim() === '') {
      throw new ReclaimError('RECLAIM_INVALID_POLICY', 'A policy needs a non-empty string `name`; give your policy object one.');
    }
    if (typeof policy.plan !== 'function') {
      throw new ReclaimError(
        'RECLAIM_INVALID_POLICY',
        `Policy "${policy.name}" has no plan() function; give it plan(input) returning an Observable of decisions.`,
      );
    }
    if (this.#policies.some((p) => p.reg.policy.name === policy.name)) {
      throw new ReclaimError(
        'RECLAIM_DUPLICATE_POLICY',
        `A policy named "${policy.name}" is already registered; give each policy a unique name.`,
      );
    }
    const validated =
      policy.optionsSchema === undefined
        ? Object.freeze({ ...(options as object | undefined) })
        : validateConfig(policy.optionsSchema, options ?? {}, {
            subject: `Invalid options for policy "${policy.name}"`,
            root: policy.name,
            code: 'RECLAIM_INVALID_POLICY_OPTIONS',
          });
    const order =
      placement.order ??
      (BUILTIN_ORDER as Record<string, number | undefined>)[policy.name] ??
      DEFAULT_CUSTOM_ORDER;
    if (!Number.isFinite(order)) {
      throw new ReclaimError('RECLAIM_INVALID_POLICY', `Policy "${policy.name}" has order ${String(order)}; give a finite number.`);
    }
    this.#policies.push({ reg: { policy: policy as Policy<unknown>, options: validated, order }, index: this.#registrations++ });
    return this;
  }

  /**
   * Runs a cleanup. A trigger while a run of the same kind (real or dry) is in progress joins
   * that run and gets its result; one of the other kind runs right after it.
   */
  run(options: RunOptions = {}): Promise<RunResult> {
    return this.#run(options, this.#cancelEpoch);
  }

  /**
   * Cancels the run in progress, and runs waiting for it, at the next safe point: no new
   * deletion starts, deletions in flight finish and are journaled, the rest are journaled as
   * skipped (`cancelled`), the store commits, and the run ends `partial` with
   * `RECLAIM_RUN_CANCELLED`. Runs asked for afterwards are not affected. Use it for a graceful
   * shutdown, then `whenIdle()`.
   */
  cancel(): void {
    this.#cancelEpoch += 1;
  }

  #run(options: RunOptions, epoch: number): Promise<RunResult> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const dryRun = options.dryRun ?? false;
    const current = this.#current;
    if (current !== null) {
      if (current.dryRun === dryRun) return current.promise;
      let queued = this.#queued.get(dryRun);
      if (queued === undefined) {
        queued = current.promise
          .catch(() => undefined)
          .then(() => {
            this.#queued.delete(dryRun);
            return this.#run(options, epoch);
          });
        this.#queued.set(dryRun, queued);
      }
      return queued;
    }
    const cancelled = (): boolean => this.#cancelEpoch !== epoch;
    const promise = this.ready
      .then(() => this.#execute({ dryRun, trigger: options.trigger ?? 'manual', cancelled }))
      .finally(() => {
        if (this.#current?.promise === promise) this.#current = null;
      });
    this.#current = { dryRun, promise };
    return promise;
  }

  /**
   * Schedules runs on a timer (see `createSchedule`): runs never overlap, and a tick during a
   * manual run joins it. The schedule stops when the kernel closes.
   */
  schedule(options: ScheduleOptions): Schedule {
    this.#assertOpen();
    const schedule = createSchedule(() => this.run({ trigger: 'schedule' }), options, {
      clock: this.#clock,
      scheduler: this.#scheduler,
    });
    this.#schedules.add(schedule);
    return schedule;
  }

  /** Stops schedules, waits for the current run, completes the streams, closes journal and store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const schedule of this.#schedules) schedule.stop();
    await this.ready.catch(() => undefined);
    await this.#current?.promise.catch(() => undefined);
    await Promise.all([...this.#queued.values()].map((p) => p.catch(() => undefined)));
    await this.#appendQueue.catch(() => undefined);
    this.#events$.complete();
    this.#storage$.complete();
    this.#state$.complete();
    await this.#journal.close?.();
    await this.#store.close?.();
  }

  #assertOpen(): void {
    if (this.#closed) throw this.#closedError();
  }

  #closedError(): ReclaimError {
    return new ReclaimError('RECLAIM_KERNEL_CLOSED', 'This kernel was closed; create a new one to run again.');
  }

  #ordered(): ResolvedPolicy[] {
    return [...this.#policies].sort((a, b) => a.reg.order - b.reg.order || a.index - b.index).map((p) => p.reg);
  }

  /** Journals events in order, folds them, publishes them. */
  #emit = (events: readonly NewEvent[]): Promise<readonly DomainEvent[]> => {
    const appended = this.#appendQueue.then(() => this.#journal.append(events));
    this.#appendQueue = appended.catch(() => undefined);
    return appended.then((sequenced) => {
      this.#publish(sequenced);
      this.#sinceCompaction += sequenced.length;
      return sequenced;
    });
  };

  /** Publishes one storage observation, when anyone listens: a run makes one per record and file. */
  readonly #observe = publishWhenObserved(this.#storage$);

  #publish(events: readonly DomainEvent[]): void {
    this.#state$.next(foldAll(this.state, events));
    // As publishWhenObserved, checked once per batch.
    const events$ = this.#events$;
    if (events$.observed) for (const event of events) events$.next(event);
  }

  async #execute(
    request: { dryRun: boolean; trigger: RunTrigger; recovered?: boolean; cancelled?: () => boolean },
    policies?: ResolvedPolicy[],
  ): Promise<RunResult> {
    const result = await executeRun(
      {
        store: this.#store,
        clock: this.#clock,
        config: this.#config,
        policies: policies ?? this.#ordered(),
        emit: this.#emit,
        observe: this.#observe,
      },
      { runId: newRunId(this.#clock.now()), ...request },
    );
    await this.#maybeCompact();
    return result;
  }

  /**
   * Compacts the journal once enough events were appended. The snapshot is taken in the append
   * queue, after every earlier append, so it covers exactly the events up to `throughSeq`. A
   * failed compaction does not fail the run that finished: it is reported as `StoreFailed` and
   * tried again after the next run.
   */
  async #maybeCompact(): Promise<void> {
    const journal = this.#journal;
    if (journal.compact === undefined || this.#sinceCompaction < this.#config.compactAfterEvents) return;
    const compact = journal.compact.bind(journal);
    const done = this.#appendQueue.then(() => {
      const { metrics, runHistory, usageHistory } = this.state;
      return compact(
        newEvent('JournalCompacted', {
          snapshot: { [metricsProjection.name]: metrics, [runHistoryProjection.name]: runHistory, [usageHistoryProjection.name]: usageHistory },
          throughSeq: journal.lastSeq,
        }),
      );
    });
    this.#appendQueue = done.catch(() => undefined);
    let event: DomainEvent;
    try {
      event = await done;
    } catch (error) {
      await this.#emit([newEvent('StoreFailed', { operation: 'compact', ...describeError(error) })]).catch(() => undefined);
      return;
    }
    this.#sinceCompaction = 0;
    this.#publish([event]);
  }

  /** Rebuilds the projections from the journal, then finishes deletions a dead run left open. */
  async #replay(): Promise<ReplayReport> {
    let state = initialKernelState();
    let chunk: DomainEvent[] = [];
    let replayed = 0;
    const invalid: { position: number; reason: string }[] = [];
    const open = new Map<string, OpenIntent>();
    const dryRuns = new Set<string>();
    for await (const entry of this.#journal.read(1)) {
      if (entry.kind === 'invalid') {
        invalid.push({ position: entry.position, reason: entry.reason });
        continue;
      }
      const event = entry.event;
      chunk.push(event);
      if (chunk.length === 1024) {
        state = foldAll(state, chunk);
        chunk = [];
      }
      replayed += 1;
      trackIntents(event, open, dryRuns);
    }
    state = foldAll(state, chunk);
    this.#sinceCompaction = replayed;
    this.#state$.next(state);

    if (open.size === 0) return { replayed, invalid, recovered: 0, recoveryRun: null };
    const recoveryRun = await this.#recover([...open.values()]);
    return { replayed, invalid, recovered: open.size, recoveryRun };
  }

  /** Carries out intents of runs that died, one pseudo-policy per original policy. */
  #recover(intents: readonly OpenIntent[]): Promise<RunResult> {
    const byPolicy = new Map<string, Decision[]>();
    for (const intent of intents) {
      const list = byPolicy.get(intent.policy) ?? [];
      list.push({ kind: 'delete', target: intent.target, reason: intent.reason, bytes: intent.bytes });
      byPolicy.set(intent.policy, list);
    }
    const policies: ResolvedPolicy[] = [...byPolicy].map(([name, decisions], order) => ({
      policy: { name, plan: () => from(decisions) },
      options: {},
      order,
    }));
    const promise = this.#execute({ dryRun: false, trigger: 'recovery', recovered: true }, policies).finally(() => {
      if (this.#current?.promise === promise) this.#current = null;
    });
    this.#current = { dryRun: false, promise };
    return promise;
  }
}

/** Pairs intents with outcomes while replaying; what stays open belongs to a run that died. */
function trackIntents(event: DomainEvent, open: Map<string, OpenIntent>, dryRuns: Set<string>): void {
  switch (event.type) {
    case 'RunStarted':
      if (event.data.dryRun && event.runId !== undefined) dryRuns.add(event.runId);
      // A recovery run re-plans every intent still open under its own id, so those are its now.
      if (event.data.trigger === 'recovery') open.clear();
      return;
    case 'DeletionPlanned':
      if (event.runId !== undefined && !dryRuns.has(event.runId)) {
        open.set(intentKey(event.runId, event.data.target), { ...event.data, runId: event.runId });
      }
      return;
    case 'ItemDeleted':
    case 'ItemAlreadyGone':
    case 'DeletionFailed':
    case 'DeletionSkipped':
      open.delete(intentKey(event.runId, event.data.target));
      return;
    case 'RunCompleted':
      if (event.runId !== undefined) {
        dryRuns.delete(event.runId);
        for (const [key, intent] of open) if (intent.runId === event.runId) open.delete(key);
      }
      return;
    case 'JournalCompacted':
      open.clear();
      return;
    default:
      return;
  }
}
