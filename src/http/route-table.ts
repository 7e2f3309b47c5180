import {
  errorBodySchema,
  eventsSchema,
  manualSchema,
  metricsRouteSchema,
  openApiRouteSchema,
  prometheusSchema,
  scheduleStartSchema,
  scheduleStatusSchema,
  scheduleStopSchema,
  type Schema,
} from './schemas.js';

/** Which bucket of the rate limiter a route draws on. */
export type RouteKind = 'read' | 'write';

/** One route of the cleanup API, as the plugin registers it and the OpenAPI document lists it. */
export interface RouteSpec {
  readonly id: 'manual' | 'metrics' | 'scheduleStart' | 'scheduleStop' | 'scheduleStatus' | 'events' | 'prometheus' | 'openapi';
  readonly method: 'GET' | 'POST';
  /** Path under the prefix. */
  readonly path: string;
  readonly kind: RouteKind;
  readonly schema: Schema & { readonly summary: string; readonly response?: Readonly<Record<string, Schema>> };
  /** The success body's media type when it is not JSON. */
  readonly produces?: string;
}

/** Error responses every route can give, plus 400 where the route takes input. */
function withErrors(schema: { readonly summary: string }, takesInput: boolean): RouteSpec['schema'] {
  const own = (schema as { response?: Record<string, Schema> }).response;
  return {
    ...schema,
    response: {
      ...own,
      ...(takesInput ? { 400: errorBodySchema } : {}),
      401: errorBodySchema,
      429: errorBodySchema,
      503: errorBodySchema,
    },
  };
}

/** Route options that turn the optional routes on or off and move Prometheus. */
export interface RouteTableOptions {
  readonly events?: boolean;
  readonly prometheus?: boolean;
  readonly prometheusPath?: string;
  readonly openapi?: boolean;
}

/** The routes of the cleanup API, in the order the documentation lists them. */
export function routeTable(options: RouteTableOptions = {}): readonly RouteSpec[] {
  const routes: RouteSpec[] = [
    { id: 'manual', method: 'POST', path: '/manual', kind: 'write', schema: withErrors(manualSchema, true) },
    { id: 'metrics', method: 'GET', path: '/metrics', kind: 'read', schema: withErrors(metricsRouteSchema, false) },
    { id: 'scheduleStart', method: 'POST', path: '/schedule/start', kind: 'write', schema: withErrors(scheduleStartSchema, true) },
    { id: 'scheduleStop', method: 'POST', path: '/schedule/stop', kind: 'write', schema: withErrors(scheduleStopSchema, false) },
    { id: 'scheduleStatus', method: 'GET', path: '/schedule/status', kind: 'read', schema: withErrors(scheduleStatusSchema, false) },
  ];
  if (options.events !== false) {
    routes.push({ id: 'events', method: 'GET', path: '/events', kind: 'read', schema: withErrors(eventsSchema, true), produces: 'text/event-stream' });
  }
  if (options.prometheus !== false) {
    routes.push({
      id: 'prometheus',
      method: 'GET',
      path: options.prometheusPath ?? '/prometheus',
      kind: 'read',
      schema: withErrors(prometheusSchema, false),
      produces: 'text/plain; version=0.0.4',
    });
  }
  if (options.openapi !== false) {
    routes.push({ id: 'openapi', method: 'GET', path: '/openapi.json', kind: 'read', schema: withErrors(openApiRouteSchema, false) });
  }
  return routes;
}
