/**
 * `reclaim/browser`: client-side cleanup of recovery sessions in IndexedDB, compatible with the
 * documented client API (`createCleanupService`, `createScheduledCleanup`), with storage quota
 * handling, one cleanup at a time across tabs, and events shared between tabs.
 */
import 'reflect-metadata';

export {
  browserPolicies,
  createCleanupService,
  toBrowserResult,
  type BrowserCleanupParts,
  type BrowserCleanupResult,
  type BrowserCleanupService,
  type BrowserStorageStatus,
} from './cleanup-service.js';
export { createScheduledCleanup, type BrowserScheduledCleanup, type BrowserScheduleOptions, type BrowserScheduleStatus } from './scheduled-cleanup.js';
export { BROWSER_OPTIONS_SCHEMA, resolveBrowserOptions, type BrowserCleanupOptions, type ResolvedBrowserOptions } from './options.js';
export { isQuotaExceededError, writeWithQuotaRetry, type QuotaRetryReport } from './quota.js';
export { createTabLock, type TabLock, type TabLockKind, type TabLockOptions } from './tab-lock.js';
export { IndexedDbLease, type IndexedDbLeaseOptions } from './indexeddb-lease.js';
export { SharedMetrics } from './shared-metrics.js';
export * from '../stores/indexeddb/index.js';
export { createBroadcastTransport, type BroadcastTransport, type BroadcastTransportOptions } from '../transports/broadcast/index.js';
export type { BrowserMetrics, DomainEvent, ReplayReport, RunTrigger } from '../kernel/index.js';
