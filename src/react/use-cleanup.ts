import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  createCleanupService,
  createScheduledCleanup,
  resolveBrowserOptions,
  type BrowserCleanupOptions,
  type BrowserCleanupParts,
  type BrowserCleanupResult,
  type BrowserCleanupService,
  type BrowserStorageStatus,
} from '../browser/index.js';
import { assertInterval, type BrowserMetrics } from '../kernel/index.js';

/** Options of {@link useCleanup}: the service's options plus the schedule's. */
export interface UseCleanupOptions extends BrowserCleanupOptions {
  /** Hours between scheduled runs. Default 1. */
  readonly intervalHours?: number;
  /** Start the schedule on mount (first run after one interval). Default true. */
  readonly schedule?: boolean;
  /** Use this service instead of creating one; the hook then never closes it. */
  readonly service?: BrowserCleanupService;
  /** Parts for the service the hook creates (read at creation). */
  readonly parts?: BrowserCleanupParts;
}

/** What {@link useCleanup} gives a component. */
export interface UseCleanupResult {
  /** The journal was replayed: `metrics` are complete. */
  readonly ready: boolean;
  /** A cleanup is running (in this tab or, as its events tell, in another). */
  readonly running: boolean;
  /** Storage now; refreshed on mount and after every run of any tab. */
  readonly status: BrowserStorageStatus | null;
  /** Cumulative metrics, live, across tabs. */
  readonly metrics: BrowserMetrics;
  /** This component's last run. */
  readonly lastResult: BrowserCleanupResult | null;
  /** The last failure (a run that threw, a status read, the service's start). */
  readonly error: Error | null;
  /** Runs a cleanup now; resolves with its result, or null when it could not run. */
  readonly runCleanup: (options?: { readonly dryRun?: boolean }) => Promise<BrowserCleanupResult | null>;
  /** Reads the storage status again. */
  readonly refresh: () => Promise<void>;
  /** The service in use, once mounted. */
  readonly service: BrowserCleanupService | null;
}

const NO_METRICS: BrowserMetrics = Object.freeze({ sessionsCleared: 0, bytesFreed: 0, lastCleanup: null, errors: 0, lastError: null });

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A React hook over the browser cleanup service: creates it on mount (or uses `service`),
 * starts the schedule (first run after one interval) and stops it on unmount, closing the
 * service it created. It renders live metrics and storage status and gives a run trigger.
 * Invalid options (0, negative, NaN) throw during render with a `RECLAIM_INVALID_CONFIG`
 * error naming the field. The service is re-created when a plain option changes.
 *
 * @example
 * function CleanupPanel() {
 *   const { metrics, status, running, runCleanup } = useCleanup({ retentionHours: 24, maxStorageMB: 100 });
 *   return createElement('button', { disabled: running, onClick: () => void runCleanup() },
 *     `Clean up (${metrics.sessionsCleared} cleared, ${status?.storageInfo.percent.toFixed(1) ?? '?'}% used)`);
 * }
 */
export function useCleanup(options: UseCleanupOptions = {}): UseCleanupResult {
  const { service: provided, parts, intervalHours = 1, schedule = true, ...serviceOptions } = options;
  const key = JSON.stringify(serviceOptions);
  // Validate during render: a bad option is a loud error, not a silent default.
  useMemo(() => {
    if (provided === undefined) resolveBrowserOptions(serviceOptions);
    assertInterval(intervalHours, 'intervalHours');
  }, [key, provided, intervalHours]);
  const latest = useRef({ serviceOptions, parts });
  latest.current = { serviceOptions, parts };

  const [service, setService] = useState<BrowserCleanupService | null>(null);
  const [ready, setReady] = useState(false);
  const [running, setRunning] = useState(false);
  const [status, setStatus] = useState<BrowserStorageStatus | null>(null);
  const [metrics, setMetrics] = useState<BrowserMetrics>(NO_METRICS);
  const [lastResult, setLastResult] = useState<BrowserCleanupResult | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const current = useRef<{ service: BrowserCleanupService; alive: boolean } | null>(null);

  useEffect(() => {
    const svc = provided ?? createCleanupService(latest.current.serviceOptions, latest.current.parts);
    const mounted = { service: svc, alive: true };
    current.current = mounted;
    setService(svc);
    setReady(false);
    const refresh = (): Promise<void> =>
      svc.getStorageStatus().then(
        (s) => void (mounted.alive && setStatus(s)),
        (e: unknown) => void (mounted.alive && setError(asError(e))),
      );
    const metricsSub = svc.metrics$.subscribe((m) => mounted.alive && setMetrics(m));
    const eventsSub = svc.events$.subscribe((event) => {
      if (!mounted.alive) return;
      if (event.type === 'RunStarted') setRunning(true);
      if (event.type === 'RunCompleted') {
        setRunning(false);
        void refresh();
      }
    });
    svc.ready.then(
      () => mounted.alive && setReady(true),
      (e: unknown) => mounted.alive && setError(asError(e)),
    );
    void refresh();
    const scheduled = schedule ? createScheduledCleanup(svc, { intervalHours, onError: (e) => mounted.alive && setError(asError(e)) }) : null;
    scheduled?.start();
    return () => {
      mounted.alive = false;
      metricsSub.unsubscribe();
      eventsSub.unsubscribe();
      scheduled?.stop();
      if (provided === undefined) void svc.close();
    };
  }, [key, provided, intervalHours, schedule]);

  const runCleanup = useCallback(async (run?: { readonly dryRun?: boolean }): Promise<BrowserCleanupResult | null> => {
    const mounted = current.current;
    if (mounted === null || !mounted.alive) return null;
    try {
      const result = await mounted.service.runCleanup(run);
      if (mounted.alive) setLastResult(result);
      return result;
    } catch (e) {
      if (mounted.alive) setError(asError(e));
      return null;
    }
  }, []);

  const refresh = useCallback(async (): Promise<void> => {
    const mounted = current.current;
    if (mounted === null || !mounted.alive) return;
    try {
      const s = await mounted.service.getStorageStatus();
      if (mounted.alive) setStatus(s);
    } catch (e) {
      if (mounted.alive) setError(asError(e));
    }
  }, []);

  return { ready, running, status, metrics, lastResult, error, runCleanup, refresh, service };
}
