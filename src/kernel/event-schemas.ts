import type { ValidateFunction } from 'ajv';
import { formatAjvErrors } from './validation.js';
import { EVENT_TYPES, type DomainEvent, type EventType } from './events.js';
import * as generated from './event-validators.generated.js';

const str = { type: 'string' } as const;
const nonNegInt = { type: 'integer', minimum: 0 } as const;
const nonNeg = { type: 'number', minimum: 0 } as const;
const nullableNonNeg = { type: ['number', 'null'], minimum: 0 } as const;

const target = {
  oneOf: [
    {
      type: 'object',
      required: ['kind', 'id'],
      properties: { kind: { const: 'record' }, id: str, file: str },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['kind', 'path'],
      properties: { kind: { const: 'file' }, path: str },
      additionalProperties: false,
    },
  ],
} as const;

function obj(properties: Record<string, unknown>, optional: readonly string[] = []): Record<string, unknown> {
  return {
    type: 'object',
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
    additionalProperties: false,
  };
}

const totals = obj({
  planned: nonNegInt,
  deleted: nonNegInt,
  alreadyGone: nonNegInt,
  failed: nonNegInt,
  skipped: nonNegInt,
  rejected: nonNegInt,
  records: nonNegInt,
  files: nonNegInt,
  bytesFreed: nonNeg,
});

/** JSON Schema of each event's `data`, so a journal validates what it reads back. */
export const EVENT_DATA_SCHEMAS: Readonly<Record<EventType, Record<string, unknown>>> = {
  RunStarted: obj({
    trigger: str,
    dryRun: { type: 'boolean' },
    policies: { type: 'array', items: str },
    retentionHours: { type: ['number', 'null'] },
  }),
  StorageMeasured: obj({
    stage: str,
    usedBytes: nonNeg,
    limitBytes: nullableNonNeg,
    originUsageBytes: nullableNonNeg,
    quotaBytes: nullableNonNeg,
  }),
  EntryRejected: obj({ id: str, reason: str }),
  PolicySuspended: obj({ policy: str, reason: str }),
  PolicyFailed: obj({ policy: str, code: str, message: str }),
  StoreFailed: obj({ operation: str, code: str, message: str }),
  EmergencyTriggered: obj({ policy: str, usedBytes: nonNeg, targetBytes: nonNeg, reason: str }),
  DeletionPlanned: obj({ policy: str, target, reason: str, bytes: nonNeg }),
  ItemDeleted: obj({
    policy: str,
    target,
    reason: str,
    records: nonNegInt,
    files: nonNegInt,
    bytesFreed: nonNeg,
    recovered: { type: 'boolean' },
  }),
  ItemAlreadyGone: obj({ policy: str, target, reason: str, recovered: { type: 'boolean' } }),
  DeletionFailed: obj({ policy: str, target, code: str, message: str, path: { type: ['string', 'null'] } }),
  DeletionSkipped: obj({ policy: str, target, reason: str, detail: { type: ['string', 'null'] } }),
  RunCompleted: obj(
    {
      outcome: { enum: ['success', 'partial', 'noop', 'error'] },
      trigger: str,
      dryRun: { type: 'boolean' },
      startedAt: str,
      durationMs: nonNeg,
      totals,
      storageSize: nullableNonNeg,
      storageLimit: nullableNonNeg,
      emergency: {
        oneOf: [
          { type: 'null' },
          obj({ policy: str, usedBytes: nonNeg, targetBytes: nonNeg, freedBytes: nonNeg, shortfallBytes: nonNeg }),
        ],
      },
      policies: {
        type: 'array',
        items: obj({ name: str, status: { enum: ['ran', 'suspended', 'failed', 'cancelled'] } }),
      },
      error: obj({ code: str, message: str }),
    },
    ['error'],
  ),
  JournalCompacted: obj({ snapshot: { type: 'object' }, throughSeq: nonNegInt }),
};

/** The form of an event's `at`: an ISO-8601 UTC time with `Z` (SPEC §2). */
export const ISO_UTC_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$';

/** JSON Schema of a whole event envelope of one type. */
export function eventSchema(type: EventType): Record<string, unknown> {
  return obj(
    {
      type: { const: type },
      v: { type: 'integer', minimum: 1 },
      seq: { type: 'integer', minimum: 1 },
      at: { type: 'string', pattern: ISO_UTC_PATTERN },
      runId: str,
      data: EVENT_DATA_SCHEMAS[type],
    },
    ['runId'],
  );
}

/** The result of checking one untrusted value against the event schemas. */
export type EventCheck = { readonly ok: true; readonly event: DomainEvent } | { readonly ok: false; readonly reason: string };

/**
 * The validator of each event type, compiled ahead of time (`npm run validators` writes
 * event-validators.generated.ts from {@link eventSchema}; a test holds it to the schemas):
 * compiling them when a process starts cost the CLI ~150–250 ms, ajv's meta-schema included.
 */
const VALIDATORS = generated as unknown as Readonly<Partial<Record<string, ValidateFunction>>>;
const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

function validatorOf(type: string): ValidateFunction | undefined {
  return KNOWN_TYPES.has(type) ? VALIDATORS[type] : undefined;
}

/**
 * Checks an untrusted value (a parsed journal line) against the event schemas. A foreign or
 * corrupt value is reported with the reason; it is never trusted.
 */
export function checkEvent(value: unknown): EventCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  const validate = typeof type === 'string' ? validatorOf(type) : undefined;
  if (validate === undefined) return { ok: false, reason: `unknown event type ${JSON.stringify(type)}` };
  if (!validate(value)) return { ok: false, reason: formatAjvErrors(validate.errors).join('; ') };
  return { ok: true, event: value as DomainEvent };
}
