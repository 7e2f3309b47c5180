/**
 * The logging transport: every domain event as a structured winston record, level by severity,
 * on the host's own logger or on a default one (JSON lines, pretty in a terminal).
 */
export {
  attachEventLogger,
  toEventLogRecord,
  type AttachEventLoggerOptions,
  type EventLogRecord,
  type EventLogSink,
  type EventSource,
} from './attach-event-logger.js';
export { createEventLogger, type EventLoggerOptions } from './create-event-logger.js';
export { describeEvent, eventLogMeta } from './describe-event.js';
export { EVENT_LOG_LEVELS, eventLogLevel, mergeLevels, type EventLogLevel, type EventLogLevels } from './event-log-levels.js';
