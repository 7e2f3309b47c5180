import { ISO_UTC_PATTERN, type DomainEvent, type EventType } from '../../kernel/index.js';

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

/** True when its schema surely accepts the value as a target that reads back from JSON as it is. */
function isTarget(value: unknown): boolean {
  if (!isOrdinary(value)) return false;
  const kind = value.kind;
  let count = 0;
  for (const key in value) {
    if (typeof value[key] !== 'string') return false;
    if (kind === 'record' ? key !== 'kind' && key !== 'id' && key !== 'file' : kind !== 'file' || (key !== 'kind' && key !== 'path')) return false;
    count += 1;
  }
  return kind === 'record' ? typeof value.id === 'string' && count >= 2 : typeof value.path === 'string' && count === 2;
}

/** True when the value is what the field's schema accepts and reads back from JSON as it is. */
function isField(field: HotField, value: unknown): boolean {
  switch (field) {
    case 'string':
      return typeof value === 'string';
    case 'stringOrNull':
      return value === null || typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'nonNegative':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 && !Object.is(value, -0);
    case 'nonNegativeInteger':
      return Number.isSafeInteger(value) && (value as number) >= 0 && !Object.is(value, -0);
    case 'target':
      return isTarget(value);
  }
}

const ISO_UTC = new RegExp(ISO_UTC_PATTERN, 'u');

/**
 * The journal line of a per-item event (see {@link HOT_EVENT_FIELDS}) that its schema surely
 * accepts and that reads back from its JSON text exactly as it is, checked by hand field by
 * field: on these events an ajv pass cost more than the check itself (0.33 s of a 100k cleanup's
 * main thread went to ajv and a shape check). Undefined for anything it is not sure of (other
 * types, a field of another kind, a missing or extra field, an `at` or `seq` out of form, an
 * object that is not a plain one): such an event takes the general path, which checks its text
 * against the event's schema.
 */
export function hotLine(event: DomainEvent): string | undefined {
  // Own keys only: a type named like an Object.prototype member (`toString`) is not per-item.
  const fields = Object.hasOwn(HOT_EVENT_FIELDS, event.type) ? HOT_EVENT_FIELDS[event.type] : undefined;
  if (fields === undefined) return undefined;
  const { v, seq, at, runId } = event;
  const data = event.data as unknown;
  if (!Number.isSafeInteger(v) || v < 1 || !Number.isSafeInteger(seq) || seq < 1 || typeof at !== 'string' || !ISO_UTC.test(at)) return undefined;
  if (runId !== undefined && typeof runId !== 'string') return undefined;
  if (!isOrdinary(data)) return undefined;
  let count = 0;
  for (const key in data) {
    const field = fields.get(key);
    if (field === undefined || !isField(field, data[key])) return undefined;
    count += 1;
  }
  return count === fields.size ? JSON.stringify(event) : undefined;
}
