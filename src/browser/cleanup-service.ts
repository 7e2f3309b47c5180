import { asyncScheduler, map, Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { DependencyContainer } from 'tsyringe';
import {
  createKernel,
  createSchedule,
  MemoryJournal,
  ReclaimError,
  systemClock,
  toBrowserMetrics,
  type BrowserMetrics,
  type Clock,
  type DomainEvent,
  type Journal,
  type Kernel,
  type PolicyRegistration,
  type ReplayReport,
  type RunResult,
  type RunTrigger,
  type Schedule,
  type ScheduleOptions,
  type SourceStatus,
} from '../kernel/index.js';
import { assessPressure, browserEmergencyOptions, emergencyPolicy, expiryPolicy, type EmergencyOptions } from '../policies/index.js';
import { IndexedDbJournal, IndexedDbSessionStore, type StorageEstimator } from '../stores/indexeddb/index.js';
import { createBroadcastTransport, type BroadcastTransport } from '../transports/broadcast/index.js';
import { resolveBrowserOptions, type BrowserCleanupOptions, type ResolvedBrowserOptions } from './options.js';
import { SharedMetrics } from './shared-metrics.js';
import { createTabLock, type TabLock } from './tab-lock.js';

/** The result of one browser cleanup: the documented fields plus the run's summary. */
export interface BrowserCleanupResult extends Omit<RunResult, 'error'> {
  /** Sessions deleted (in a dry run: that would be deleted). */
  readonly sessionsCleared: number;
  readonly bytesFreed: number;
  /** True when the emergency policy found storage under pressure and evicted (or tried to). */
  readonly emergencyRun: boolean;
  /** The first error's message, when `success` is false. */
  readonly error?: string;
  readonly errorCode?: string;
}

/** Storage as `getStorageStatus()` reports it. */
export interface BrowserStorageStatus {
  /**
   * The documented shape: the origin's usage and quota from `navigator.storage.estimate()`
   * when the browser has it, else the sessions' bytes against `maxStorageMB`.
   */
  readonly storageInfo: { readonly usage: number; readonly quota: number; readonly percent: number };
  /** Whether `storageInfo` came from `navigator.storage.estimate()`. */
  readonly estimateAvailable: boolean;
  /** Sessions found (rejected entries not included). */
  readonly sessions: number;
  /** Real bytes of every session record. */
  readonly sessionBytes: number;
  /** `maxStorageMB` in bytes. */
  readonly limitBytes: number;
  /** `sessionBytes` as a percent of `limitBytes`. */
  readonly sessionPercent: number;
  /** Sessions that are never evicted (active, pinned). */
  readonly protectedSessions: number;
  /** Session records without a usable time: reported and kept. */
  readonly rejectedEntries: number;
  /** Whether the next run's emergency policy would evict. */
  readonly emergencyNeeded: boolean;
  /** Whether the session database could be read. */
  readonly source: SourceStatus;
}

/** Parts a host may supply instead of the defaults (tests, embedding, custom rules). */
export interface BrowserCleanupParts {
  readonly clock?: Clock;
  readonly scheduler?: SchedulerLike;
  /** The origin estimate; default `navigator.storage.estimate` where present; null for none. */
  readonly estimate?: StorageEstimator;
  /** Extra key filter on top of the layout's prefix. */
  readonly keyFilter?: (key: IDBValidKey) => boolean;
  /** The host's active session id (protected in addition to the one the store names). */
  readonly activeSessionId?: () => string | null | undefined;
  /** Custom policies to run after the built-ins. */
  readonly policies?: readonly PolicyRegistration[];
  readonly container?: DependencyContainer;
}

/** The browser cleanup service (SPEC §5). */
export interface BrowserCleanupService {
  readonly options: ResolvedBrowserOptions;
  /**
   * Resolves once the journal was replayed (and deletions an interrupted run left were
   * finished), under the cross-tab lock. Rejects when that failed; runs then fail too.
   */
  readonly ready: Promise<ReplayReport>;
  /** Domain events of this tab's runs and, over BroadcastChannel, of other tabs' runs. */
  readonly events$: Observable<DomainEvent>;
  /** The metrics, live, across every tab that shares the journal. */
  readonly metrics$: Observable<BrowserMetrics>;
  /** The cross-tab exclusion in use. */
  readonly lockKind: TabLock['kind'];
  /**
   * Runs a cleanup (expiry, then emergency) once no other tab is cleaning. A call while one of
   * the same kind is pending joins it.
   */
  runCleanup(options?: { readonly dryRun?: boolean; readonly trigger?: RunTrigger }): Promise<BrowserCleanupResult>;
  /**
   * Runs a cleanup as if the origin were at its quota (a write just failed with
   * `QuotaExceededError`): expiry, then emergency eviction of the oldest sessions until 20% of
   * the sessions' bytes are freed. Protected sessions stay.
   */
  freeSpace(): Promise<BrowserCleanupResult>;
  /** Reads the storage estimate and the sessions now. Works before `ready`. */
  getStorageStatus(): Promise<BrowserStorageStatus>;
  /** Cumulative metrics, synchronously (zeros until `ready`). */
  getMetrics(): BrowserMetrics;
  /** A schedule of `runCleanup` (see `createScheduledCleanup`); stopped when the service closes. */
  schedule(options: ScheduleOptions): Schedule;
  /** Stops schedules, waits for pending runs, closes the journal, store and channel. Idempotent. */
  close(): Promise<void>;
}

/** Maps a kernel run result to the documented browser result. */
export function toBrowserResult(run: RunResult): BrowserCleanupResult {
  const { error, ...rest } = run;
  return {
    ...rest,
    sessionsCleared: run.totals.records,
    bytesFreed: run.totals.bytesFreed,
    emergencyRun: run.emergency !== null,
    ...(error === undefined ? {} : { error: error.message, errorCode: error.code }),
  };
}

/** The built-in browser policies for resolved options: expiry by last access, then emergency. */
export function browserPolicies(options: ResolvedBrowserOptions): PolicyRegistration[] {
  return [
    { policy: expiryPolicy, options: { retentionHours: options.retentionHours, basis: 'last-access' } },
    { policy: emergencyPolicy, options: browserEmergencyOptions(options.maxStorageMB, options.emergencyThresholdPercent, { minAgeMinutes: options.emergencyMinAgeMinutes }) },
  ];
}

class CleanupServiceImpl implements BrowserCleanupService {
  readonly options: ResolvedBrowserOptions;
  readonly ready: Promise<ReplayReport>;
  readonly events$: Observable<DomainEvent>;
  readonly metrics$: Observable<BrowserMetrics>;
  readonly lockKind: TabLock['kind'];
  readonly #store: IndexedDbSessionStore;
  readonly #journal: Journal;
  readonly #lock: TabLock;
  readonly #transport: BroadcastTransport | null;
  readonly #shared: SharedMetrics;
  readonly #events = new Subject<DomainEvent>();
  readonly #clock: Clock;
  readonly #scheduler: SchedulerLike;
  readonly #emergency: EmergencyOptions;
  readonly #schedules = new Set<Schedule>();
  readonly #pending = new Map<string, Promise<BrowserCleanupResult>>();
  #kernel: Kernel | null = null;
  #closed = false;

  constructor(options: ResolvedBrowserOptions, parts: BrowserCleanupParts) {
    this.options = options;
    this.#clock = parts.clock ?? systemClock;
    this.#scheduler = parts.scheduler ?? asyncScheduler;
    this.#emergency = browserEmergencyOptions(options.maxStorageMB, options.emergencyThresholdPercent, { minAgeMinutes: options.emergencyMinAgeMinutes });
    this.#store = new IndexedDbSessionStore({
      layout: options.layout,
      limitBytes: options.limitBytes,
      ...(parts.estimate === undefined ? {} : { estimate: parts.estimate }),
      ...(parts.keyFilter === undefined ? {} : { keyFilter: parts.keyFilter }),
      ...(parts.activeSessionId === undefined ? {} : { activeSessionId: parts.activeSessionId }),
    });
    const sharedJournal = options.journalDatabase !== null;
    this.#journal = sharedJournal ? new IndexedDbJournal({ databaseName: options.journalDatabase as string, clock: this.#clock }) : new MemoryJournal(this.#clock);
    this.#lock = createTabLock({ name: options.lockName, kind: options.crossTabLock, timeoutMs: options.lockTimeoutMs });
    this.lockKind = this.#lock.kind;
    this.#shared = new SharedMetrics(this.#journal);
    this.events$ = this.#events.asObservable();
    this.metrics$ = this.#shared.state$.pipe(map(toBrowserMetrics));
    this.#transport =
      options.channelName !== null && typeof BroadcastChannel !== 'undefined' ? createBroadcastTransport({ channelName: options.channelName }) : null;
    this.#transport?.events$.subscribe((event) => {
      this.#events.next(event);
      // Sequence numbers only line up when the tabs share one journal.
      if (sharedJournal) this.#shared.accept(event);
    });
    // Replay and the finishing of interrupted deletions are a cleanup too: one tab at a time.
    this.ready = this.#lock.run(async () => {
      const kernel = createKernel({
        store: this.#store,
        journal: this.#journal,
        policies: [...browserPolicies(options), ...(parts.policies ?? [])],
        clock: this.#clock,
        scheduler: this.#scheduler,
        config: { retentionHours: options.retentionHours, compactAfterEvents: options.compactAfterEvents },
        ...(parts.container === undefined ? {} : { container: parts.container }),
      });
      this.#kernel = kernel;
      kernel.events$.subscribe((event) => {
        this.#events.next(event);
        this.#shared.accept(event);
        this.#transport?.publish(event);
      });
      const report = await kernel.ready;
      this.#shared.start(kernel.state.metrics, this.#journal.lastSeq);
      return report;
    });
    // Callers who never await `ready` must not see an unhandled rejection; they see it on run.
    this.ready.catch(() => undefined);
  }

  runCleanup(options: { readonly dryRun?: boolean; readonly trigger?: RunTrigger } = {}): Promise<BrowserCleanupResult> {
    const dryRun = options.dryRun ?? false;
    return this.#once(dryRun ? 'dry' : 'real', (kernel) => kernel.run({ dryRun, trigger: options.trigger ?? 'manual' }));
  }

  freeSpace(): Promise<BrowserCleanupResult> {
    return this.#once('quota', async (kernel) => {
      this.#store.assumeOriginFull(true);
      try {
        return await kernel.run({ trigger: 'quota' });
      } finally {
        this.#store.assumeOriginFull(false);
      }
    });
  }

  async getStorageStatus(): Promise<BrowserStorageStatus> {
    const { usage, snapshot, estimate } = await this.#store.inspect();
    const limitBytes = this.options.limitBytes;
    const usageBytes = estimate?.usage ?? usage.usedBytes;
    const quota = estimate?.quota ?? limitBytes;
    return {
      storageInfo: { usage: usageBytes, quota, percent: quota > 0 ? (usageBytes / quota) * 100 : 0 },
      estimateAvailable: estimate !== null,
      sessions: snapshot.records.length,
      sessionBytes: usage.usedBytes,
      limitBytes,
      sessionPercent: limitBytes > 0 ? (usage.usedBytes / limitBytes) * 100 : 0,
      protectedSessions: snapshot.records.filter((r) => r.protectedBy !== undefined).length,
      rejectedEntries: snapshot.rejected.length,
      emergencyNeeded: snapshot.source.status === 'ok' && assessPressure(usage, this.#emergency).triggered,
      source: snapshot.source,
    };
  }

  getMetrics(): BrowserMetrics {
    return toBrowserMetrics(this.#shared.state);
  }

  schedule(options: ScheduleOptions): Schedule {
    if (this.#closed) throw this.#closedError();
    const schedule = createSchedule(() => this.runCleanup({ trigger: 'schedule' }), options, { clock: this.#clock, scheduler: this.#scheduler });
    this.#schedules.add(schedule);
    return schedule;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const schedule of this.#schedules) schedule.stop();
    await Promise.all([...this.#pending.values()].map((p) => p.catch(() => undefined)));
    await this.ready.catch(() => undefined);
    // A kernel closes its journal and store; without one (ready failed) they are closed here.
    if (this.#kernel !== null) await this.#kernel.close();
    else await Promise.all([this.#journal.close?.(), this.#store.close()]);
    this.#transport?.close();
    this.#shared.close();
    this.#events.complete();
  }

  /** Joins a pending run of the same kind, or starts one under the cross-tab lock. */
  #once(kind: string, run: (kernel: Kernel) => Promise<RunResult>): Promise<BrowserCleanupResult> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const pending = this.#pending.get(kind);
    if (pending !== undefined) return pending;
    const promise = (async () => {
      await this.ready;
      return toBrowserResult(await this.#lock.run(() => run(this.#kernel as Kernel)));
    })().finally(() => this.#pending.delete(kind));
    this.#pending.set(kind, promise);
    return promise;
  }

  #closedError(): ReclaimError {
    return new ReclaimError('RECLAIM_KERNEL_CLOSED', 'This cleanup service was closed; create a new one to run again.');
  }
}

/**
 * Creates the browser cleanup service: the IndexedDB session store (default layout: what the
 * app writes, `ChatterboxStorage`), expiry by last access and emergency eviction, a journal in
 * IndexedDB so metrics survive reloads, one cleanup at a time across tabs (Web Locks, else an
 * IndexedDB lease), and events shared with other tabs over BroadcastChannel.
 *
 * Options are validated at once: a zero, negative or NaN number is a `RECLAIM_INVALID_CONFIG`
 * error naming the field.
 *
 * @example
 * const client = createCleanupService({ retentionHours: 24, maxStorageMB: 100, emergencyThresholdPercent: 90 });
 * const result = await client.runCleanup();
 * console.log(`Cleaned ${result.sessionsCleared} sessions, freed ${result.bytesFreed} bytes`);
 * const status = await client.getStorageStatus();
 * console.log(`Storage: ${status.storageInfo.percent.toFixed(1)}% used`);
 */
export function createCleanupService(options: BrowserCleanupOptions = {}, parts: BrowserCleanupParts = {}): BrowserCleanupService {
  return new CleanupServiceImpl(resolveBrowserOptions(options), parts);
}
