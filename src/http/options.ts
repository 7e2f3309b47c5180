import type { Registry } from 'prom-client';
import type { CleanupService } from '../node/cleanup-service.js';
import type { BearerAuthOptions } from './auth.js';
import type { ScheduleController, ScheduleControllerOptions } from './schedule-controller.js';

/** One rate-limit bucket: at most `max` requests per `timeWindow` per client. */
export interface RateLimitBucket {
  readonly max: number;
  /** Milliseconds, or a string such as `'1 minute'`. */
  readonly timeWindow: number | string;
}

/** Rate limiting of the cleanup routes (@fastify/rate-limit, in the plugin's own scope). */
export interface RateLimitSettings {
  /** GET routes (metrics, status, events, Prometheus, OpenAPI). Default 120 per minute. */
  readonly read?: RateLimitBucket;
  /** POST routes (manual runs, schedule start and stop). Default 10 per minute. */
  readonly write?: RateLimitBucket;
  /** Identifies a client. Default: the request IP (set the host's `trustProxy` behind a proxy). */
  readonly keyGenerator?: (request: import('fastify').FastifyRequest) => string | number | Promise<string | number>;
  /** Client keys (IPs by default) that are never limited. */
  readonly allowList?: readonly string[];
}

/** Options of the `cleanupRoutes` Fastify plugin. */
export interface CleanupRoutesOptions {
  /** The cleanup service the routes drive. The host owns it: the plugin never closes it. */
  readonly service: CleanupService;
  /**
   * Where the routes live. Fastify's own `prefix` register option; when left out the routes go
   * under `/api/cleanup`. Pass `''` to mount them at the host's root.
   */
  readonly prefix?: string;
  /** A bearer token (or options) that every route then requires. Default: none. */
  readonly auth?: string | BearerAuthOptions | null;
  /** Rate limits, or `false` to leave limiting to the host. Default: 120/min reads, 10/min writes. */
  readonly rateLimit?: RateLimitSettings | false;
  /**
   * The schedule the `/schedule/*` routes control. Pass the server's own controller so the
   * routes see the schedule it started; by default the plugin makes one and stops it on close.
   */
  readonly schedule?: ScheduleController;
  /** Options of the schedule the plugin makes (ignored when `schedule` is given). */
  readonly scheduleOptions?: ScheduleControllerOptions;
  /** Server-sent events, or `false` to leave `/events` out. */
  readonly events?:
    | false
    | {
        /** Milliseconds between heartbeat comments. Default 15,000. */
        readonly heartbeatMs?: number;
        /** Reconnect delay sent to clients. Default 2,000 ms. */
        readonly retryMs?: number;
        /** Open streams at most; beyond it `/events` answers 503. Default 100. */
        readonly maxClients?: number;
        /** A client further behind than this many bytes is cut off (it resumes). Default 8 MiB. */
        readonly maxBufferedBytes?: number;
      };
  /** Prometheus exposition, or `false` to leave it out. Default: `GET <prefix>/prometheus`. */
  readonly prometheus?:
    | false
    | {
        /** Route path under the prefix. Default `/prometheus`. */
        readonly path?: string;
        /** The registry to fill; default a new one for this plugin instance. */
        readonly registry?: Registry;
        /** Also export prom-client's process metrics. Default false. */
        readonly defaultMetrics?: boolean;
      };
  /** Serve `GET <prefix>/openapi.json`. Default true. */
  readonly openapi?: boolean;
  /** Largest request body in bytes. Default 1,024 (the routes take at most `{"dry_run":true}`). */
  readonly bodyLimit?: number;
}

/** Default rate limits. */
export const DEFAULT_RATE_LIMITS = {
  read: { max: 120, timeWindow: 60_000 },
  write: { max: 10, timeWindow: 60_000 },
} as const satisfies Required<Pick<RateLimitSettings, 'read' | 'write'>>;

/** Default prefix of the routes. */
export const DEFAULT_PREFIX = '/api/cleanup';
