/**
 * reclaim's kernel: the event model, policy plugin API, projections, run pipeline and
 * scheduler. Runs in Node and in browsers: nothing here imports a Node built-in.
 */
export { systemClock, isoUtc, type Clock } from './clock.js';
export { createKernel, type CreateKernelOptions } from './create-kernel.js';
export {
  ERROR_CATALOGUE,
  ReclaimError,
  configError,
  describeError,
  isReclaimError,
  type ErrorCode,
  type FieldProblem,
} from './errors.js';
export { EVENT_DATA_SCHEMAS, ISO_UTC_PATTERN, checkEvent, eventSchema, type EventCheck } from './event-schemas.js';
export {
  EVENT_TYPES,
  EVENT_VERSION,
  assertNever,
  isEvent,
  newEvent,
  ofType,
  type DomainEvent,
  type DomainEventPayloads,
  type EmergencySummary,
  type EventType,
  type NewEvent,
  type PolicyRunStatus,
  type ProjectionSnapshot,
  type RunOutcome,
  type RunSummaryData,
  type RunTotals,
  type RunTrigger,
  type SkipReason,
} from './events.js';
export type { Journal, JournalEntry } from './journal.js';
export { Kernel, initialKernelState, replayState, type KernelState, type ReplayReport, type RunOptions } from './kernel.js';
export { KERNEL_CONFIG_SCHEMA, resolveKernelConfig, type KernelConfig, type KernelConfigInput } from './kernel-config.js';
export { MemoryJournal } from './memory-journal.js';
export { inWindow, msUntilWindow, validateWindow, type OffPeakWindow } from './off-peak-window.js';
export {
  BUILTIN_ORDER,
  DEFAULT_CUSTOM_ORDER,
  type Decision,
  type Policy,
  type PolicyInput,
  type PolicyRegistration,
} from './policy.js';
export * from './projections/index.js';
export { type RunResult } from './run-pipeline.js';
export { assertInterval, createSchedule, type Schedule, type ScheduleDeps, type ScheduleOptions, type ScheduleStatus } from './scheduler.js';
export {
  targetKey,
  type ObservedFile,
  type ProtectionReason,
  type RecordFile,
  type RecordSnapshot,
  type RejectedEntry,
  type RemovalResult,
  type SourceStatus,
  type StorageEvent,
  type StoredRecord,
  type Target,
  type Usage,
} from './storage.js';
export type { ScanOptions, Store } from './store.js';
export { CLOCK, JOURNAL, KERNEL_CONFIG, POLICY, RX_SCHEDULER, STORE } from './tokens.js';
export { createAjv, deepFreeze, fieldProblems, usePrecompiledValidators, validateConfig, type JsonSchema } from './validation.js';
