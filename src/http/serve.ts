import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { assertInterval } from '../kernel/index.js';
import { createCleanupService } from '../node/index.js';
import type { CleanupService } from '../node/cleanup-service.js';
import type { CleanupServiceOptions } from '../node/options.js';
import type { CleanupRoutesOptions } from './options.js';
import { DEFAULT_PREFIX } from './options.js';
import { cleanupRoutes } from './plugin.js';
import { createScheduleController, type ScheduleController } from './schedule-controller.js';

/** Options of {@link startServer}. */
export interface StartServerOptions extends Omit<CleanupRoutesOptions, 'service' | 'schedule' | 'scheduleOptions'> {
  /** Options of the service to build (SPEC §5). Ignored when `service` is given. */
  readonly serviceOptions?: CleanupServiceOptions;
  /** A service already built; the server then owns it and closes it on shutdown. */
  readonly service?: CleanupService;
  /** Address to listen on. Default `127.0.0.1` (loopback only; use `0.0.0.0` deliberately). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Hours between scheduled runs, or `null` to serve without a schedule. Default 1. */
  readonly intervalHours?: number | null;
  /** Run once at start (the documented server behaviour). Default true. */
  readonly runOnStart?: boolean;
  /** Fastify's logger option. Default: info-level JSON lines on stdout. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Stop gracefully on SIGTERM and SIGINT. Default true. */
  readonly handleSignals?: boolean;
  /**
   * How long shutdown lets HTTP connections finish before cutting them, in ms. A run in
   * progress is cancelled at its next safe point, never cut mid-deletion. Default 30,000.
   */
  readonly shutdownGraceMs?: number;
  /** Called once the server has shut down, with the signal that caused it, if any. */
  readonly onShutdown?: (signal: NodeJS.Signals | null) => void;
}

/** A running server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  readonly service: CleanupService;
  readonly schedule: ScheduleController;
  /** The base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Where the routes live, e.g. `http://127.0.0.1:8080/api/cleanup`. */
  readonly apiUrl: string;
  /** False when a signal stopped the server before it listened. */
  readonly listening: boolean;
  /** Shuts down gracefully (the same steps as on SIGTERM). Idempotent. */
  close(): Promise<void>;
  /** Resolves once the server has shut down, however that was triggered. */
  readonly closed: Promise<void>;
}

const DEFAULT_GRACE_MS = 30_000;

/**
 * Builds the service, a Fastify app with the cleanup routes, starts the scheduler, and listens:
 * what `reclaim serve` runs. On SIGTERM or SIGINT (or `close()`) it shuts down in this order:
 * stop the schedule; close the app (no new requests, event streams ended, requests in flight
 * answered); wait until no run is in progress (a run ends at its own safe point, after its
 * last journaled outcome and token-file commit); close the service, which flushes the journal
 * and releases the token file. A second signal during shutdown exits at once with code 1; the
 * token file stays valid either way because every write of it is atomic.
 *
 * @example
 * const server = await startServer({ serviceOptions: { storagePath: './recovery_storage' }, port: 8080, auth: process.env.RECLAIM_API_TOKEN });
 * console.log(`serving ${server.apiUrl}`);
 * await server.closed;
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const intervalHours = options.intervalHours === undefined ? 1 : options.intervalHours;
  if (intervalHours !== null) assertInterval(intervalHours, 'intervalHours');
  const service = options.service ?? createCleanupService(options.serviceOptions ?? {});
  const app = Fastify({ logger: options.logger ?? { level: 'info' }, return503OnClosing: true });
  const schedule = createScheduleController(service, {
    runOnStart: options.runOnStart ?? true,
    onError: (error) => app.log.error({ err: error }, 'scheduled cleanup failed'),
  });
  let closing: Promise<void> | null = null;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const shutdown = (signal: NodeJS.Signals | null): Promise<void> => {
    closing ??= (async () => {
      app.log.info({ signal }, 'reclaim: shutting down');
      // A run in progress stops at its next safe point: deletions in flight finish and are
      // journaled, the rest are journaled as cancelled, the token file is committed.
      service.kernel.cancel();
      await schedule.stop();
      const grace = setTimeout(() => {
        app.log.warn('reclaim: connections still open after the grace period; closing them');
        app.server.closeAllConnections();
      }, options.shutdownGraceMs ?? DEFAULT_GRACE_MS);
      grace.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(grace);
      }
      await service.kernel.whenIdle();
      await schedule.close();
      await service.close();
      removeSignalHandlers();
      app.log.info('reclaim: stopped; journal flushed');
      options.onShutdown?.(signal);
      resolveClosed();
    })();
    return closing;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing !== null) {
      app.log.warn({ signal }, 'reclaim: second signal during shutdown; exiting now');
      process.exit(1);
    }
    void shutdown(signal).catch((error: unknown) => {
      app.log.error({ err: error }, 'reclaim: shutdown failed');
      process.exitCode = 1;
      resolveClosed();
    });
  };
  const signals: NodeJS.Signals[] = options.handleSignals === false ? [] : ['SIGTERM', 'SIGINT'];
  const removeSignalHandlers = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  for (const signal of signals) process.on(signal, onSignal);

  const { serviceOptions: _s, service: _v, host: _h, port: _p, intervalHours: _i, runOnStart: _r, logger: _l, handleSignals: _g, shutdownGraceMs: _m, onShutdown: _o, ...routeOptions } =
    options;
  // Registered now, so a signal during start-up finds a complete app to close.
  void app.register(cleanupRoutes, { ...routeOptions, service, schedule });
  try {
    // Metrics and interrupted deletions come from the journal: serve only once it is replayed.
    await service.ready;
    if (closing === null) await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
    if (closing === null && intervalHours !== null) await schedule.start(intervalHours);
  } catch (error) {
    // A signal during start-up makes listen fail on a closing app: that is a stop, not an error.
    if (closing === null) {
      removeSignalHandlers();
      await app.close().catch(() => undefined);
      await schedule.close().catch(() => undefined);
      await service.close().catch(() => undefined);
      throw error;
    }
  }

  const address = closing === null ? app.server.address() : null;
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  return { app, service, schedule, url, apiUrl: `${url}${prefix}`, listening: address !== null, close: () => shutdown(null), closed };
}
