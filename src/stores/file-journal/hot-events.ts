import type { DomainEvent, EventType } from '../../kernel/index.js';

/** What a field of a per-item event's data must be, as its JSON Schema says. */
export type HotField = 'string' | 'stringOrNull' | 'boolean' | 'nonNegative' | 'nonNegativeInteger' | 'target';

/**
 * The data fields of the events a cleanup appends once per item (an intent and an outcome per
 * deletion), all required, nothing else allowed: the same as their schemas in
 * `EVENT_DATA_SCHEMAS` (a test holds them to it).
 */
export const HOT_EVENT_FIELDS: Readonly<Partial<Record<EventType, ReadonlyMap<string, HotField>>>> = {
  DeletionPlanned: new Map<string, HotField>([
    ['policy', 'string'],
    ['target', 'target'],
    ['reason', 'string'],
    ['bytes', 'nonNegative'],
  ]),
  ItemDeleted: new Map<string, HotField>([
    ['policy', 'string'],
    ['target', 'target'],
    ['reason', 'string'],
    ['records', 'nonNegativeInteger'],
    ['files', 'nonNegativeInteger'],
    ['bytesFreed', 'nonNegative'],
    ['recovered', 'boolean'],
  ]),
  ItemAlreadyGone: new Map<string, HotField>([
    ['policy', 'string'],
    ['target', 'target'],
    ['reason', 'string'],
    ['recovered', 'boolean'],
  ]),
  DeletionSkipped: new Map<string, HotField>([
    ['policy', 'string'],
    ['target', 'target'],
    ['reason', 'string'],
    ['detail', 'stringOrNull'],
  ]),
};

function isOrdinary(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * True when a per-item event (see {@link HOT_EVENT_FIELDS}) reads back from its JSON text
 * exactly as it is, given that its schema accepts it in memory: its data and target are
 * ordinary objects, the target holds only strings, and none of its numbers is -0. Everything else its schema already decides
 * on the value itself (strings, booleans, null, finite numbers, exact key sets), so the
 * journal checks such an event without parsing its line back. Undefined for other types.
 */
export function isHotShape(event: DomainEvent): boolean | undefined {
  const fields = HOT_EVENT_FIELDS[event.type];
  if (fields === undefined) return undefined;
  const data = event.data as unknown;
  if (!isOrdinary(data)) return false;
  for (const [key, field] of fields) {
    const value = data[key];
    if (field === 'target' ? !isOrdinaryTarget(value) : Object.is(value, -0)) return false;
  }
  return true;
}

/** An ordinary object whose values are all strings (a target's optional `file` left undefined would not read back). */
function isOrdinaryTarget(value: unknown): boolean {
  if (!isOrdinary(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}
