/**
 * `reclaim/http`: the cleanup API as a Fastify plugin (SPEC §6), its schemas and OpenAPI
 * document, and `startServer` behind `reclaim serve`.
 */
export { cleanupRoutes } from './plugin.js';
export { DEFAULT_PREFIX, DEFAULT_RATE_LIMITS, type CleanupRoutesOptions, type RateLimitBucket, type RateLimitSettings } from './options.js';
export { openApiDocument, type OpenApiOptions } from './openapi.js';
export { routeTable, type RouteSpec } from './route-table.js';
export * as schemas from './schemas.js';
export { metricsBody, resultBody, type MetricsBody, type ResultBody } from './snake-case.js';
export { bearerCredentials, tokensMatch, type BearerAuthOptions } from './auth.js';
export { errorBody, type ErrorBody } from './http-errors.js';
export {
  createScheduleController,
  type ScheduleController,
  type ScheduleControllerOptions,
  type ScheduleControllerStatus,
  type ScheduleStartOutcome,
} from './schedule-controller.js';
export { startServer, type RunningServer, type StartServerOptions } from './serve.js';
// The transports behind the routes, for hosts that mount them elsewhere (e.g. Prometheus at /metrics).
export {
  createPrometheusExporter,
  type PrometheusExporter,
  type PrometheusExporterOptions,
  type PrometheusSource,
} from '../transports/prometheus/index.js';
export { formatSseEvent, openEventStream, parseLastEventId, type EventStream, type EventStreamOptions, type SseEventSource } from '../transports/sse/index.js';
