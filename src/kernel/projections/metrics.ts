import { assertNever, type DomainEvent, type RunOutcome } from '../events.js';
import { fromSnapshot, type Projection } from './projection.js';

/** Counters for one policy, for dashboards and Prometheus. */
export interface PolicyCounters {
  readonly deleted: number;
  readonly bytesFreed: number;
  readonly failed: number;
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

function bump(
  byPolicy: Readonly<Record<string, PolicyCounters>>,
  policy: string,
  change: (c: PolicyCounters) => PolicyCounters,
): Readonly<Record<string, PolicyCounters>> {
  const current = byPolicy[policy] ?? { deleted: 0, bytesFreed: 0, failed: 0, skipped: {} };
  return { ...byPolicy, [policy]: change(current) };
}

function failed(state: MetricsState, message: string): MetricsState {
  return { ...state, errors: state.errors + 1, lastError: message };
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
  evolve(state, event: DomainEvent): MetricsState {
    switch (event.type) {
      case 'RunStarted':
        return { ...state, retentionHours: event.data.retentionHours ?? state.retentionHours };
      case 'StorageMeasured':
        return { ...state, storageSize: event.data.usedBytes, storageLimit: event.data.limitBytes };
      case 'ItemDeleted': {
        const d = event.data;
        return {
          ...state,
          recordsRemoved: state.recordsRemoved + d.records,
          filesRemoved: state.filesRemoved + d.files,
          bytesFreed: state.bytesFreed + d.bytesFreed,
          byPolicy: bump(state.byPolicy, d.policy, (c) => ({ ...c, deleted: c.deleted + 1, bytesFreed: c.bytesFreed + d.bytesFreed })),
        };
      }
      case 'DeletionFailed': {
        const next = failed(state, `${event.data.message}`);
        return { ...next, byPolicy: bump(state.byPolicy, event.data.policy, (c) => ({ ...c, failed: c.failed + 1 })) };
      }
      case 'DeletionSkipped': {
        const { policy, reason } = event.data;
        return {
          ...state,
          byPolicy: bump(state.byPolicy, policy, (c) => ({ ...c, skipped: { ...c.skipped, [reason]: (c.skipped[reason] ?? 0) + 1 } })),
        };
      }
      case 'PolicyFailed':
        return failed(state, `policy ${event.data.policy}: ${event.data.message}`);
      case 'StoreFailed':
        return failed(state, `${event.data.operation}: ${event.data.message}`);
      case 'EmergencyTriggered':
        return { ...state, emergencyRuns: state.emergencyRuns + 1 };
      case 'RunCompleted': {
        const d = event.data;
        return {
          ...state,
          runs: state.runs + 1,
          lastOutcome: d.outcome,
          lastRunDurationMs: d.durationMs,
          lastCleanup: d.dryRun ? state.lastCleanup : event.at,
          storageSize: d.storageSize ?? state.storageSize,
          storageLimit: d.storageLimit ?? state.storageLimit,
        };
      }
      case 'JournalCompacted':
        return fromSnapshot(metricsProjection, event, state);
      case 'EntryRejected':
      case 'PolicySuspended':
      case 'DeletionPlanned':
      case 'ItemAlreadyGone':
        return state;
      default:
        return assertNever(event);
    }
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
