import type { DomainEvent, RunResult } from '../../../src/kernel/index.js';
import { createKernel } from '../../../src/kernel/index.js';
import { emergencyPolicy, expiryPolicy, orphanPolicy, serverEmergencyOptions } from '../../../src/policies/index.js';
import { ServerStore, type ServerStoreOptions } from '../../../src/stores/server/index.js';

/** Options of one cleanup run over a real folder, with the three built-in policies. */
export interface CleanupOptions extends Partial<ServerStoreOptions> {
  readonly storagePath: string;
  readonly tokenFile: string;
  readonly maxStorageMB?: number;
  readonly retentionHours?: number;
  readonly graceMinutes?: number;
  readonly exclude?: readonly string[];
  readonly dryRun?: boolean;
}

/** A run's result and every domain event it emitted. */
export interface CleanupRun {
  readonly result: RunResult;
  readonly events: readonly DomainEvent[];
  readonly errors: number;
  readonly lastError: string | null;
}

/** Runs expiry, orphan and emergency once through a real kernel over a ServerStore. */
export async function runCleanup(options: CleanupOptions): Promise<CleanupRun> {
  const maxStorageMB = options.maxStorageMB ?? 1024;
  const store = new ServerStore({ limitBytes: maxStorageMB * 1_048_576, ...options });
  const kernel = createKernel({
    store,
    policies: [
      { policy: expiryPolicy, options: { retentionHours: options.retentionHours ?? 24, basis: 'token' } },
      { policy: orphanPolicy, options: { graceMinutes: options.graceMinutes ?? 60, exclude: [...(options.exclude ?? [])] } },
      { policy: emergencyPolicy, options: serverEmergencyOptions(maxStorageMB) },
    ],
    config: { retentionHours: options.retentionHours ?? 24 },
  });
  const events: DomainEvent[] = [];
  const subscription = kernel.events$.subscribe((event) => events.push(event));
  try {
    const result = await kernel.run({ dryRun: options.dryRun ?? false });
    const metrics = kernel.getMetrics();
    return { result, events, errors: metrics.errors, lastError: metrics.lastError };
  } finally {
    subscription.unsubscribe();
    await kernel.close();
  }
}

/** Events of one type, narrowed. */
export function eventsOf<T extends DomainEvent['type']>(run: CleanupRun, type: T): Extract<DomainEvent, { type: T }>[] {
  return run.events.filter((event): event is Extract<DomainEvent, { type: T }> => event.type === type);
}
