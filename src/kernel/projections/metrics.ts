import { assertNever, type DomainEvent, type RunOutcome } from '../events.js';
import { fromSnapshot, type Projection } from './projection.js';

/** Counters for one policy, for dashboards and Prometheus. */
export interface PolicyCounters {
  readonly deleted: number;
  readonly bytesFreed: number;
  readonly failed: number;
  /** Deletions by the policy's reason (`expired`, `orphan`, `emergency`, …). */
  readonly deletedByReason: Readonly<Record<string, number>>;
  /** Failed deletions by error code (`EACCES`, `EBUSY`, …). */
  readonly failedByCode: Readonly<Record<string, number>>;
  /** Skips by reason (`protected`, `grace`, `outside-root`, `dry-run`, …). */
  readonly skipped: Readonly<Record<string, number>>;
}

/**
 * Cumulative metrics folded from the journal. Dry runs change none of the counters: they
 * delete nothing. The server and browser presets rename these fields (see `toServerMetrics`).
 */
export interface MetricsState {
  /** Records (tokens, sessions) removed. */
  readonly recordsRemoved: number;
  /** Files removed, with or without a record. */
  readonly filesRemoved: number;
  readonly bytesFreed: number;
  /** Error events: failed deletions, failed policies, store failures. */
  readonly errors: number;
  /** When the last real (not dry) run ended, ISO UTC. */
  readonly lastCleanup: string | null;
  readonly lastError: string | null;
  /** Last measured usage and limit in bytes. */
  readonly storageSize: number | null;
  readonly storageLimit: number | null;
  readonly retentionHours: number | null;
  readonly runs: number;
  readonly lastOutcome: RunOutcome | null;
  readonly lastRunDurationMs: number | null;
  readonly emergencyRuns: number;
  readonly byPolicy: Readonly<Record<string, PolicyCounters>>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type CountersDraft = Mutable<Omit<PolicyCounters, 'skipped' | 'deletedByReason' | 'failedByCode'>> & {
  skipped: Record<string, number>;
  deletedByReason: Record<string, number>;
  failedByCode: Record<string, number>;
};
type MetricsDraft = Mutable<Omit<MetricsState, 'byPolicy'>> & { byPolicy: Record<string, CountersDraft> };

/** A private, mutable copy of the state: folding a batch copies once, not once per event. */
function draftOf(state: MetricsState): MetricsDraft {
  const byPolicy: Record<string, CountersDraft> = {};
  for (const [name, c] of Object.entries(state.byPolicy)) {
    // Snapshots written before a counter existed lack it: start it at zero.
    byPolicy[name] = { ...c, skipped: { ...c.skipped }, deletedByReason: { ...c.deletedByReason }, failedByCode: { ...c.failedByCode } };
  }
  return { ...state, byPolicy };
}

function countersOf(draft: MetricsDraft, policy: string): CountersDraft {
  let counters = draft.byPolicy[policy];
  if (counters === undefined) {
    counters = { deleted: 0, bytesFreed: 0, failed: 0, deletedByReason: {}, failedByCode: {}, skipped: {} };
    draft.byPolicy[policy] = counters;
  }
  return counters;
}

function failed(draft: MetricsDraft, message: string): void {
  draft.errors += 1;
  draft.lastError = message;
}

/** Applies one event to the draft. The one place the metrics' meaning is defined. */
function apply(draft: MetricsDraft, event: DomainEvent): MetricsDraft {
  switch (event.type) {
    case 'RunStarted':
      draft.retentionHours = event.data.retentionHours ?? draft.retentionHours;
      return draft;
    case 'StorageMeasured':
      draft.storageSize = event.data.usedBytes;
      draft.storageLimit = event.data.limitBytes;
      return draft;
    case 'ItemDeleted': {
      const d = event.data;
      draft.recordsRemoved += d.records;
      draft.filesRemoved += d.files;
      draft.bytesFreed += d.bytesFreed;
      const counters = countersOf(draft, d.policy);
      counters.deleted += 1;
      counters.bytesFreed += d.bytesFreed;
      counters.deletedByReason[d.reason] = (counters.deletedByReason[d.reason] ?? 0) + 1;
      return draft;
    }
    case 'DeletionFailed': {
      failed(draft, event.data.message);
      const counters = countersOf(draft, event.data.policy);
      counters.failed += 1;
      counters.failedByCode[event.data.code] = (counters.failedByCode[event.data.code] ?? 0) + 1;
      return draft;
    }
    case 'DeletionSkipped': {
      const skipped = countersOf(draft, event.data.policy).skipped;
      skipped[event.data.reason] = (skipped[event.data.reason] ?? 0) + 1;
      return draft;
    }
    case 'PolicyFailed':
      failed(draft, `policy ${event.data.policy}: ${event.data.message}`);
      return draft;
    case 'StoreFailed':
      failed(draft, `${event.data.operation}: ${event.data.message}`);
      return draft;
    case 'EmergencyTriggered':
      draft.emergencyRuns += 1;
      return draft;
    case 'RunCompleted': {
      const d = event.data;
      draft.runs += 1;
      draft.lastOutcome = d.outcome;
      draft.lastRunDurationMs = d.durationMs;
      if (!d.dryRun) draft.lastCleanup = event.at;
      draft.storageSize = d.storageSize ?? draft.storageSize;
      draft.storageLimit = d.storageLimit ?? draft.storageLimit;
      return draft;
    }
    case 'JournalCompacted':
      return draftOf(fromSnapshot(metricsProjection, event, draft as MetricsState));
    case 'EntryRejected':
    case 'PolicySuspended':
    case 'DeletionPlanned':
    case 'ItemAlreadyGone':
      return draft;
    default:
      return assertNever(event);
  }
}

/** The metrics projection. */
export const metricsProjection: Projection<MetricsState> = {
  name: 'metrics',
  initialState: () => ({
    recordsRemoved: 0,
    filesRemoved: 0,
    bytesFreed: 0,
    errors: 0,
    lastCleanup: null,
    lastError: null,
    storageSize: null,
    storageLimit: null,
    retentionHours: null,
    runs: 0,
    lastOutcome: null,
    lastRunDurationMs: null,
    emergencyRuns: 0,
    byPolicy: {},
  }),
  evolve: (state, event) => apply(draftOf(state), event),
  evolveAll(state, events) {
    let draft = draftOf(state);
    for (const event of events) draft = apply(draft, event);
    return draft;
  },
};

/** Server metrics in the shape of SPEC §5 (camelCase; the HTTP API turns them to snake_case). */
export interface ServerMetrics {
  readonly tokensCleaned: number;
  readonly filesCleaned: number;
  readonly bytesFreed: number;
  readonly errors: number;
  readonly lastCleanup: string | null;
  readonly lastError: string | null;
  readonly storageSize: number | null;
  readonly storageLimit: number | null;
  readonly retentionHours: number | null;
}

/** Browser metrics in the shape of SPEC §5. */
export interface BrowserMetrics {
  readonly sessionsCleared: number;
  readonly bytesFreed: number;
  readonly lastCleanup: Date | null;
  readonly errors: number;
  readonly lastError: string | null;
}

/** Maps the metrics state to the server preset's fields. */
export function toServerMetrics(state: MetricsState): ServerMetrics {
  return {
    tokensCleaned: state.recordsRemoved,
    filesCleaned: state.filesRemoved,
    bytesFreed: state.bytesFreed,
    errors: state.errors,
    lastCleanup: state.lastCleanup,
    lastError: state.lastError,
    storageSize: state.storageSize,
    storageLimit: state.storageLimit,
    retentionHours: state.retentionHours,
  };
}

/** Maps the metrics state to the browser preset's fields. */
export function toBrowserMetrics(state: MetricsState): BrowserMetrics {
  return {
    sessionsCleared: state.recordsRemoved,
    bytesFreed: state.bytesFreed,
    lastCleanup: state.lastCleanup === null ? null : new Date(state.lastCleanup),
    errors: state.errors,
    lastError: state.lastError,
  };
}
