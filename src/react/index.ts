/**
 * `reclaim/react`: the `useCleanup` hook over `reclaim/browser`. React is an optional peer
 * dependency: only this entry needs it.
 */
export { useCleanup, type UseCleanupOptions, type UseCleanupResult } from './use-cleanup.js';
export type { BrowserCleanupOptions, BrowserCleanupResult, BrowserCleanupService, BrowserStorageStatus } from '../browser/index.js';
export type { BrowserMetrics } from '../kernel/index.js';
