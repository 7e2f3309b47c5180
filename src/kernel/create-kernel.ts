import 'reflect-metadata';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { systemClock, type Clock } from './clock.js';
import { Kernel } from './kernel.js';
import { resolveKernelConfig, type KernelConfigInput } from './kernel-config.js';
import type { Journal } from './journal.js';
import { MemoryJournal } from './memory-journal.js';
import type { PolicyRegistration } from './policy.js';
import type { Store } from './store.js';
import { CLOCK, JOURNAL, KERNEL_CONFIG, POLICY, RX_SCHEDULER, STORE } from './tokens.js';

/** Everything a kernel can be built from. Only `store` is required. */
export interface CreateKernelOptions {
  readonly store: Store;
  /** Defaults to an in-memory journal (no history across restarts). */
  readonly journal?: Journal;
  /** Policies to register, in addition to those registered under `POLICY` in `container`. */
  readonly policies?: readonly PolicyRegistration[];
  readonly clock?: Clock;
  /** RxJS scheduler for timers; tests pass a `TestScheduler` or use fake timers. */
  readonly scheduler?: SchedulerLike;
  readonly config?: KernelConfigInput;
  /**
   * The host's container. The kernel resolves in a child of it, so registrations never leak
   * back; policies the host registered under `POLICY` there are picked up.
   */
  readonly container?: DependencyContainer;
}

/**
 * Builds a kernel in its own child container.
 *
 * @example
 * const kernel = createKernel({ store: new MemoryStore(), policies: [{ policy: expiryPolicy, options: { retentionHours: 24 } }] });
 * kernel.events$.subscribe((e) => console.log(e.type));
 * const result = await kernel.run();
 */
export function createKernel(options: CreateKernelOptions): Kernel {
  const config = resolveKernelConfig(options.config);
  const parent = options.container ?? rootContainer;
  const child = parent.createChildContainer();
  // A child registration hides the parent's list for a token, so carry the host's policies over.
  const inherited = parent.isRegistered(POLICY, true) ? parent.resolveAll(POLICY) : [];
  const clock = options.clock ?? systemClock;
  child.register(STORE, { useValue: options.store });
  child.register(JOURNAL, { useValue: options.journal ?? new MemoryJournal(clock) });
  child.register(CLOCK, { useValue: clock });
  child.register(RX_SCHEDULER, { useValue: options.scheduler ?? asyncScheduler });
  child.register(KERNEL_CONFIG, { useValue: config });
  for (const registration of [...inherited, ...(options.policies ?? [])]) child.register(POLICY, { useValue: registration });
  return child.resolve(Kernel);
}
