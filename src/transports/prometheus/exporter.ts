import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { DomainEvent, MetricsState, PolicyCounters, RunOutcome } from '../../kernel/index.js';

/** What the exporter reads: the kernel satisfies it (`service.kernel`). */
export interface PrometheusSource {
  /** The metrics projection now: rebuilt from the journal at start, so counters survive restarts. */
  getMetrics(): MetricsState;
  /** Live events, for the run-duration histogram. */
  readonly events$: Observable<DomainEvent>;
  /** True while a run is in progress, when the source knows. */
  readonly running?: boolean;
}

/** Options of {@link createPrometheusExporter}. */
export interface PrometheusExporterOptions {
  /** The registry to fill. Default: a new one (never prom-client's global registry). */
  readonly registry?: Registry;
  /** Metric name prefix. Default `reclaim_`. */
  readonly prefix?: string;
  /** The configured storage limit, reported until a run has measured one. */
  readonly storageLimitBytes?: number | null;
  /** Also collect prom-client's process metrics (CPU, memory, event loop) into the registry. */
  readonly defaultMetrics?: boolean;
  /** Buckets of the run-duration histogram, in seconds. */
  readonly durationBuckets?: readonly number[];
}

/** A Prometheus exporter bound to one source and registry. */
export interface PrometheusExporter {
  readonly registry: Registry;
  /** The exposition format's content type. */
  readonly contentType: string;
  /** The exposition text. */
  metrics(): Promise<string>;
  /** Stops listening to the source. */
  close(): void;
}

const OUTCOMES: readonly RunOutcome[] = ['success', 'partial', 'noop', 'error'];
const DEFAULT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Exposes reclaim's metrics for Prometheus. Counters and gauges are read from the kernel's
 * metrics projection at scrape time, so they are exactly what the journal says: after a restart
 * they continue from the replayed totals instead of starting at zero, and survive compaction.
 * Only the run-duration histogram is observed live (per process, as Prometheus histograms are).
 *
 * Series: `reclaim_tokens_cleaned_total`, `reclaim_files_cleaned_total`,
 * `reclaim_bytes_freed_total`, `reclaim_errors_total`, `reclaim_runs_total`,
 * `reclaim_emergency_runs_total`, `reclaim_policy_deletions_total{policy}`,
 * `reclaim_policy_bytes_freed_total{policy}`, `reclaim_policy_failures_total{policy}`,
 * `reclaim_policy_skips_total{policy,reason}`, `reclaim_storage_used_bytes`,
 * `reclaim_storage_limit_bytes`, `reclaim_last_run_duration_seconds`,
 * `reclaim_last_run_outcome{outcome}` (1 for the last outcome, 0 for the others),
 * `reclaim_last_cleanup_timestamp_seconds`, `reclaim_run_in_progress`,
 * `reclaim_run_duration_seconds{outcome,dry_run}` (histogram).
 *
 * @example
 * const exporter = createPrometheusExporter(service.kernel, { storageLimitBytes: 1024 * 1_048_576 });
 * app.get('/metrics', async (_req, reply) => reply.type(exporter.contentType).send(await exporter.metrics()));
 */
export function createPrometheusExporter(source: PrometheusSource, options: PrometheusExporterOptions = {}): PrometheusExporter {
  const registry = options.registry ?? new Registry();
  const p = options.prefix ?? 'reclaim_';
  const registers = [registry];
  const state = (): MetricsState => source.getMetrics();

  const total = (name: string, help: string, read: (s: MetricsState) => number): void => {
    new Counter({
      name: `${p}${name}`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(state()));
      },
    });
  };
  total('tokens_cleaned_total', 'Token records removed, since the journal began.', (s) => s.recordsRemoved);
  total('files_cleaned_total', 'Files removed, with or without a token.', (s) => s.filesRemoved);
  total('bytes_freed_total', 'Bytes freed by deletions.', (s) => s.bytesFreed);
  total('errors_total', 'Error events: failed deletions, failed policies, store failures.', (s) => s.errors);
  total('runs_total', 'Cleanup runs completed (dry runs included).', (s) => s.runs);
  total('emergency_runs_total', 'Times the emergency policy triggered.', (s) => s.emergencyRuns);

  const byPolicy = (name: string, help: string, read: (c: PolicyCounters) => number): void => {
    new Counter({
      name: `${p}${name}`,
      help,
      labelNames: ['policy'],
      registers,
      collect() {
        this.reset();
        for (const [policy, counters] of Object.entries(state().byPolicy)) this.inc({ policy }, read(counters));
      },
    });
  };
  const byPolicyAnd = (name: string, help: string, label: string, read: (c: PolicyCounters) => Readonly<Record<string, number>>): void => {
    new Counter({
      name: `${p}${name}`,
      help,
      labelNames: ['policy', label],
      registers,
      collect() {
        this.reset();
        for (const [policy, counters] of Object.entries(state().byPolicy)) {
          for (const [value, count] of Object.entries(read(counters) ?? {})) this.inc({ policy, [label]: value }, count);
        }
      },
    });
  };
  byPolicyAnd('policy_deletions_total', 'Deletions carried out, by policy and reason (expired, orphan, emergency, ...).', 'reason', (c) => c.deletedByReason);
  byPolicy('policy_bytes_freed_total', 'Bytes freed, by policy.', (c) => c.bytesFreed);
  byPolicyAnd('policy_failures_total', 'Deletions that failed, by policy and error code (EACCES, EBUSY, ...).', 'code', (c) => c.failedByCode);
  byPolicyAnd('policy_skips_total', 'Deletions skipped, by policy and reason (protected, grace, outside-root, dry-run, ...).', 'reason', (c) => c.skipped);

  const gauge = (name: string, help: string, read: (s: MetricsState) => number | null): void => {
    new Gauge({
      name: `${p}${name}`,
      help,
      registers,
      collect() {
        this.reset();
        const value = read(state());
        if (value !== null) this.set(value);
      },
    });
  };
  gauge('storage_used_bytes', 'Bytes under the storage root at the last measurement.', (s) => s.storageSize);
  gauge('storage_limit_bytes', 'The storage limit in bytes.', (s) => s.storageLimit ?? options.storageLimitBytes ?? null);
  gauge('last_run_duration_seconds', 'Duration of the last run.', (s) => (s.lastRunDurationMs === null ? null : s.lastRunDurationMs / 1000));
  gauge('last_cleanup_timestamp_seconds', 'When the last real (not dry) run ended, Unix time.', (s) =>
    s.lastCleanup === null ? null : Date.parse(s.lastCleanup) / 1000,
  );
  gauge('run_in_progress', '1 while a cleanup run is in progress.', () => (source.running === undefined ? null : source.running ? 1 : 0));

  new Gauge({
    name: `${p}last_run_outcome`,
    help: 'Outcome of the last run: 1 for the outcome it had, 0 for the others.',
    labelNames: ['outcome'],
    registers,
    collect() {
      this.reset();
      const last = state().lastOutcome;
      if (last === null) return;
      for (const outcome of OUTCOMES) this.set({ outcome }, outcome === last ? 1 : 0);
    },
  });

  const duration = new Histogram({
    name: `${p}run_duration_seconds`,
    help: 'Durations of the runs this process saw end.',
    labelNames: ['outcome', 'dry_run'],
    buckets: [...(options.durationBuckets ?? DEFAULT_BUCKETS)],
    registers,
  });
  const subscription: Subscription = source.events$.subscribe((event) => {
    if (event.type !== 'RunCompleted') return;
    duration.observe({ outcome: event.data.outcome, dry_run: String(event.data.dryRun) }, event.data.durationMs / 1000);
  });

  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry, prefix: p });

  return {
    registry,
    contentType: registry.contentType,
    metrics: () => registry.metrics(),
    close: () => subscription.unsubscribe(),
  };
}
