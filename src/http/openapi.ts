import { routeTable, type RouteTableOptions } from './route-table.js';
import { DEFAULT_PREFIX } from './options.js';
import type { Schema } from './schemas.js';

/** Options of {@link openApiDocument}. */
export interface OpenApiOptions extends RouteTableOptions {
  /** The routes' prefix. Default `/api/cleanup`. */
  readonly prefix?: string;
  /** Document the bearer-token requirement. Default false. */
  readonly auth?: boolean;
  readonly title?: string;
  readonly version?: string;
  /** Base URLs of servers, e.g. `http://127.0.0.1:8080`. */
  readonly servers?: readonly string[];
}

type Responses = Record<string, { description: string; content?: Record<string, { schema: Schema }>; headers?: Record<string, unknown> }>;

const STATUS_TEXT: Record<string, string> = {
  200: 'Success',
  400: 'Bad input: the message names the field and the fix',
  401: 'Missing or wrong bearer token',
  429: 'Too many requests: retry after Retry-After seconds',
  500: 'The run ended with errors',
  503: 'Shutting down, or too many event streams',
};

function operationId(id: string): string {
  return `cleanup${id[0]?.toUpperCase() ?? ''}${id.slice(1)}`;
}

function parameters(schema: Schema, where: 'querystring' | 'headers'): unknown[] {
  const part = schema[where] as { properties?: Record<string, Schema>; required?: string[] } | undefined;
  if (part?.properties === undefined) return [];
  return Object.entries(part.properties).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name: where === 'headers' ? name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()) : name,
      in: where === 'headers' ? 'header' : 'query',
      required: part.required?.includes(name) ?? false,
      ...(description === undefined ? {} : { description }),
      schema: rest,
    };
  });
}

/**
 * The cleanup API as an OpenAPI 3.1 document, written from the very schemas the routes validate
 * and serialize with (OpenAPI 3.1 takes JSON Schema as is).
 *
 * @example
 * writeFileSync('openapi.json', JSON.stringify(openApiDocument({ auth: true }), null, 2));
 */
export function openApiDocument(options: OpenApiOptions = {}): Record<string, unknown> {
  const prefix = (options.prefix ?? DEFAULT_PREFIX).replace(/\/$/, '');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routeTable(options)) {
    const responses: Responses = {};
    for (const [status, schema] of Object.entries(route.schema.response ?? {})) {
      responses[status] = {
        description: STATUS_TEXT[status] ?? 'Response',
        content: { 'application/json': { schema } },
        ...(status === '429' ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } } } : {}),
        ...(status === '401' ? { headers: { 'WWW-Authenticate': { schema: { type: 'string' } } } } : {}),
      };
    }
    if (route.produces !== undefined) {
      responses['200'] = { description: STATUS_TEXT['200'] as string, content: { [route.produces]: { schema: { type: 'string' } } } };
    } else if (responses['200'] === undefined) {
      responses['200'] = { description: STATUS_TEXT['200'] as string, content: { 'application/json': { schema: { type: 'object' } } } };
    }
    if (options.auth !== true) delete responses['401'];
    const { summary, description, body } = route.schema as { summary: string; description?: string; body?: Schema };
    paths[`${prefix}${route.path}`] = {
      ...paths[`${prefix}${route.path}`],
      [route.method.toLowerCase()]: {
        operationId: operationId(route.id),
        summary,
        ...(description === undefined ? {} : { description }),
        tags: ['cleanup'],
        parameters: [...parameters(route.schema, 'querystring'), ...parameters(route.schema, 'headers')],
        ...(body === undefined ? {} : { requestBody: { required: false, content: { 'application/json': { schema: body } } } }),
        responses,
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'reclaim cleanup API',
      version: options.version ?? '1.0.0',
      description: 'Cleanup of recovery tokens and files: manual runs, metrics, schedule, live events, Prometheus.',
    },
    ...(options.servers === undefined ? {} : { servers: options.servers.map((url) => ({ url })) }),
    paths,
    ...(options.auth === true
      ? { components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } }, security: [{ bearerAuth: [] }] }
      : {}),
  };
}
