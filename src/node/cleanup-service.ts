import type { Observable, SchedulerLike } from 'rxjs';
import type { DependencyContainer } from 'tsyringe';
import {
  createKernel,
  toServerMetrics,
  type Clock,
  type DomainEvent,
  type Journal,
  type Kernel,
  type PolicyRegistration,
  type ReplayReport,
  type RunResult,
  type RunTrigger,
  type ServerMetrics,
  type Store,
} from '../kernel/index.js';
import { emergencyPolicy, expiryPolicy, orphanPolicy, serverEmergencyOptions } from '../policies/index.js';
import { resolveServiceOptions, type CleanupServiceOptions, type ResolvedServiceOptions } from './options.js';

/** The result of one server cleanup, in the documented shape plus the run's summary. */
export interface CleanupResult extends Omit<RunResult, 'error'> {
  readonly tokensCleaned: number;
  readonly filesCleaned: number;
  readonly bytesFreed: number;
  /** Bytes under the storage root after the run. */
  readonly storageSize: number | null;
  /** The first error's message, when `success` is false. */
  readonly error?: string;
  readonly errorCode?: string;
}

/** Parts a host may supply instead of the defaults (tests, embedding, custom storage). */
export interface CleanupServiceParts {
  /** The store; defaults to the JSON token file and storage folder of the options. */
  readonly store?: Store;
  /** The journal; defaults to the JSON-lines file of `journalFile`. */
  readonly journal?: Journal;
  /** Extra policies (custom plugins) to run alongside the built-ins. */
  readonly policies?: readonly PolicyRegistration[];
  readonly clock?: Clock;
  readonly scheduler?: SchedulerLike;
  /** A host DI container: policies registered under `POLICY` there join the run. */
  readonly container?: DependencyContainer;
}

/** The server cleanup service (SPEC §5). */
export interface CleanupService {
  readonly options: ResolvedServiceOptions;
  /** Resolves once the journal was replayed and interrupted deletions were finished. */
  readonly ready: Promise<ReplayReport>;
  /** Every domain event, live. */
  readonly events$: Observable<DomainEvent>;
  readonly kernel: Kernel;
  readonly journal: Journal;
  /** Runs a cleanup; a call during a run joins it. */
  runCleanup(options?: { readonly dryRun?: boolean; readonly trigger?: RunTrigger }): Promise<CleanupResult>;
  /** Cumulative metrics, synchronously, rebuilt from the journal at start. */
  getMetrics(): ServerMetrics;
  /** Journaled events from `fromSeq` on (for resuming a stream). */
  readEvents(fromSeq?: number): AsyncIterable<DomainEvent>;
  /** Waits for the current run, flushes the journal, releases the store. */
  close(): Promise<void>;
}

/** Maps a kernel run result to the documented server result. */
export function toCleanupResult(run: RunResult): CleanupResult {
  const { error, ...rest } = run;
  return {
    ...rest,
    tokensCleaned: run.totals.records,
    filesCleaned: run.totals.files,
    bytesFreed: run.totals.bytesFreed,
    storageSize: run.storageSize,
    ...(error === undefined ? {} : { error: error.message, errorCode: error.code }),
  };
}

/** The built-in server policies for resolved options, in SPEC order. */
export function serverPolicies(options: ResolvedServiceOptions): PolicyRegistration[] {
  return [
    { policy: expiryPolicy, options: { retentionHours: options.retentionHours, basis: 'token' } },
    { policy: orphanPolicy, options: { graceMinutes: options.orphanGraceMinutes, exclude: [...options.orphanExclude] } },
    {
      policy: emergencyPolicy,
      options: serverEmergencyOptions(options.maxStorageMB, {
        minAgeMinutes: options.emergencyMinAgeMinutes,
        lowWaterPercent: options.lowWaterPercent,
      }),
    },
  ];
}

/** Builds the service from resolved options and concrete parts. */
export function assembleCleanupService(
  options: ResolvedServiceOptions,
  parts: Required<Pick<CleanupServiceParts, 'store' | 'journal'>> & CleanupServiceParts,
): CleanupService {
  const kernel = createKernel({
    store: parts.store,
    journal: parts.journal,
    policies: [...serverPolicies(options), ...(parts.policies ?? [])],
    ...(parts.clock === undefined ? {} : { clock: parts.clock }),
    ...(parts.scheduler === undefined ? {} : { scheduler: parts.scheduler }),
    ...(parts.container === undefined ? {} : { container: parts.container }),
    config: {
      concurrency: options.concurrency,
      retentionHours: options.retentionHours,
      compactAfterEvents: options.compactAfterEvents,
    },
  });
  const limitBytes = options.maxStorageMB * 1_048_576;
  return {
    options,
    ready: kernel.ready,
    events$: kernel.events$,
    kernel,
    journal: parts.journal,
    async runCleanup(run = {}) {
      return toCleanupResult(await kernel.run({ dryRun: run.dryRun ?? false, trigger: run.trigger ?? 'manual' }));
    },
    getMetrics() {
      const metrics = toServerMetrics(kernel.getMetrics());
      return {
        ...metrics,
        storageLimit: metrics.storageLimit ?? limitBytes,
        retentionHours: metrics.retentionHours ?? options.retentionHours,
      };
    },
    async *readEvents(fromSeq = 1) {
      for await (const entry of parts.journal.read(fromSeq)) if (entry.kind === 'event') yield entry.event;
    },
    close: () => kernel.close(),
  };
}

/** Validates options; exported for the CLI and HTTP layers that want the same errors early. */
export { resolveServiceOptions, type CleanupServiceOptions };
