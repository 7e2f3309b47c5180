import { filter, map, mergeMap, type Observable, toArray } from 'rxjs';
import type { Decision, StorageEvent, StoredRecord } from '../kernel/index.js';

/**
 * The decisions of a planner that needs every record at once (expiry keeps a file a valid
 * record shares; emergency evicts oldest-first), as a stream. The planner's array is handed on
 * as it is, never spread into one call (`of(...decisions)` fails from ~125k decisions).
 */
export function planOverRecords(storage$: Observable<StorageEvent>, plan: (records: StoredRecord[]) => readonly Decision[]): Observable<Decision> {
  return storage$.pipe(
    filter((event) => event.type === 'RecordObserved'),
    map((event) => event.record),
    toArray(),
    mergeMap(plan),
  );
}
