import { configError, validateConfig, type FieldProblem, type JsonSchema } from '../kernel/index.js';
import { resolveSessionLayout, type SessionLayout, type SessionLayoutInput } from '../stores/indexeddb/index.js';
import type { TabLockKind } from './tab-lock.js';

/** Options of the browser cleanup service (SPEC §5), as the documented client API takes them. */
export interface BrowserCleanupOptions {
  /** Hours a session is kept after its last access. Default 24. */
  readonly retentionHours?: number;
  /** The sessions' byte budget in MiB (1,048,576 bytes). Default 100. */
  readonly maxStorageMB?: number;
  /**
   * Emergency eviction starts when the sessions reach this percent of `maxStorageMB`, or the
   * origin's usage reaches it of the browser's quota. Default 90.
   */
  readonly emergencyThresholdPercent?: number;
  /** Sessions younger than this (by their timestamp) are never evicted by the emergency pass. Default 0. */
  readonly emergencyMinAgeMinutes?: number;
  /** Where the sessions are: a preset name or a layout. Default `chatterbox-storage` (what the app writes). */
  readonly store?: SessionLayoutInput;
  /**
   * The journal's IndexedDB database, or null for an in-memory journal (metrics reset on
   * reload). Default `reclaim-journal-<session database>`: a journal belongs to one session
   * database, since interrupted deletions it holds are finished on that store.
   */
  readonly journalDatabase?: string | null;
  /** The cross-tab lock's name. Default `reclaim-cleanup:<session database>`. */
  readonly lockName?: string;
  /** `auto` (Web Locks where present, else an IndexedDB lease), or one of them. Default `auto`. */
  readonly crossTabLock?: TabLockKind;
  /** Give up waiting for another tab's cleanup after this many ms. Default 60,000. */
  readonly lockTimeoutMs?: number;
  /** The BroadcastChannel shared with other tabs, or null for none. Default `reclaim-events:<journal database>`. */
  readonly channelName?: string | null;
  /** Compact the journal after this many events. Default 2,000. */
  readonly compactAfterEvents?: number;
}

/** The options with every default applied, validated and frozen. */
export interface ResolvedBrowserOptions {
  readonly retentionHours: number;
  readonly maxStorageMB: number;
  readonly emergencyThresholdPercent: number;
  readonly emergencyMinAgeMinutes: number;
  readonly layout: SessionLayout;
  readonly journalDatabase: string | null;
  readonly lockName: string;
  readonly crossTabLock: TabLockKind;
  readonly lockTimeoutMs: number;
  readonly channelName: string | null;
  readonly compactAfterEvents: number;
  /** `maxStorageMB` in bytes. */
  readonly limitBytes: number;
}

/** JSON Schema of {@link BrowserCleanupOptions}, without `store` (checked by the layout schema). */
export const BROWSER_OPTIONS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    retentionHours: { type: 'number', exclusiveMinimum: 0, default: 24 },
    maxStorageMB: { type: 'number', exclusiveMinimum: 0, default: 100 },
    emergencyThresholdPercent: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 90 },
    emergencyMinAgeMinutes: { type: 'number', minimum: 0, default: 0 },
    store: {},
    journalDatabase: { type: ['string', 'null'], minLength: 1 },
    lockName: { type: 'string', minLength: 1 },
    crossTabLock: { enum: ['auto', 'web-locks', 'indexeddb-lease'], default: 'auto' },
    lockTimeoutMs: { type: 'number', exclusiveMinimum: 0, default: 60_000 },
    channelName: { type: ['string', 'null'], minLength: 1 },
    compactAfterEvents: { type: 'integer', minimum: 1, default: 2000 },
  },
  additionalProperties: false,
};

const SUBJECT = 'Invalid reclaim browser configuration';

/** NaN and ±Infinity are numbers to JavaScript but not to JSON Schema; name them plainly. */
function nonFiniteNumbers(input: object): FieldProblem[] {
  return Object.entries(input)
    .filter(([, value]) => typeof value === 'number' && !Number.isFinite(value))
    .map(([field, value]) => ({ field, problem: `must be a finite number (got ${String(value)})`, fix: 'give a finite number, or leave it out for the default' }));
}

/**
 * Validates the options once: defaults applied (`retentionHours` 24, `maxStorageMB` 100,
 * `emergencyThresholdPercent` 90), and one `RECLAIM_INVALID_CONFIG` error naming every bad field
 * (0, a negative number, NaN: never a silent default). The result is frozen.
 */
export function resolveBrowserOptions(input: BrowserCleanupOptions | undefined): ResolvedBrowserOptions {
  const given = input ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw configError('RECLAIM_INVALID_CONFIG', SUBJECT, [{ field: '(root)', problem: 'must be an object', fix: 'pass an options object or nothing' }]);
  }
  const nonFinite = nonFiniteNumbers(given);
  if (nonFinite.length > 0) throw configError('RECLAIM_INVALID_CONFIG', SUBJECT, nonFinite);
  type Optional = 'lockName' | 'channelName' | 'journalDatabase';
  const checked = validateConfig<Required<Omit<BrowserCleanupOptions, Optional>> & Pick<BrowserCleanupOptions, Optional>>(
    BROWSER_OPTIONS_SCHEMA,
    given,
    { subject: SUBJECT },
  );
  const layout = resolveSessionLayout(given.store);
  const journalDatabase = checked.journalDatabase === undefined ? `reclaim-journal-${layout.databaseName}` : checked.journalDatabase;
  const events = journalDatabase ?? `memory:${layout.databaseName}`;
  return Object.freeze({
    retentionHours: checked.retentionHours,
    maxStorageMB: checked.maxStorageMB,
    emergencyThresholdPercent: checked.emergencyThresholdPercent,
    emergencyMinAgeMinutes: checked.emergencyMinAgeMinutes,
    layout,
    journalDatabase,
    lockName: checked.lockName ?? `reclaim-cleanup:${layout.databaseName}`,
    crossTabLock: checked.crossTabLock,
    lockTimeoutMs: checked.lockTimeoutMs,
    channelName: checked.channelName === undefined ? `reclaim-events:${events}` : checked.channelName,
    compactAfterEvents: checked.compactAfterEvents,
    limitBytes: Math.floor(checked.maxStorageMB * 1_048_576),
  });
}
