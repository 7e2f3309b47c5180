/**
 * A host app that embeds the reclaim kernel: a memory store, the built-in expiry policy, a
 * custom "keep at most N" policy with its own options schema, and a subscriber that prints
 * every domain event. Run it with `npm run example:embed`.
 *
 * In your app, import from 'reclaim' instead of the relative path.
 */
import { filter, from, map, mergeMap, type Observable, toArray } from 'rxjs';
import {
  createKernel,
  expiryPolicy,
  MemoryStore,
  ofType,
  type Decision,
  type Policy,
  type StoredRecord,
} from '../src/index.js';

/** Options of the custom policy, checked against its schema when it is registered. */
interface KeepAtMostOptions {
  readonly max: number;
}

/** Keeps the newest `max` records and deletes the rest, oldest first. */
const keepAtMost: Policy<KeepAtMostOptions> = {
  name: 'keep-at-most',
  optionsSchema: {
    type: 'object',
    properties: { max: { type: 'integer', minimum: 0, default: 10 } },
    additionalProperties: false,
  },
  plan: ({ storage$, options }): Observable<Decision> =>
    storage$.pipe(
      filter((event) => event.type === 'RecordObserved'),
      map((event) => (event as { record: StoredRecord }).record),
      toArray(),
      mergeMap((records) => {
        const newestFirst = [...records].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
        return from(
          newestFirst.slice(options.max).map(
            (record): Decision => ({ kind: 'delete', target: { kind: 'record', id: record.id }, reason: 'over-count', bytes: record.bytes }),
          ),
        );
      }),
    ),
};

const HOUR = 3_600_000;
const now = Date.now();
const store = new MemoryStore({
  records: Array.from({ length: 6 }, (_, i) => ({ id: `session-${i}`, kind: 'session', createdAt: now - i * 10 * HOUR, bytes: 1024 * (i + 1) })),
});

const kernel = createKernel({
  store,
  policies: [{ policy: expiryPolicy, options: { retentionHours: 24, basis: 'last-access' } }],
});
// A host policy, registered through the kernel method, runs after the built-ins.
kernel.use(keepAtMost, { max: 2 });

kernel.events$.subscribe((event) => {
  const data = event.data as { policy?: string; target?: { id?: string; path?: string } };
  const what = data.target === undefined ? '' : ` ${data.target.id ?? data.target.path}`;
  console.log(`#${event.seq} ${event.type}${data.policy === undefined ? '' : ` [${data.policy}]`}${what}`);
});
kernel.events$.pipe(ofType('RunCompleted')).subscribe((event) => {
  console.log(`run ${event.data.outcome}: ${event.data.totals.records} removed, ${event.data.totals.bytesFreed} bytes freed`);
});

const result = await kernel.run();
console.log(`left: ${store.records().map((r) => r.id).join(', ')}`);
console.log(`metrics: ${JSON.stringify({ removed: kernel.getMetrics().recordsRemoved, bytesFreed: kernel.getMetrics().bytesFreed })}`);
await kernel.close();
process.exitCode = result.success ? 0 : 1;
