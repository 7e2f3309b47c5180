import { filter, type OperatorFunction } from 'rxjs';
import type { Target } from './storage.js';

/** How a run ended. */
export type RunOutcome = 'success' | 'partial' | 'noop' | 'error';

/** What started a run. */
export type RunTrigger = 'manual' | 'schedule' | 'recovery' | (string & {});

/** Why a planned or possible deletion did not happen. */
export type SkipReason =
  | 'protected'
  | 'grace'
  | 'in-use'
  | 'outside-root'
  | 'symlink'
  | 'dry-run'
  | 'excluded'
  | 'rejected'
  | 'reserved'
  | 'cancelled'
  | (string & {});

/** How a policy's stage ended: `cancelled` when the run was cancelled before or during it. */
export type PolicyRunStatus = 'ran' | 'suspended' | 'failed' | 'cancelled';

/** Totals of one run. In a dry run they count what would have been deleted. */
export interface RunTotals {
  readonly planned: number;
  readonly deleted: number;
  readonly alreadyGone: number;
  readonly failed: number;
  readonly skipped: number;
  readonly rejected: number;
  readonly records: number;
  readonly files: number;
  readonly bytesFreed: number;
}

/** Emergency figures of a run: what it aimed for, what it freed, what it could not. */
export interface EmergencySummary {
  readonly policy: string;
  readonly usedBytes: number;
  readonly targetBytes: number;
  readonly freedBytes: number;
  readonly shortfallBytes: number;
}

/** The payload of `RunCompleted`: the one summary every run ends with. */
export interface RunSummaryData {
  readonly outcome: RunOutcome;
  readonly trigger: RunTrigger;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly totals: RunTotals;
  readonly storageSize: number | null;
  readonly storageLimit: number | null;
  readonly emergency: EmergencySummary | null;
  readonly policies: readonly { readonly name: string; readonly status: PolicyRunStatus }[];
  readonly error?: { readonly code: string; readonly message: string };
}

/** State captured by a journal compaction, keyed by projection name. */
export type ProjectionSnapshot = Readonly<Record<string, unknown>>;

/**
 * The payload of every domain event, by type. Adding a type here adds it to {@link DomainEvent},
 * to its JSON Schema (see `event-schemas.ts`) and to every exhaustive `switch`.
 */
export interface DomainEventPayloads {
  RunStarted: {
    readonly trigger: RunTrigger;
    readonly dryRun: boolean;
    readonly policies: readonly string[];
    readonly retentionHours: number | null;
  };
  StorageMeasured: {
    readonly stage: string;
    readonly usedBytes: number;
    readonly limitBytes: number | null;
    readonly originUsageBytes: number | null;
    readonly quotaBytes: number | null;
  };
  EntryRejected: { readonly id: string; readonly reason: string };
  PolicySuspended: { readonly policy: string; readonly reason: string };
  PolicyFailed: { readonly policy: string; readonly code: string; readonly message: string };
  StoreFailed: { readonly operation: string; readonly code: string; readonly message: string };
  EmergencyTriggered: {
    readonly policy: string;
    readonly usedBytes: number;
    readonly targetBytes: number;
    readonly reason: string;
  };
  DeletionPlanned: {
    readonly policy: string;
    readonly target: Target;
    readonly reason: string;
    readonly bytes: number;
  };
  ItemDeleted: {
    readonly policy: string;
    readonly target: Target;
    readonly reason: string;
    readonly records: number;
    readonly files: number;
    readonly bytesFreed: number;
    readonly recovered: boolean;
  };
  ItemAlreadyGone: {
    readonly policy: string;
    readonly target: Target;
    readonly reason: string;
    readonly recovered: boolean;
  };
  DeletionFailed: {
    readonly policy: string;
    readonly target: Target;
    readonly code: string;
    readonly message: string;
    readonly path: string | null;
  };
  DeletionSkipped: {
    readonly policy: string;
    readonly target: Target;
    readonly reason: SkipReason;
    readonly detail: string | null;
  };
  RunCompleted: RunSummaryData;
  JournalCompacted: { readonly snapshot: ProjectionSnapshot; readonly throughSeq: number };
}

/** Every domain event type name. */
export type EventType = keyof DomainEventPayloads;

/** Every event type name, in a stable order (for schemas and tests). */
export const EVENT_TYPES = [
  'RunStarted',
  'StorageMeasured',
  'EntryRejected',
  'PolicySuspended',
  'PolicyFailed',
  'StoreFailed',
  'EmergencyTriggered',
  'DeletionPlanned',
  'ItemDeleted',
  'ItemAlreadyGone',
  'DeletionFailed',
  'DeletionSkipped',
  'RunCompleted',
  'JournalCompacted',
] as const satisfies readonly EventType[];

/** The schema version of each event's `data`. Bump it when a payload changes shape. */
export const EVENT_VERSION = 1;

/**
 * A domain event: plain data in one discriminated union, with the envelope of SPEC §2.
 * `seq` is strictly increasing per journal and `at` is ISO-8601 UTC with `Z`.
 */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: {
    readonly type: K;
    readonly v: number;
    readonly seq: number;
    readonly at: string;
    readonly runId?: string;
    readonly data: DomainEventPayloads[K];
  };
}[T];

/** An event before the journal gave it a `seq`, an `at` and a version. */
export type NewEvent<T extends EventType = EventType> = {
  [K in T]: { readonly type: K; readonly runId?: string; readonly data: DomainEventPayloads[K] };
}[T];

/** Builds a new (unsequenced) event. */
export function newEvent<K extends EventType>(type: K, data: DomainEventPayloads[K], runId?: string): NewEvent<K> {
  return (runId === undefined ? { type, data } : { type, runId, data }) as NewEvent<K>;
}

/** Narrows a stream of domain events to the given types. */
export function ofType<K extends EventType>(...types: readonly K[]): OperatorFunction<DomainEvent, Extract<DomainEvent, { type: K }>> {
  const wanted = new Set<string>(types);
  return filter((event): event is Extract<DomainEvent, { type: K }> => wanted.has(event.type));
}

/** Type guard for one event type. */
export function isEvent<K extends EventType>(event: DomainEvent, type: K): event is Extract<DomainEvent, { type: K }> {
  return event.type === type;
}

/** Ends an exhaustive `switch`: the compiler proves it unreachable. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
