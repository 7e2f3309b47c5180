import { assertNever, type DomainEvent, type EventType, type RunOutcome } from '../../kernel/index.js';

/** The levels reclaim logs at; every logger with npm or syslog levels has them (or an alias). */
export type EventLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** A level per event type; `RunCompleted` takes one per outcome. */
export type EventLogLevels = {
  readonly [K in EventType]: K extends 'RunCompleted' ? Readonly<Record<RunOutcome, EventLogLevel>> : EventLogLevel;
};

/**
 * The level of each domain event, by severity:
 *
 * | level | events |
 * |---|---|
 * | `error` | `PolicyFailed`, `StoreFailed`, `DeletionFailed` |
 * | `warn`  | `EntryRejected`, `PolicySuspended`, `EmergencyTriggered`, `RunCompleted` (partial, error) |
 * | `info`  | `RunStarted`, `RunCompleted` (success, noop), `ItemDeleted`, `JournalCompacted` |
 * | `debug` | per-item noise: `DeletionPlanned`, `DeletionSkipped`, `ItemAlreadyGone`, `StorageMeasured` |
 *
 * A failed run is `warn`, not `error`: the failure itself was already logged as an error event.
 */
export const EVENT_LOG_LEVELS = {
  RunStarted: 'info',
  StorageMeasured: 'debug',
  EntryRejected: 'warn',
  PolicySuspended: 'warn',
  PolicyFailed: 'error',
  StoreFailed: 'error',
  EmergencyTriggered: 'warn',
  DeletionPlanned: 'debug',
  ItemDeleted: 'info',
  ItemAlreadyGone: 'debug',
  DeletionFailed: 'error',
  DeletionSkipped: 'debug',
  RunCompleted: { success: 'info', noop: 'info', partial: 'warn', error: 'warn' },
  JournalCompacted: 'info',
} as const satisfies EventLogLevels;

/** The table with a host's overrides applied (a partial `RunCompleted` merges per outcome). */
export function mergeLevels(overrides: Partial<{ [K in EventType]: Partial<EventLogLevels[K]> | EventLogLevels[K] }> = {}): EventLogLevels {
  const { RunCompleted, ...rest } = overrides;
  return {
    ...EVENT_LOG_LEVELS,
    ...(rest as Partial<EventLogLevels>),
    RunCompleted: { ...EVENT_LOG_LEVELS.RunCompleted, ...(RunCompleted as Partial<Record<RunOutcome, EventLogLevel>> | undefined) },
  };
}

/** The level one event is logged at. */
export function eventLogLevel(event: DomainEvent, levels: EventLogLevels = EVENT_LOG_LEVELS): EventLogLevel {
  switch (event.type) {
    case 'RunCompleted':
      return levels.RunCompleted[event.data.outcome];
    case 'RunStarted':
    case 'StorageMeasured':
    case 'EntryRejected':
    case 'PolicySuspended':
    case 'PolicyFailed':
    case 'StoreFailed':
    case 'EmergencyTriggered':
    case 'DeletionPlanned':
    case 'ItemDeleted':
    case 'ItemAlreadyGone':
    case 'DeletionFailed':
    case 'DeletionSkipped':
    case 'JournalCompacted':
      return levels[event.type];
    default:
      return assertNever(event);
  }
}
