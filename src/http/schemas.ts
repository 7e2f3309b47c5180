/**
 * JSON Schemas of every request and response of the cleanup API. Fastify validates requests and
 * serializes responses with them, and `openApiDocument()` publishes the same objects, so the
 * documentation cannot drift from what the routes do.
 */

/** A JSON Schema object as used here (plain data). */
export type Schema = Readonly<Record<string, unknown>>;

const nullableNumber = { type: ['number', 'null'] } as const;
const nullableString = { type: ['string', 'null'] } as const;

/** The most hours a schedule interval may have over HTTP (one year). */
export const MAX_INTERVAL_HOURS = 8760;

/** Every error body: `status: "error"`, a stable catalogue code and a message naming the culprit. */
export const errorBodySchema: Schema = {
  type: 'object',
  required: ['status', 'code', 'message'],
  properties: {
    status: { type: 'string', const: 'error' },
    code: { type: 'string', description: 'A stable code from the reclaim error catalogue, e.g. RECLAIM_HTTP_BAD_REQUEST.' },
    message: { type: 'string' },
    fields: {
      type: 'array',
      description: 'For bad input: each offending field, what is wrong and how to fix it.',
      items: {
        type: 'object',
        required: ['field', 'problem', 'fix'],
        properties: { field: { type: 'string' }, problem: { type: 'string' }, fix: { type: 'string' } },
      },
    },
  },
};

/** Server metrics in the original snake_case shape. */
export const metricsSchema: Schema = {
  type: 'object',
  required: [
    'tokens_cleaned',
    'files_cleaned',
    'bytes_freed',
    'errors',
    'last_cleanup',
    'last_error',
    'storage_size',
    'storage_limit',
    'retention_hours',
  ],
  properties: {
    tokens_cleaned: { type: 'integer', minimum: 0 },
    files_cleaned: { type: 'integer', minimum: 0 },
    bytes_freed: { type: 'integer', minimum: 0 },
    errors: { type: 'integer', minimum: 0 },
    last_cleanup: { ...nullableString, description: 'ISO-8601 UTC time the last real run ended.' },
    last_error: nullableString,
    storage_size: { ...nullableNumber, description: 'Bytes under the storage root at the last measurement.' },
    storage_limit: { ...nullableNumber, description: 'The storage limit in bytes (maxStorageMB × 1,048,576).' },
    retention_hours: nullableNumber,
  },
};

const totalsSchema: Schema = {
  type: 'object',
  required: ['planned', 'deleted', 'already_gone', 'failed', 'skipped', 'rejected', 'records', 'files', 'bytes_freed'],
  properties: {
    planned: { type: 'integer' },
    deleted: { type: 'integer' },
    already_gone: { type: 'integer' },
    failed: { type: 'integer' },
    skipped: { type: 'integer' },
    rejected: { type: 'integer' },
    records: { type: 'integer' },
    files: { type: 'integer' },
    bytes_freed: { type: 'integer' },
  },
};

const emergencySchema: Schema = {
  type: ['object', 'null'],
  required: ['policy', 'used_bytes', 'target_bytes', 'freed_bytes', 'shortfall_bytes'],
  properties: {
    policy: { type: 'string' },
    used_bytes: { type: 'number' },
    target_bytes: { type: 'number' },
    freed_bytes: { type: 'number' },
    shortfall_bytes: { type: 'number' },
  },
};

/** One run's result: the original fields first, then the run's summary. */
export const resultSchema: Schema = {
  type: 'object',
  required: [
    'tokens_cleaned',
    'files_cleaned',
    'bytes_freed',
    'storage_size',
    'success',
    'outcome',
    'run_id',
    'dry_run',
    'trigger',
    'started_at',
    'duration_ms',
    'storage_limit',
    'totals',
    'emergency',
    'policies',
  ],
  properties: {
    tokens_cleaned: { type: 'integer' },
    files_cleaned: { type: 'integer' },
    bytes_freed: { type: 'integer' },
    storage_size: nullableNumber,
    success: { type: 'boolean', description: 'True when the outcome is success or noop.' },
    error: { type: 'string', description: 'The first error, when success is false.' },
    error_code: { type: 'string' },
    outcome: { type: 'string', enum: ['success', 'partial', 'noop', 'error'] },
    run_id: { type: 'string' },
    dry_run: { type: 'boolean' },
    trigger: { type: 'string' },
    started_at: { type: 'string' },
    duration_ms: { type: 'number' },
    storage_limit: nullableNumber,
    totals: totalsSchema,
    emergency: emergencySchema,
    policies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'status'],
        properties: { name: { type: 'string' }, status: { type: 'string', enum: ['ran', 'suspended', 'failed'] } },
      },
    },
  },
};

/** `POST /manual` */
export const manualSchema = {
  summary: 'Run a cleanup now',
  description:
    'Runs expiry, orphan and emergency cleanup. A call during a run joins it and gets its result. ' +
    'A run that ends with errors answers 500 with status "error" and the same result and metrics.',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { dry_run: { type: 'boolean', default: false, description: 'Plan and report, delete nothing.' } },
  },
  body: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { dry_run: { type: 'boolean' } },
  },
  response: {
    200: {
      type: 'object',
      required: ['status', 'result', 'metrics'],
      properties: { status: { type: 'string', const: 'success' }, result: resultSchema, metrics: metricsSchema },
    },
    500: {
      type: 'object',
      required: ['status', 'code', 'message'],
      properties: {
        ...(errorBodySchema.properties as object),
        result: resultSchema,
        metrics: metricsSchema,
      },
    },
  },
} as const;

/** `GET /metrics` */
export const metricsRouteSchema = {
  summary: 'Cumulative cleanup metrics',
  description: 'Rebuilt from the journal at start, so they survive restarts.',
  response: {
    200: {
      type: 'object',
      required: ['status', 'metrics'],
      properties: { status: { type: 'string', const: 'success' }, metrics: metricsSchema },
    },
  },
} as const;

/** `POST /schedule/start` */
export const scheduleStartSchema = {
  summary: 'Start scheduled cleanup',
  description: 'Runs once now, then every interval_hours. Answers already_running when a schedule runs.',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      interval_hours: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: MAX_INTERVAL_HOURS,
        default: 1,
        description: `Hours between runs: above 0 and at most ${MAX_INTERVAL_HOURS}. Default 1.0.`,
      },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['status'],
      properties: {
        status: { type: 'string', enum: ['success', 'already_running'] },
        message: { type: 'string' },
      },
    },
  },
} as const;

/** `POST /schedule/stop` */
export const scheduleStopSchema = {
  summary: 'Stop scheduled cleanup',
  description: 'Stops future runs; a run in progress ends on its own.',
  response: {
    200: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['success', 'not_running'] }, message: { type: 'string' } },
    },
  },
} as const;

/** `GET /schedule/status` */
export const scheduleStatusSchema = {
  summary: 'Schedule status',
  response: {
    200: {
      type: 'object',
      required: ['status', 'scheduled', 'interval_hours'],
      properties: {
        status: { type: 'string', const: 'success' },
        scheduled: { type: 'boolean' },
        interval_hours: nullableNumber,
      },
    },
  },
} as const;

/** `GET /events` (server-sent events) */
export const eventsSchema = {
  summary: 'Live domain events (server-sent events)',
  description:
    'Each event has its journal seq as id and the event JSON as data. Send Last-Event-ID (or ' +
    'last_event_id) to resume: missed events are replayed from the journal, then live ones follow, ' +
    'none twice. Heartbeat comments every few seconds keep proxies open.',
  headers: {
    type: 'object',
    properties: {
      'last-event-id': { type: 'string', pattern: '^\\s*\\d{0,15}\\s*$', description: 'The last seq the client saw.' },
    },
  },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      last_event_id: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'As Last-Event-ID, for a first connect.' },
      types: {
        type: 'string',
        maxLength: 1024,
        pattern: '^[A-Za-z]+(,[A-Za-z]+)*$',
        description: 'Comma-separated event types to send, e.g. RunStarted,RunCompleted.',
      },
    },
  },
} as const;

/** `GET /prometheus` */
export const prometheusSchema = {
  summary: 'Prometheus metrics (text exposition format 0.0.4)',
} as const;

/** `GET /openapi.json` */
export const openApiRouteSchema = {
  summary: 'This API as an OpenAPI 3.1 document',
} as const;
