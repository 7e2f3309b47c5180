import { isObservable, type Observable, type Subscription } from 'rxjs';
import type { DomainEvent, EventType } from '../../kernel/index.js';
import { describeEvent, eventLogMeta } from './describe-event.js';
import { eventLogLevel, mergeLevels, type EventLogLevel, type EventLogLevels } from './event-log-levels.js';

/**
 * What the transport writes to: a winston `Logger` fits as is. `levels` (winston's own) lets
 * the transport map its levels onto a logger with other names (syslog's `warning`).
 */
export interface EventLogSink {
  log(level: string, message: string, meta: Record<string, unknown>): unknown;
  readonly levels?: Readonly<Record<string, number>>;
}

/** Anything with a domain event stream: a `Kernel`, a cleanup service. */
export interface EventSource {
  readonly events$: Observable<DomainEvent>;
}

/** One log record, before it reaches a logger. */
export interface EventLogRecord {
  readonly level: EventLogLevel;
  readonly message: string;
  readonly meta: Record<string, unknown>;
}

/** Options of {@link attachEventLogger}. */
export interface AttachEventLoggerOptions {
  /** Overrides of {@link EVENT_LOG_LEVELS}, e.g. `{ ItemDeleted: 'debug' }`. */
  readonly levels?: Partial<{ [K in EventType]: Partial<EventLogLevels[K]> | EventLogLevels[K] }>;
  /** Logs only the events it returns true for; all by default. */
  readonly filter?: (event: DomainEvent) => boolean;
  /** Fields added to every record, e.g. `{ component: 'reclaim' }`. */
  readonly defaultMeta?: Readonly<Record<string, unknown>>;
  /** Told when the logger throws; the subscription lives on either way. */
  readonly onError?: (error: unknown, event: DomainEvent) => void;
}

/** The log record of one event: level by severity, a sentence, and the event as fields. */
export function toEventLogRecord(event: DomainEvent, levels?: EventLogLevels): EventLogRecord {
  return { level: eventLogLevel(event, levels), message: describeEvent(event), meta: eventLogMeta(event) };
}

// Names other level sets use for ours (syslog has `warning`, not `warn`).
const ALIASES: Readonly<Record<EventLogLevel, readonly string[]>> = {
  error: ['error', 'err', 'crit'],
  warn: ['warn', 'warning'],
  info: ['info', 'notice'],
  debug: ['debug', 'verbose', 'silly'],
};

function levelFor(sink: EventLogSink, level: EventLogLevel): string {
  const known = sink.levels;
  if (known === undefined) return level;
  return ALIASES[level].find((name) => name in known) ?? level;
}

/**
 * Writes every domain event to a logger as a structured record: `message` is a short
 * sentence, the meta is `{event: type, seq, at, runId, ...data}`, and the level follows
 * {@link EVENT_LOG_LEVELS}. Attach it to the host app's own winston logger, or to one made by
 * {@link createEventLogger}. The stream is hot: subscribe before the first run. A logger that
 * throws never breaks the stream. Unsubscribe the result to detach; it also ends when the
 * kernel closes.
 *
 * @example
 * const subscription = attachEventLogger(kernel, hostLogger.child({ component: 'reclaim' }));
 * await kernel.run();
 * subscription.unsubscribe();
 */
export function attachEventLogger(
  source: EventSource | Observable<DomainEvent>,
  logger: EventLogSink,
  options: AttachEventLoggerOptions = {},
): Subscription {
  const events$ = isObservable(source) ? source : source.events$;
  const levels = mergeLevels(options.levels);
  return events$.subscribe((event) => {
    if (options.filter !== undefined && !options.filter(event)) return;
    const record = toEventLogRecord(event, levels);
    try {
      logger.log(levelFor(logger, record.level), record.message, { ...options.defaultMeta, ...record.meta });
    } catch (error) {
      // A throw here would reach rxjs's unhandled-error reporter and crash the host.
      options.onError?.(error, event);
    }
  });
}
