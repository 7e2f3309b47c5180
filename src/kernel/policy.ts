import type { Observable } from 'rxjs';
import type { SkipReason } from './events.js';
import type { SourceStatus, StorageEvent, Target, Usage } from './storage.js';
import type { JsonSchema } from './validation.js';

/** What a policy decides about one item, or about its own run. */
export type Decision =
  /** Delete the target. `bytes` is what the planner expects it to free. */
  | { readonly kind: 'delete'; readonly target: Target; readonly reason: string; readonly bytes: number }
  /** Leave the target alone, with a reason worth an audit record. */
  | { readonly kind: 'skip'; readonly target: Target; readonly reason: SkipReason; readonly detail?: string }
  /** The policy declines to act this run (e.g. the token database is unreadable). */
  | { readonly kind: 'suspend'; readonly reason: string }
  /** The policy found storage under pressure and aims to bring usage down to `targetBytes`. */
  | { readonly kind: 'pressure'; readonly usedBytes: number; readonly targetBytes: number; readonly reason: string };

/** What the kernel gives a policy's planner for one run. */
export interface PolicyInput<O> {
  /**
   * The records still present (and rejected entries), then, when the policy observes `files`,
   * every file under the root as the scan finds it.
   */
  readonly storage$: Observable<StorageEvent>;
  /** Whether the record source could be read; planners that must not act blind check it. */
  readonly source: SourceStatus;
  /** Usage as re-measured just before this policy. */
  readonly usage: Usage;
  /** Epoch milliseconds at the start of the run. */
  readonly now: number;
  /** The policy's options, validated against its schema with defaults applied, frozen. */
  readonly options: O;
  readonly dryRun: boolean;
  readonly runId: string;
}

/**
 * A policy plugin: a name, an optional options schema, and a pure planner from a stream of
 * storage events to a stream of decisions. The kernel carries decisions out and journals them.
 * A planner does no I/O, so it is tested with plain observables.
 *
 * @example
 * const keepAtMost: Policy<{ max: number }> = {
 *   name: 'keep-at-most',
 *   optionsSchema: { type: 'object', properties: { max: { type: 'integer', minimum: 0, default: 100 } } },
 *   plan: ({ storage$, options }) => storage$.pipe(
 *     filter((e) => e.type === 'RecordObserved'), toArray(),
 *     mergeMap((all) => all.slice(options.max).map((e) => ({ kind: 'delete', target: { kind: 'record', id: e.record.id }, reason: 'over-count', bytes: e.record.bytes })))),
 * };
 */
export interface Policy<O = Record<string, unknown>> {
  /** Unique within a kernel; appears in every event the policy causes. */
  readonly name: string;
  /** JSON Schema of the options; validated with ajv when the policy is registered. */
  readonly optionsSchema?: JsonSchema;
  /** What the policy needs scanned. Records are always given; `files` adds a storage scan. */
  readonly observes?: readonly ('records' | 'files')[];
  /**
   * True for a policy that may start planning while the previous policy's deletions are still
   * running (they go on side by side). It then sees, as records, also those whose deletion is
   * still in flight, and `usage` as last measured, before those deletions. Right for a policy
   * that only holds records' files and decides about other files (the orphan policy); wrong for
   * one that deletes records or reads usage. Default false: the previous stage's deletions are
   * done, the store committed and usage re-measured before `plan` is called.
   */
  readonly overlapsPrevious?: boolean;
  /** Turns storage events into decisions. Must be pure: no I/O, no clock, no randomness. */
  plan(input: PolicyInput<O>): Observable<Decision>;
}

/** A policy as registered with a kernel: with its options and its place in the order. */
export interface PolicyRegistration<O = unknown> {
  // Options are checked against the policy's schema at registration, so the policy's own type
  // for them is erased here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly policy: Policy<any>;
  readonly options?: O;
  /**
   * Lower runs earlier. Built-ins use 100 (expiry), 200 (orphan), 300 (emergency); a policy
   * without an order runs after them, in registration order.
   */
  readonly order?: number;
}

/** Order of built-in policies; custom ones default to {@link DEFAULT_CUSTOM_ORDER}. */
export const BUILTIN_ORDER = { expiry: 100, orphan: 200, emergency: 300 } as const;
export const DEFAULT_CUSTOM_ORDER = 1000;
