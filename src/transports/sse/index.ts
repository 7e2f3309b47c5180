/** Server-sent events of the domain stream, resumable from the journal (`Last-Event-ID`). */
export { openEventStream, type EventStream, type EventStreamOptions, type SseEventSource } from './event-stream.js';
export { formatSseComment, formatSseEvent, formatSseRetry, parseLastEventId } from './format.js';
