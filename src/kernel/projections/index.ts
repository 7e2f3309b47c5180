export { evolveAll, foldEvents, fromSnapshot, type Projection } from './projection.js';
export {
  metricsProjection,
  toBrowserMetrics,
  toServerMetrics,
  type BrowserMetrics,
  type MetricsState,
  type PolicyCounters,
  type ServerMetrics,
} from './metrics.js';
export { runHistoryProjection, RUN_HISTORY_LIMIT, type RunHistoryState, type RunRecord } from './run-history.js';
export { usageHistoryProjection, USAGE_HISTORY_LIMIT, type UsageHistoryState, type UsagePoint } from './usage-history.js';
