import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isReclaimError, type ErrorCode, type FieldProblem } from '../kernel/index.js';

/** The body of every error answer. */
export interface ErrorBody {
  readonly status: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly fields?: readonly FieldProblem[];
}

/** Builds an error body. */
export function errorBody(code: ErrorCode, message: string, fields?: readonly FieldProblem[]): ErrorBody {
  return { status: 'error', code, message, ...(fields === undefined || fields.length === 0 ? {} : { fields }) };
}

const FIXES: Record<string, string> = {
  interval_hours: 'pass hours between runs as a number above 0, e.g. interval_hours=1.0',
  dry_run: 'pass true or false',
  last_event_id: 'pass the id (seq) of the last event you received, a whole number',
  'last-event-id': 'send the id (seq) of the last event you received, a whole number',
  types: 'pass event type names separated by commas, e.g. RunStarted,RunCompleted',
};

/** Turns Fastify's (ajv) validation errors into field problems whose names are the request's. */
export function validationFields(error: FastifyError): FieldProblem[] {
  return (error.validation ?? []).map((issue) => {
    const params = issue.params as { missingProperty?: string; additionalProperty?: string };
    const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    const leaf = params.missingProperty ?? params.additionalProperty;
    const field = leaf === undefined ? path || (error.validationContext ?? 'request') : path === '' ? leaf : `${path}.${leaf}`;
    if (params.additionalProperty !== undefined) {
      return { field, problem: 'is not a known parameter', fix: 'remove it or check its spelling (see GET openapi.json)' };
    }
    return { field, problem: issue.message ?? 'is invalid', fix: FIXES[field] ?? 'see the API schema (GET openapi.json)' };
  });
}

/**
 * The plugin's error handler: bad input is 400 naming the field, rate limiting 429 (the limiter
 * already set `Retry-After`), a closed service 503, anything unexpected 500, all in one shape.
 */
export function handleHttpError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation !== undefined) {
    const fields = validationFields(error);
    const where = error.validationContext ?? 'request';
    const message = `Bad ${where}: ${fields.map((f) => `${f.field} ${f.problem}; ${f.fix}`).join('. ')}`;
    return reply.code(400).send(errorBody('RECLAIM_HTTP_BAD_REQUEST', message, fields));
  }
  if (error.statusCode === 429) {
    return reply.code(429).send(errorBody('RECLAIM_HTTP_RATE_LIMITED', `${error.message}; slow down or raise the limit.`));
  }
  if (isReclaimError(error, 'RECLAIM_INVALID_INTERVAL') || isReclaimError(error, 'RECLAIM_INVALID_CONFIG')) {
    return reply.code(400).send(errorBody('RECLAIM_HTTP_BAD_REQUEST', error.message, error.fields));
  }
  if (isReclaimError(error, 'RECLAIM_KERNEL_CLOSED') || isReclaimError(error, 'RECLAIM_JOURNAL_CLOSED')) {
    reply.header('retry-after', '5');
    return reply.code(503).send(errorBody('RECLAIM_HTTP_UNAVAILABLE', `${error.message} The server is shutting down; retry against a running one.`));
  }
  const status = error.statusCode ?? 500;
  if (status === 415) {
    return reply.code(415).send(errorBody('RECLAIM_HTTP_BAD_REQUEST', `Unsupported content type ${request.headers['content-type'] ?? ''}; send application/json or no body.`));
  }
  if (status >= 400 && status < 500) {
    // Fastify's own client errors: body too large (413), bad media type (415), bad JSON (400).
    return reply.code(status).send(errorBody('RECLAIM_HTTP_BAD_REQUEST', error.message));
  }
  request.log.error({ err: error }, 'reclaim HTTP route failed');
  return reply.code(500).send(errorBody('RECLAIM_HTTP_INTERNAL', `The request failed unexpectedly: ${error.message}`));
}
