import type { ServerMetrics } from '../kernel/index.js';
import type { CleanupResult } from '../node/cleanup-service.js';

/** Server metrics as the HTTP API returns them (the original snake_case fields). */
export interface MetricsBody {
  readonly tokens_cleaned: number;
  readonly files_cleaned: number;
  readonly bytes_freed: number;
  readonly errors: number;
  readonly last_cleanup: string | null;
  readonly last_error: string | null;
  readonly storage_size: number | null;
  readonly storage_limit: number | null;
  readonly retention_hours: number | null;
}

/** A run's result as the HTTP API returns it. */
export interface ResultBody {
  readonly tokens_cleaned: number;
  readonly files_cleaned: number;
  readonly bytes_freed: number;
  readonly storage_size: number | null;
  readonly success: boolean;
  readonly error?: string;
  readonly error_code?: string;
  readonly outcome: CleanupResult['outcome'];
  readonly run_id: string;
  readonly dry_run: boolean;
  readonly trigger: string;
  readonly started_at: string;
  readonly duration_ms: number;
  readonly storage_limit: number | null;
  readonly totals: Readonly<Record<string, number>>;
  readonly emergency: Readonly<Record<string, string | number>> | null;
  readonly policies: readonly { readonly name: string; readonly status: string }[];
}

/** Maps `getMetrics()` to the original field names. */
export function metricsBody(m: ServerMetrics): MetricsBody {
  return {
    tokens_cleaned: m.tokensCleaned,
    files_cleaned: m.filesCleaned,
    bytes_freed: m.bytesFreed,
    errors: m.errors,
    last_cleanup: m.lastCleanup,
    last_error: m.lastError,
    storage_size: m.storageSize,
    storage_limit: m.storageLimit,
    retention_hours: m.retentionHours,
  };
}

/** Maps a `CleanupResult` to the HTTP result shape. */
export function resultBody(r: CleanupResult): ResultBody {
  const t = r.totals;
  return {
    tokens_cleaned: r.tokensCleaned,
    files_cleaned: r.filesCleaned,
    bytes_freed: r.bytesFreed,
    storage_size: r.storageSize,
    success: r.success,
    ...(r.error === undefined ? {} : { error: r.error }),
    ...(r.errorCode === undefined ? {} : { error_code: r.errorCode }),
    outcome: r.outcome,
    run_id: r.runId,
    dry_run: r.dryRun,
    trigger: r.trigger,
    started_at: r.startedAt,
    duration_ms: r.durationMs,
    storage_limit: r.storageLimit,
    totals: {
      planned: t.planned,
      deleted: t.deleted,
      already_gone: t.alreadyGone,
      failed: t.failed,
      skipped: t.skipped,
      rejected: t.rejected,
      records: t.records,
      files: t.files,
      bytes_freed: t.bytesFreed,
    },
    emergency:
      r.emergency === null
        ? null
        : {
            policy: r.emergency.policy,
            used_bytes: r.emergency.usedBytes,
            target_bytes: r.emergency.targetBytes,
            freed_bytes: r.emergency.freedBytes,
            shortfall_bytes: r.emergency.shortfallBytes,
          },
    policies: r.policies.map((p) => ({ name: p.name, status: p.status })),
  };
}
