import rateLimitPlugin from '@fastify/rate-limit';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ReclaimError, type FieldProblem } from '../kernel/index.js';
import type { CleanupService } from '../node/cleanup-service.js';
import { openEventStream, parseLastEventId, type EventStream } from '../transports/sse/index.js';
import { createPrometheusExporter } from '../transports/prometheus/index.js';
import { bearerAuthHook, type BearerAuthOptions } from './auth.js';
import { errorBody, handleHttpError } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import { DEFAULT_PREFIX, DEFAULT_RATE_LIMITS, type CleanupRoutesOptions, type RateLimitBucket } from './options.js';
import { routeTable, type RouteSpec } from './route-table.js';
import { createScheduleController, type ScheduleController } from './schedule-controller.js';
import { createRequestValidator } from './validator.js';
import { metricsBody, resultBody } from './snake-case.js';

const DEFAULT_BODY_LIMIT = 1024;
const DEFAULT_MAX_SSE_CLIENTS = 100;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/**
 * The cleanup API as a Fastify plugin (SPEC §6): `POST /manual`, `GET /metrics`,
 * `POST /schedule/start`, `POST /schedule/stop`, `GET /schedule/status`, plus `GET /events`
 * (server-sent events, resumable), `GET /prometheus` and `GET /openapi.json`, under
 * `/api/cleanup` unless a `prefix` is given. Every route is rate limited and, when `auth` is
 * set, needs the bearer token. The plugin is encapsulated: its limiter, token check, parsers and
 * error handler apply to its own routes only, never to the host's.
 *
 * @example
 * const app = Fastify();
 * await app.register(cleanupRoutes, { service, auth: process.env.RECLAIM_API_TOKEN });
 * await app.listen({ port: 8080 });
 */
export const cleanupRoutes: FastifyPluginAsync<CleanupRoutesOptions> = async (app, options) => {
  assertRouteOptions(options);
  if (options.prefix === undefined) {
    await app.register(registerRoutes, { ...options, prefix: DEFAULT_PREFIX });
  } else {
    await registerRoutes(app, options);
  }
};

async function registerRoutes(app: FastifyInstance, options: CleanupRoutesOptions): Promise<void> {
  const { service } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const limits = options.rateLimit === false ? null : { ...DEFAULT_RATE_LIMITS, ...options.rateLimit };
  const auth = normaliseAuth(options.auth);
  const eventsOptions = options.events === false ? null : (options.events ?? {});
  const promOptions = options.prometheus === false ? null : (options.prometheus ?? {});
  const routes = routeTable({
    events: eventsOptions !== null,
    prometheus: promOptions !== null,
    ...(promOptions?.path === undefined ? {} : { prometheusPath: promOptions.path }),
    openapi: options.openapi !== false,
  });

  const ownsSchedule = options.schedule === undefined;
  const schedule: ScheduleController =
    options.schedule ??
    createScheduleController(service, {
      onError: (error) => app.log.error({ err: error }, 'scheduled cleanup failed'),
      ...options.scheduleOptions,
    });

  if (limits !== null) {
    await app.register(rateLimitPlugin, {
      global: false,
      ...(limits.keyGenerator === undefined ? {} : { keyGenerator: limits.keyGenerator }),
      ...(limits.allowList === undefined ? {} : { allowList: [...limits.allowList] }),
    });
  }
  // Registered after the limiter's own onRoute hook, so a client guessing tokens is limited too.
  if (auth !== null) {
    const requireToken = bearerAuthHook(auth);
    app.addHook('onRoute', (route: RouteOptions) => {
      route.onRequest = [...toArray(route.onRequest), requireToken] as RouteOptions['onRequest'];
    });
  }

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, parseJsonBody);
  app.setErrorHandler(handleHttpError);
  app.setValidatorCompiler(createRequestValidator());

  const rateConfig = (bucket: RateLimitBucket | null) => (bucket === null ? {} : { config: { rateLimit: { ...bucket } } });
  const bucketOf = (route: Pick<RouteSpec, 'kind'>) => (limits === null ? null : route.kind === 'write' ? limits.write : limits.read);

  const streams = new Set<EventStream>();
  const exporter =
    promOptions === null
      ? null
      : createPrometheusExporter(service.kernel, {
          storageLimitBytes: service.options.maxStorageMB * 1_048_576,
          ...(promOptions.registry === undefined ? {} : { registry: promOptions.registry }),
          ...(promOptions.defaultMetrics === undefined ? {} : { defaultMetrics: promOptions.defaultMetrics }),
        });

  const handlers: Record<RouteSpec['id'], (request: FastifyRequest, reply: FastifyReply) => unknown> = {
    manual: async (request, reply) => {
      const query = request.query as { dry_run?: boolean };
      const body = request.body as { dry_run?: boolean } | null | undefined;
      // Either place asking for a dry run makes it one: never delete when a caller said not to.
      const dryRun = query.dry_run === true || body?.dry_run === true;
      const result = await service.runCleanup({ dryRun });
      const payload = { result: resultBody(result), metrics: metricsBody(service.getMetrics()) };
      if (result.success) return { status: 'success', ...payload };
      return reply.code(500).send({
        ...errorBody('RECLAIM_HTTP_RUN_FAILED', `The cleanup run ended with outcome "${result.outcome}": ${result.error ?? 'see result'}`),
        ...payload,
      });
    },
    metrics: async () => ({ status: 'success', metrics: metricsBody(service.getMetrics()) }),
    scheduleStart: async (request) => {
      const { interval_hours: hours } = request.query as { interval_hours: number };
      const outcome = await schedule.start(hours);
      if (outcome.status === 'already_running') {
        return {
          status: 'already_running',
          message: `Scheduled cleanup already runs every ${outcome.intervalHours} hour(s); stop it first to change the interval.`,
        };
      }
      return { status: 'success', message: `Scheduled cleanup started: every ${hours} hour(s).` };
    },
    scheduleStop: async () =>
      (await schedule.stop()) === 'stopped'
        ? { status: 'success', message: 'Scheduled cleanup stopped; a run in progress ends on its own.' }
        : { status: 'not_running', message: 'No scheduled cleanup was running.' },
    scheduleStatus: async () => {
      const status = schedule.status();
      return { status: 'success', scheduled: status.scheduled, interval_hours: status.intervalHours };
    },
    events: async (request, reply) => {
      const max = (eventsOptions !== null && eventsOptions.maxClients) || DEFAULT_MAX_SSE_CLIENTS;
      if (streams.size >= max) {
        reply.header('retry-after', '10');
        return reply.code(503).send(errorBody('RECLAIM_HTTP_UNAVAILABLE', `Too many event streams open (${max}); retry later.`));
      }
      const query = request.query as { last_event_id?: number; types?: string };
      const fromHeader = parseLastEventId(request.headers['last-event-id']);
      const lastEventId = fromHeader ?? query.last_event_id ?? null;
      reply.hijack();
      const stream = openEventStream(reply.raw, service, {
        lastEventId,
        types: query.types === undefined ? null : new Set(query.types.split(',')),
        headers: reply.getHeaders() as Record<string, string | number | string[]>,
        ...(eventsOptions?.heartbeatMs === undefined ? {} : { heartbeatMs: eventsOptions.heartbeatMs }),
        ...(eventsOptions?.retryMs === undefined ? {} : { retryMs: eventsOptions.retryMs }),
        ...(eventsOptions?.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: eventsOptions.maxBufferedBytes }),
      });
      streams.add(stream);
      void stream.closed.then(() => streams.delete(stream));
      return reply;
    },
    prometheus: async (_request, reply) => {
      const text = await (exporter as NonNullable<typeof exporter>).metrics();
      return reply.type((exporter as NonNullable<typeof exporter>).contentType).send(text);
    },
    openapi: async () =>
      openApiDocument({
        prefix: app.prefix,
        auth: auth !== null,
        events: eventsOptions !== null,
        prometheus: promOptions !== null,
        ...(promOptions?.path === undefined ? {} : { prometheusPath: promOptions.path }),
      }),
  };

  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      schema: route.schema,
      bodyLimit,
      // An event stream never ends, so a HEAD derived from it would hang.
      exposeHeadRoute: route.id !== 'events',
      ...rateConfig(bucketOf(route)),
      handler: handlers[route.id] as RouteOptions['handler'],
    });
  }
  registerMethodNotAllowed(app, routes, rateConfig(bucketOf({ kind: 'read' })), bodyLimit);
  if (app.prefix !== '') {
    const limiter = limits === null ? undefined : app.rateLimit({ ...limits.read });
    app.setNotFoundHandler(limiter === undefined ? {} : { preHandler: limiter }, (request, reply) => {
      void reply.code(404).send(
        errorBody(
          'RECLAIM_HTTP_NOT_FOUND',
          `No route ${request.method} ${request.url.split('?')[0]}; the cleanup routes are ${routes.map((r) => `${r.method} ${app.prefix}${r.path}`).join(', ')}.`,
        ),
      );
    });
  }

  // Open event streams would keep the server from closing: end them first.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.close();
  });
  app.addHook('onClose', async () => {
    exporter?.close();
    if (ownsSchedule) await schedule.close();
  });
}

function registerMethodNotAllowed(app: FastifyInstance, routes: readonly RouteSpec[], rate: object, bodyLimit: number): void {
  const allowed = new Map<string, Set<string>>();
  for (const route of routes) {
    const set = allowed.get(route.path) ?? new Set<string>();
    set.add(route.method);
    if (route.method === 'GET' && route.id !== 'events') set.add('HEAD');
    allowed.set(route.path, set);
  }
  for (const [path, methods] of allowed) {
    const others = METHODS.filter((m) => !methods.has(m));
    const allow = [...methods].join(', ');
    app.route({
      method: others,
      url: path,
      bodyLimit,
      exposeHeadRoute: false,
      ...rate,
      handler: async (request, reply) =>
        reply
          .code(405)
          .header('allow', allow)
          .send(errorBody('RECLAIM_HTTP_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${app.prefix}${path}; use ${allow}.`)),
    });
  }
}

function parseJsonBody(_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void): void {
  const text = body.toString().trim();
  // Clients that send `Content-Type: application/json` with no body mean "no options".
  if (text === '') return done(null, null);
  try {
    done(null, JSON.parse(text));
  } catch (error) {
    const failure = new Error(`The body is not valid JSON (${(error as Error).message}); send {"dry_run": true} or nothing.`) as Error & {
      statusCode: number;
    };
    failure.statusCode = 400;
    done(failure);
  }
}

function toArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

function normaliseAuth(auth: CleanupRoutesOptions['auth']): BearerAuthOptions | null {
  if (auth === undefined || auth === null) return null;
  return typeof auth === 'string' ? { token: auth } : auth;
}

/** Refuses options that would silently leave the API unprotected or broken. */
function assertRouteOptions(options: CleanupRoutesOptions): void {
  const fields: FieldProblem[] = [];
  const service = options?.service as CleanupService | undefined;
  if (service === undefined || typeof service.runCleanup !== 'function') {
    fields.push({ field: 'service', problem: 'is missing', fix: 'pass the CleanupService the routes drive' });
  }
  const token = options?.auth === undefined || options.auth === null ? null : typeof options.auth === 'string' ? options.auth : options.auth.token;
  if (token !== null && (typeof token !== 'string' || token.length < 16 || /\s/.test(token))) {
    fields.push({
      field: 'auth',
      problem: 'the bearer token is shorter than 16 characters or contains whitespace',
      fix: 'use a long random token, e.g. `openssl rand -hex 32`',
    });
  }
  if (options?.rateLimit !== false && options?.rateLimit !== undefined) {
    for (const name of ['read', 'write'] as const) {
      const bucket = options.rateLimit[name];
      if (bucket === undefined) continue;
      if (!Number.isInteger(bucket.max) || bucket.max < 1) {
        fields.push({ field: `rateLimit.${name}.max`, problem: `is ${String(bucket.max)}`, fix: 'use a whole number of requests above 0' });
      }
    }
  }
  if (options?.bodyLimit !== undefined && (!Number.isInteger(options.bodyLimit) || options.bodyLimit < 64)) {
    fields.push({ field: 'bodyLimit', problem: `is ${String(options.bodyLimit)}`, fix: 'use a whole number of bytes, at least 64' });
  }
  if (fields.length > 0) {
    const lines = fields.map((f) => `  - ${f.field}: ${f.problem}; ${f.fix}`);
    throw new ReclaimError('RECLAIM_INVALID_CONFIG', `Invalid cleanupRoutes options:\n${lines.join('\n')}`, { fields });
  }
}
