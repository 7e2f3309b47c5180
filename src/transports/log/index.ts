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
